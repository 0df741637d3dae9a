"""Neon's rate limits: a per-key budget per minute and a per-route burst per second.

Why this exists: Neon answers 429 beyond 700 requests/min per account or 40 requests/s on one
route, and the consumption endpoints share a separate budget of about 50/min. A controller must
pace itself within those budgets; token buckets reproduce them (a full bucket allows a burst, then
requests pass at the refill rate). A limit of 0 is off.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class TokenBucket:
    capacity: float
    refill_per_second: float
    tokens: float
    updated: float

    @classmethod
    def full(cls, capacity: float, refill_per_second: float, now: float) -> TokenBucket:
        return cls(capacity, refill_per_second, capacity, now)

    def refill(self, now: float) -> None:
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.refill_per_second)
        self.updated = now


class RateLimiter:
    """Admits or refuses each request; buckets are created on first use."""

    def __init__(
        self,
        *,
        rate_per_minute: int,
        burst_per_second: int,
        consumption_rate_per_minute: int,
        monotonic: Callable[[], float],
    ) -> None:
        self._rate_per_minute = rate_per_minute
        self._burst_per_second = burst_per_second
        self._consumption_rate_per_minute = consumption_rate_per_minute
        self._monotonic = monotonic
        self._buckets: dict[tuple[str, ...], TokenBucket] = {}

    def clear(self) -> None:
        self._buckets.clear()

    def _bucket(self, key: tuple[str, ...], capacity: int, per_second: float) -> TokenBucket:
        now = self._monotonic()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket.full(capacity, per_second, now)
        bucket.refill(now)
        return bucket

    def admit(self, api_key: str, route: str, *, consumption: bool) -> bool:
        """Take a token from every bucket that applies, or refuse without taking any."""
        buckets: list[TokenBucket] = []
        if consumption:
            if self._consumption_rate_per_minute:
                rate = self._consumption_rate_per_minute
                buckets.append(self._bucket(("consumption", api_key), rate, rate / 60.0))
        else:
            if self._rate_per_minute:
                rate = self._rate_per_minute
                buckets.append(self._bucket(("account", api_key), rate, rate / 60.0))
            if self._burst_per_second:
                burst = self._burst_per_second
                buckets.append(self._bucket(("route", api_key, route), burst, float(burst)))
        if any(bucket.tokens < 1.0 for bucket in buckets):
            return False
        for bucket in buckets:
            bucket.tokens -= 1.0
        return True
