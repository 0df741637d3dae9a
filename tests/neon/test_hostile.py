"""A hostile or broken upstream cannot hang or flood the client (issue 14): every response is
bounded in size and time and every list in length, ending in an error from the tree, never in a
success. Each case runs against a real misbehaving server on a real socket."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from controller.neon import (
    CommandDeadlineError,
    EndlessListError,
    NeonClient,
    NeonSettings,
    OutcomeUnknownError,
    ProjectUpdate,
    RateLimiterRegistry,
    RequestDeadlineError,
    ResponseTooLargeError,
)
from controller.neon.deadline import command_deadline
from tests.neon.hostile import (
    Behaviour,
    HostileServer,
    declared_huge_body,
    endless_chunked_body,
    hostile_server,
    never_ending_project_list,
    trickled_body,
)

pytestmark = pytest.mark.anyio

KEY = "hostile-test-key-51c0"
MiB = 2**20


@asynccontextmanager
async def client_of(
    behaviour: Behaviour, **overrides: Any
) -> AsyncIterator[tuple[NeonClient, HostileServer]]:
    async with hostile_server(behaviour) as server:
        settings = NeonSettings(
            api_key=KEY, host=server.base_url, pace=False, backoff_initial_seconds=0.05, **overrides
        )
        async with NeonClient(settings, limiters=RateLimiterRegistry()) as client:
            yield client, server


async def peak_memory(call: Callable[[], Awaitable[object]]) -> tuple[BaseException, int]:
    """The exception `call` raised, and the peak of memory allocated while it ran."""
    tracemalloc.start()
    try:
        await call()
    except Exception as error:
        raised: BaseException = error
    else:
        raise AssertionError("the call succeeded against a hostile server")
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return raised, peak


async def test_an_endless_chunked_body_stops_at_the_size_cap() -> None:
    """It reached 3 GB in 11 s before: now it stops at max_response_bytes, and is not retried."""
    async with client_of(endless_chunked_body, max_response_bytes=MiB) as (client, server):
        error, peak = await peak_memory(lambda: client.get_project("tenant-a"))
    assert isinstance(error, ResponseTooLargeError)
    assert str(error).startswith("GET /projects/tenant-a -> 200: the response body is larger")
    assert server.requests == ["GET /api/v2/projects/tenant-a"]
    assert peak < 6 * MiB


async def test_a_body_declared_larger_than_the_cap_is_not_read() -> None:
    async with client_of(declared_huge_body, max_response_bytes=MiB) as (client, _):
        error, peak = await peak_memory(lambda: client.list_endpoints("tenant-a"))
    assert isinstance(error, ResponseTooLargeError)
    assert peak < 2 * MiB


async def test_a_trickled_body_ends_at_the_request_deadline_and_reads_are_retried() -> None:
    """A byte every 0.2 s keeps every httpx read timeout happy; the deadline still ends it."""
    deadline = 0.5
    settings = {"request_deadline_seconds": deadline, "max_attempts": 2}
    async with client_of(trickled_body(0.2), **settings) as (client, server):
        started = time.monotonic()
        with pytest.raises(RequestDeadlineError) as caught:
            await client.get_project("tenant-a")
        elapsed = time.monotonic() - started
    assert len(server.requests) == 2  # a read: retried once, then given up
    assert 2 * deadline <= elapsed < 2 * deadline + 3.0
    assert "within request_deadline_seconds (0.5 s)" in str(caught.value)


async def test_a_trickled_answer_to_a_mutation_is_an_unknown_outcome_never_resent() -> None:
    async with client_of(trickled_body(0.2), request_deadline_seconds=0.5) as (client, server):
        with pytest.raises(OutcomeUnknownError) as caught:
            await client.update_project("tenant-a", ProjectUpdate(name="x"))
    assert server.requests == ["PATCH /api/v2/projects/tenant-a"]
    assert caught.value.response_lost is True


async def test_a_project_list_that_never_ends_is_refused_with_bounded_memory() -> None:
    """It grew to 3 GB in 409 s before: now max_list_items ends it."""
    async with client_of(never_ending_project_list, max_list_items=1000) as (client, server):
        error, peak = await peak_memory(client.list_projects)
    assert isinstance(error, EndlessListError)
    assert "longer than max_list_items (1000)" in str(error)
    assert len(server.requests) == 3  # pages of 400: the third passes 1000 items
    assert peak < 64 * MiB


async def test_a_command_over_its_deadline_ends_in_an_error() -> None:
    settings = NeonSettings(api_key=KEY, command_deadline_seconds=0.2)
    started = time.monotonic()
    with pytest.raises(CommandDeadlineError) as caught:
        async with command_deadline(settings, "plan"):
            await asyncio.sleep(30)
    assert time.monotonic() - started < 5
    assert str(caught.value) == (
        "plan did not finish within command_deadline_seconds (0.2 s): stopped"
    )
