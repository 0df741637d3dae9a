"""The overall deadline of a command (`command_deadline_seconds`), for the CLI to wrap a run in.

Each request is bounded on its own (`request_deadline_seconds`), but a command makes many, and a
hostile upstream that answers each just in time, or a fleet far larger than expected, must still
end. `command_deadline(settings)` cancels what runs inside it when the time is up and raises
CommandDeadlineError, which the CLI reports as an error (exit 1), never as a success.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from controller.neon.errors import CommandDeadlineError
from controller.neon.settings import NeonSettings


@asynccontextmanager
async def command_deadline(settings: NeonSettings, command: str = "command") -> AsyncIterator[None]:
    """Run the body under `settings.command_deadline_seconds`; CommandDeadlineError past it."""
    seconds = settings.command_deadline_seconds
    timeout = asyncio.timeout(seconds)
    try:
        async with timeout:
            yield
    except TimeoutError:
        if not timeout.expired():
            raise
        raise CommandDeadlineError(
            f"{command} did not finish within command_deadline_seconds ({seconds:g} s): stopped"
        ) from None
