"""The shared rate limiter: token-bucket guarantees, adaptive slowdown, one limiter per key."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from controller.neon import NeonClient, NeonSettings
from controller.neon.ratelimit import (
    ACCOUNT_BUCKET,
    CONSUMPTION_BUCKET,
    RateLimiter,
    RateLimiterRegistry,
    RateLimits,
    key_fingerprint,
)

ROUTE = "GET /projects/{project_id}"
OTHER_ROUTE = "GET /projects/{project_id}/endpoints"


def limits(rpm: float = 120.0, burst: float = 5.0, consumption_rpm: float = 30.0) -> RateLimits:
    return RateLimits(
        requests_per_minute=rpm,
        burst_per_second=burst,
        consumption_requests_per_minute=consumption_rpm,
        slowdown_factor=0.5,
        min_factor=0.1,
        recovery_per_minute=0.2,
        penalty_cooldown_seconds=1.0,
    )


def max_in_window(times: list[float], window: float) -> int:
    """The most send times falling in any closed window of `window` seconds."""
    ordered = sorted(times)
    best, start = 0, 0
    for end, last in enumerate(ordered):
        while last - ordered[start] > window + 1e-9:
            start += 1
        best = max(best, end - start + 1)
    return best


@settings(max_examples=60, deadline=None)
@given(
    gaps=st.lists(st.floats(min_value=0, max_value=2.0), min_size=1, max_size=300),
    routes=st.lists(st.sampled_from([ROUTE, OTHER_ROUTE]), min_size=300, max_size=300),
)
def test_no_window_ever_exceeds_burst_plus_rate(gaps: list[float], routes: list[str]) -> None:
    limiter = RateLimiter(limits(rpm=120.0, burst=5.0))  # account 2/s, route 5/s, burst 5
    now, sent = 0.0, []
    for gap, route in zip(gaps, routes, strict=False):
        now += gap
        sent.append((now + limiter.reserve(route, consumption=False, now=now), route))
    times = [at for at, _ in sent]
    for window in (0.5, 1.0, 10.0, 60.0):
        assert max_in_window(times, window) <= 5 + math.floor(2.0 * window)
        for route in (ROUTE, OTHER_ROUTE):
            on_route = [at for at, used in sent if used == route]
            assert max_in_window(on_route, window) <= 5 + math.floor(5.0 * window)


def test_a_burst_goes_at_once_then_requests_are_spaced_at_the_rate() -> None:
    limiter = RateLimiter(limits(rpm=120.0, burst=5.0))
    delays = [limiter.reserve(ROUTE, consumption=False, now=0.0) for _ in range(8)]
    assert delays == pytest.approx([0, 0, 0, 0, 0, 0.5, 1.0, 1.5])


def test_a_long_run_averages_the_configured_rate() -> None:
    limiter = RateLimiter(limits(rpm=700.0, burst=40.0))
    last = max(limiter.reserve(f"GET /r{n % 7}", consumption=False, now=0.0) for n in range(3000))
    # 40 at once, then 700/min: the 3000th request goes at (3000 - 40) / (700 / 60) s
    assert last == pytest.approx((3000 - 40) / (700 / 60))


def test_consumption_routes_have_a_budget_of_their_own() -> None:
    limiter = RateLimiter(limits(rpm=60.0, burst=2.0, consumption_rpm=30.0))
    consumption = [limiter.reserve("GET /c", consumption=True, now=0.0) for _ in range(3)]
    others = [limiter.reserve(ROUTE, consumption=False, now=0.0) for _ in range(3)]
    assert consumption == pytest.approx([0.0, 2.0, 4.0])  # 30/min, no burst
    assert others == pytest.approx([0.0, 0.0, 1.0])  # untouched by the consumption queue


def test_a_429_drains_holds_and_halves_the_rate() -> None:
    limiter = RateLimiter(limits(rpm=120.0, burst=5.0))
    assert limiter.penalize(ROUTE, consumption=False, now=10.0, retry_after=3.0) == 0.5
    first = limiter.reserve(ROUTE, consumption=False, now=10.0)
    second = limiter.reserve(ROUTE, consumption=False, now=10.0)
    assert first == pytest.approx(3.0)  # held for Retry-After, no burst credit left
    assert second - first == pytest.approx(1.0, rel=0.01)  # 2/s halved: one per second


def test_a_429_on_a_consumption_route_slows_only_the_consumption_budget() -> None:
    limiter = RateLimiter(limits(rpm=60.0, burst=2.0, consumption_rpm=30.0))
    assert limiter.penalize("GET /c", consumption=True, now=0.0, retry_after=None) == 0.5
    assert limiter.speed_factor(now=0.0, bucket=CONSUMPTION_BUCKET) == 0.5
    assert limiter.speed_factor(now=0.0, bucket=ACCOUNT_BUCKET) == 1.0
    assert limiter.reserve(ROUTE, consumption=False, now=0.0) == 0.0


def test_429s_in_quick_succession_count_once_and_never_below_the_floor() -> None:
    limiter = RateLimiter(limits())
    assert limiter.penalize(ROUTE, consumption=False, now=0.0, retry_after=None) == 0.5
    assert limiter.penalize(ROUTE, consumption=False, now=0.5, retry_after=None) is None
    for n in range(1, 10):
        limiter.penalize(ROUTE, consumption=False, now=float(n), retry_after=None)
    assert limiter.speed_factor(now=9.0) == 0.1


def test_the_rate_recovers_slowly_without_429s() -> None:
    limiter = RateLimiter(limits())  # recovers 0.2 of full speed per minute
    limiter.penalize(ROUTE, consumption=False, now=0.0, retry_after=None)
    assert limiter.speed_factor(now=0.0) == 0.5
    assert limiter.speed_factor(now=60.0) == pytest.approx(0.7)
    assert limiter.speed_factor(now=150.0) == 1.0
    assert limiter.speed_factor(now=150.0, bucket=CONSUMPTION_BUCKET) == 1.0


def test_one_limiter_per_host_and_key_keyed_by_fingerprint() -> None:
    registry = RateLimiterRegistry()
    key = "napi_registrytestkey000000000000000000"
    first = registry.limiter_for("https://neon.test/api/v2", key, limits())
    assert registry.limiter_for("https://neon.test/api/v2", key, limits()) is first
    assert registry.limiter_for("https://neon.test/api/v2", key + "x", limits()) is not first
    assert registry.limiter_for("http://127.0.0.1:1/api/v2", key, limits()) is not first
    fingerprints = registry.fingerprints()
    assert key_fingerprint("https://neon.test/api/v2", key) in fingerprints
    assert all(key not in fingerprint for fingerprint in fingerprints)


def test_a_client_on_its_own_clock_gets_its_own_limiter() -> None:
    registry = RateLimiterRegistry()
    production = registry.limiter_for("h", "k", limits())
    assert registry.limiter_for("h", "k", limits()) is production  # time.monotonic by default
    assert registry.limiter_for("h", "k", limits(), clock=lambda: 0.0) is not production


@pytest.mark.anyio
async def test_clients_of_one_key_share_one_limiter() -> None:
    registry = RateLimiterRegistry()
    key, other = "napi_sharedkey000000000000000000000", "napi_otherkey0000000000000000000000"
    first = NeonClient(NeonSettings(api_key=key), limiters=registry)
    second = NeonClient(NeonSettings(api_key=key, requests_per_minute=60), limiters=registry)
    third = NeonClient(NeonSettings(api_key=other), limiters=registry)
    for client in (first, second, third):
        await client.aclose()
    assert len(registry.fingerprints()) == 2
    shared = registry.limiter_for("https://console.neon.tech/api/v2", key, limits())
    assert shared.limits.requests_per_minute == 60  # the stricter of the two clients


def test_clients_sharing_a_key_share_the_stricter_budget() -> None:
    registry = RateLimiterRegistry()
    shared = registry.limiter_for("h", "k", limits(rpm=6000.0, burst=100.0))
    registry.limiter_for("h", "k", limits(rpm=120.0, burst=200.0))
    assert (shared.limits.requests_per_minute, shared.limits.burst_per_second) == (120.0, 100.0)


def test_the_account_bucket_is_shared_across_routes() -> None:
    limiter = RateLimiter(limits(rpm=60.0, burst=2.0))  # 1/s, burst 2
    delays = [limiter.reserve(f"GET /route{n}", consumption=False, now=0.0) for n in range(4)]
    assert delays == pytest.approx([0.0, 0.0, 1.0, 2.0])
    assert limiter.speed_factor(now=0.0, bucket=ACCOUNT_BUCKET) == 1.0
