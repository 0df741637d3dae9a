"""Over thousands of requests the client stays inside the budget the emulator enforces.

Counts decide, never wall-clock durations: in virtual time (the emulator's buckets refill on the
test's fake clock, which only the client's sleeps move) the run is exact; over real HTTP the
check is one a slow machine can only pass more easily (a late request never counts early).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from itertools import cycle
from typing import Any

import httpx
import pytest

from controller.neon import NeonClient, NeonSettings, ProjectCreate, RateLimiterRegistry
from controller.neon.ratelimit import ACCOUNT_BUCKET, RateLimits
from tests.neon.fakes import FakeClock, Recording
from tests.support.emulator_process import EmulatorProcess
from tests.support.fixtures_emulator import InProcessEmulator

pytestmark = pytest.mark.anyio

Wrap = Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport]


def most_in_any_window(times: Sequence[float], window: float) -> int:
    ordered, best, start = sorted(times), 0, 0
    for end, last in enumerate(ordered):
        while last - ordered[start] > window + 1e-9:
            start += 1
        best = max(best, end - start + 1)
    return best


def status_count(stats: dict[str, Any], status: int) -> int:
    return sum(row["count"] for row in stats["requests"] if row["status"] == status)


async def read_a_lot(client: NeonClient, project_id: str, count: int) -> None:
    """`count` reads spread over four routes, as an observe pass of a fleet does."""
    await client.list_endpoints(project_id)
    reads: list[Callable[[], Awaitable[object]]] = [
        lambda: client.get_project(project_id),
        lambda: client.list_endpoints(project_id),
        lambda: client.list_branches(project_id),
        lambda: client.list_operations(project_id, limit=5),
    ]
    calls = cycle(reads)
    for _ in range(count):
        await next(calls)()


async def test_neons_default_budget_holds_over_2000_requests_in_virtual_time(
    emulator_app_factory: Callable[..., InProcessEmulator],
    contract_transport: Wrap,
    clock: FakeClock,
) -> None:
    emulator = emulator_app_factory(rate_per_minute=700, burst_per_second=40, monotonic=clock)
    stamps = Recording(contract_transport(emulator.transport()), clock)
    settings = NeonSettings(api_key=emulator.api_key, host=emulator.base_url)  # 700/min, 40/s
    async with NeonClient(
        settings, transport=stamps, clock=clock, sleep=clock.sleep, limiters=RateLimiterRegistry()
    ) as client:
        project_id = (await client.create_project(ProjectCreate(name="tenant-rate"))).project.id
        await read_a_lot(client, project_id, 2000)
    stats = await emulator.stats()
    assert status_count(stats, 429) == 0
    assert stats["total"] == len(stamps.times()) == 2002
    per_second = 700 / 60
    for window in (1.0, 10.0, 60.0, 120.0):
        assert most_in_any_window(stamps.times(), window) <= 40 + per_second * window
    # and it used the budget: the run took no longer than the budget requires
    elapsed = max(stamps.times()) - min(stamps.times())
    assert elapsed <= (len(stamps.times()) - 40) / per_second + 1.0


async def test_the_client_slows_down_when_429s_still_arrive(
    emulator_app_factory: Callable[..., InProcessEmulator],
    contract_transport: Wrap,
    clock: FakeClock,
) -> None:
    """Configured for twice the budget Neon really gives: a few 429s, then it adapts."""
    emulator = emulator_app_factory(rate_per_minute=700, burst_per_second=40, monotonic=clock)
    registry = RateLimiterRegistry()
    settings = NeonSettings(
        api_key=emulator.api_key, host=emulator.base_url, requests_per_minute=1400
    )
    async with NeonClient(
        settings,
        transport=contract_transport(emulator.transport()),
        clock=clock,
        sleep=clock.sleep,
        rng=lambda: 0.5,
        limiters=registry,
    ) as client:
        project_id = (await client.create_project(ProjectCreate(name="tenant-adapt"))).project.id
        await read_a_lot(client, project_id, 2000)
    stats = await emulator.stats()
    rate_limited = status_count(stats, 429)
    assert 1 <= rate_limited <= 20  # a handful, each retried: every read still succeeded
    assert status_count(stats, 200) + status_count(stats, 201) == 2002
    limiter = registry.limiter_for(
        emulator.base_url, emulator.api_key, RateLimits.from_settings(settings), clock=clock
    )
    assert limiter.speed_factor(now=clock(), bucket=ACCOUNT_BUCKET) < 1.0


async def test_a_concurrent_fleet_stays_under_the_rate_over_real_http(
    emulator_server_factory: Callable[..., EmulatorProcess], contract_transport: Wrap
) -> None:
    per_minute, burst = 14_400, 100  # 240/s overall; no route gets near 100/s
    server = emulator_server_factory(rate_per_minute=per_minute, burst_per_second=burst)
    stamps = Recording(contract_transport(httpx.AsyncHTTPTransport()), time.monotonic)
    settings = NeonSettings(
        api_key=server.api_key,
        host=server.base_url,
        requests_per_minute=per_minute,
        burst_per_second=burst,
    )
    async with NeonClient(settings, transport=stamps, limiters=RateLimiterRegistry()) as client:
        project_ids = [
            (await client.create_project(ProjectCreate(name=f"tenant-{n}"))).project.id
            for n in range(4)
        ]
        started = time.monotonic()
        await asyncio.gather(*(read_a_lot(client, project_ids[n % 4], 60) for n in range(20)))
    stats = server.stats()
    assert status_count(stats, 429) == 0
    sent = [at for at in stamps.times() if at >= started]
    assert len(sent) == 20 * 61
    # never more than the burst plus the rate since the run began, however late requests left
    assert len(sent) <= burst + per_minute / 60 * (max(sent) - started)
