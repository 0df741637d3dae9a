"""Rate limits like Neon's: a per-key budget per minute and a per-route burst per second, 429."""

from __future__ import annotations

import pytest

from tests.emulator.conftest import Neon, NeonFactory

pytestmark = pytest.mark.anyio

RATE_LIMITED = {"code": "", "message": "rate limit exceeded"}


async def statuses(neon: Neon, path: str, count: int) -> list[int]:
    return [(await neon.api.get(path)).status_code for _ in range(count)]


async def test_a_burst_beyond_the_per_route_limit_gets_429(neon_factory: NeonFactory) -> None:
    neon = await neon_factory(burst_per_second=5, rate_per_minute=0)
    assert await statuses(neon, "/projects", 7) == [200] * 5 + [429] * 2
    refused = await neon.api.get("/projects")
    assert refused.json() == RATE_LIMITED
    assert await statuses(neon, "/regions", 1) == [200]  # another route has its own burst
    neon.clock.advance(0.2)  # one token back at 5/s
    assert await statuses(neon, "/projects", 2) == [200, 429]


async def test_the_per_key_budget_spans_routes_and_refills_over_the_minute(
    neon_factory: NeonFactory,
) -> None:
    neon = await neon_factory(rate_per_minute=6, burst_per_second=0, api_key=None)
    assert await statuses(neon, "/projects", 4) == [200] * 4
    assert await statuses(neon, "/regions", 3) == [200, 200, 429]
    other_key = await neon.api.get("/regions", headers={"Authorization": "Bearer someone-else"})
    assert other_key.status_code == 200
    neon.clock.advance(10)  # 6/min: one token every 10 s
    assert await statuses(neon, "/regions", 2) == [200, 429]


async def test_a_limit_of_zero_is_off(neon_factory: NeonFactory) -> None:
    neon = await neon_factory(rate_per_minute=0, burst_per_second=0)
    assert set(await statuses(neon, "/projects", 100)) == {200}


async def test_neons_default_limits_allow_40_per_second_on_a_route(
    neon_factory: NeonFactory,
) -> None:
    neon = await neon_factory(rate_per_minute=700, burst_per_second=40)
    assert await statuses(neon, "/projects", 41) == [200] * 40 + [429]
