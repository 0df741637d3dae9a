"""A `UsageReader` on the command's connection, with Neon's clock recorded on the way.

Why this exists: the report, the histories and the billing export all read Neon the same way:
through the connection's transport (the embedded emulator's, or a real one with the
environment's proxy) wrapped to record each response's `Date` (Neon's clock), with a client
whose Neon errors end the command in one line. One place builds that.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from controller.cli.connection import Connection
from controller.cli.reconcile_args import neon_client
from controller.usage.collect import UsageReader
from controller.usage.query import UsageQuery
from controller.usage.server_clock import (
    DateRecordingTransport,
    LocalClock,
    ServerClock,
    network_transport,
)


@asynccontextmanager
async def usage_reader(
    connection: Connection, query: UsageQuery, local_clock: LocalClock
) -> AsyncIterator[tuple[UsageReader, ServerClock]]:
    """The reader for `query` and the clock it records Neon's time in.

    `neon_client` closes the connection it is given; the caller closes the original instead
    (the cache may spare every call)."""
    clock = ServerClock(local_clock)
    inner = connection.transport or network_transport(connection.settings)
    recording = dataclasses.replace(
        connection, transport=DateRecordingTransport(inner, clock), closer=None
    )
    async with neon_client(recording) as client:
        yield UsageReader(client, clock, query=query), clock
