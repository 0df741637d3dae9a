"""Client-side rate limiting, shared per API key, so a whole fleet run stays inside Neon's budget.

Neon allows about 700 requests/min per account, bursts of 40/s per route, and about 50/min on the
consumption endpoints (a budget of their own), and answers 429 beyond that. A request draws one
token from each bucket it is subject to:

- the account bucket (rate `requests_per_minute`, burst `burst_per_second`) and its route's
  bucket (`GET /projects/{project_id}`...: rate and burst `burst_per_second`);
- consumption routes draw from the consumption bucket only (`consumption_requests_per_minute`,
  no burst), so a queue of slow consumption reads never holds up the rest of the fleet.

Buckets use GCRA (the "virtual scheduling" form of a token bucket): a reservation is computed
atomically from the clock, so it needs no lock across `await`, works with an injected clock, and
queues callers in arrival order. Over any window of `w` seconds a bucket admits at most
`burst + rate * w` requests.

Adaptive: a 429 that still arrives empties the buckets the request drew from, holds them off for
Retry-After (or one interval), and multiplies their rate by `rate_slowdown_factor` (at most once
per `rate_penalty_cooldown_seconds`, never below `rate_min_factor`); bursts shrink by the same
factor. The rate then recovers linearly by `rate_recovery_per_minute` of full speed per minute
without a new 429.

One limiter per (host, API key) is shared by every client in the process through a registry keyed
on a SHA-256 fingerprint, never on the key itself (and on the clock: a client with an injected
test clock lives in its own time). Clients that share a key but configure different limits share
the stricter of the two. With a shared directory (`shared_limiter_dir`), the buckets live in a
lock-protected file there (controller.neon.sharedstate) and every process on the machine draws
from them: SharedRateLimiter. `Unpaced` is the limiter of `pace=False`: it never waits.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from controller.neon.settings import NeonSettings
from controller.neon.sharedstate import SharedStateFile

Clock = Callable[[], float]
ACCOUNT_BUCKET = "account"
CONSUMPTION_BUCKET = "consumption"


@dataclass(frozen=True)
class RateLimits:
    """The budget and the adaptation parameters of one limiter."""

    requests_per_minute: float
    burst_per_second: float  # already less the headroom (see NeonSettings.burst_headroom)
    consumption_requests_per_minute: float
    slowdown_factor: float
    min_factor: float
    recovery_per_minute: float
    penalty_cooldown_seconds: float

    @classmethod
    def from_settings(cls, settings: NeonSettings) -> RateLimits:
        return cls(
            requests_per_minute=settings.requests_per_minute,
            burst_per_second=settings.burst_per_second * (1.0 - settings.burst_headroom),
            consumption_requests_per_minute=settings.consumption_requests_per_minute,
            slowdown_factor=settings.rate_slowdown_factor,
            min_factor=settings.rate_min_factor,
            recovery_per_minute=settings.rate_recovery_per_minute,
            penalty_cooldown_seconds=settings.rate_penalty_cooldown_seconds,
        )

    def stricter(self, other: RateLimits) -> RateLimits:
        """Field by field, whichever of the two is more polite to Neon."""
        return replace(
            self,
            requests_per_minute=min(self.requests_per_minute, other.requests_per_minute),
            burst_per_second=min(self.burst_per_second, other.burst_per_second),
            consumption_requests_per_minute=min(
                self.consumption_requests_per_minute, other.consumption_requests_per_minute
            ),
        )

    def bucket_shape(self, bucket: str) -> tuple[float, float]:
        """(requests per second, burst capacity) of a bucket name."""
        if bucket == ACCOUNT_BUCKET:
            return self.requests_per_minute / 60.0, max(1.0, self.burst_per_second)
        if bucket == CONSUMPTION_BUCKET:
            return self.consumption_requests_per_minute / 60.0, 1.0
        return self.burst_per_second, max(1.0, self.burst_per_second)


class _Bucket:
    """One GCRA bucket with an adaptive speed factor."""

    def __init__(self, per_second: float, capacity: float) -> None:
        self.per_second = per_second
        self.capacity = capacity
        self.tat = -math.inf  # theoretical arrival time of the next conforming request
        self.factor = 1.0  # speed factor at `factor_since`
        self.factor_since = -math.inf
        self.last_penalty = -math.inf

    def interval(self, now: float, limits: RateLimits) -> float:
        return 1.0 / (self.per_second * self.current_factor(now, limits))

    def current_factor(self, now: float, limits: RateLimits) -> float:
        regained = max(0.0, now - self.factor_since) * limits.recovery_per_minute / 60.0
        return min(1.0, self.factor + regained)

    @property
    def tolerance(self) -> float:
        """How far ahead of the clock reservations may run: the burst, at full speed."""
        return (self.capacity - 1.0) / self.per_second

    def ready_at(self, now: float) -> float:
        return max(now, self.tat - self.tolerance)

    def take(self, at: float, now: float, limits: RateLimits) -> None:
        self.tat = max(self.tat, at) + self.interval(now, limits)

    def penalize(self, now: float, hold_seconds: float | None, limits: RateLimits) -> bool:
        """Slow down and drain after a 429; False if within the cooldown of the last one."""
        if now - self.last_penalty < limits.penalty_cooldown_seconds:
            return False
        self.factor = max(
            limits.min_factor, self.current_factor(now, limits) * limits.slowdown_factor
        )
        self.factor_since = now
        self.last_penalty = now
        interval = self.interval(now, limits)
        hold = interval if hold_seconds is None else max(hold_seconds, interval)
        self.tat = max(self.tat, now + hold + self.tolerance)  # no burst credit; next at now+hold
        return True


class Pacer(Protocol):
    """What a session needs from a limiter: a slot per request, and news of a 429."""

    def reserve(self, route: str, *, consumption: bool, now: float) -> float: ...

    def penalize(
        self, route: str, *, consumption: bool, now: float, retry_after: float | None
    ) -> float | None: ...


class Unpaced:
    """A Pacer that never waits (settings.pace=False: e.g. the embedded emulator, which has no
    limits). A 429 that still arrives is retried with backoff by the session as usual."""

    def reserve(self, route: str, *, consumption: bool, now: float) -> float:
        return 0.0

    def penalize(
        self, route: str, *, consumption: bool, now: float, retry_after: float | None
    ) -> float | None:
        return None


class RateLimiter:
    """Reserves send times for requests across all buckets they draw from; thread-safe."""

    def __init__(self, limits: RateLimits) -> None:
        self._limits = limits
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    @property
    def limits(self) -> RateLimits:
        return self._limits

    @contextmanager
    def _state(self) -> Iterator[None]:
        """Exclusive access to the buckets (a shared limiter also loads and stores them here)."""
        with self._lock:
            yield

    def reserve(self, route: str, *, consumption: bool, now: float) -> float:
        """Reserve a slot for one request on `route`; returns seconds to wait before sending."""
        with self._state():
            buckets = self._buckets_for(route, consumption)
            send_at = max(bucket.ready_at(now) for bucket in buckets)
            for bucket in buckets:
                bucket.take(send_at, now, self._limits)
            return send_at - now

    def penalize(
        self, route: str, *, consumption: bool, now: float, retry_after: float | None
    ) -> float | None:
        """Record a 429 on `route`; if it slowed down, returns the new speed factor of the
        route's budget (the consumption bucket for consumption routes, else the account's)."""
        with self._state():
            buckets = self._buckets_for(route, consumption)
            slowed = [bucket.penalize(now, retry_after, self._limits) for bucket in buckets]
            if not any(slowed):
                return None
            return buckets[0].current_factor(now, self._limits)

    def speed_factor(self, *, now: float, bucket: str = ACCOUNT_BUCKET) -> float:
        """The current fraction of the configured rate a bucket runs at (1.0 = full speed)."""
        with self._state():
            found = self._buckets.get(bucket)
            return 1.0 if found is None else found.current_factor(now, self._limits)

    def adopt_stricter(self, limits: RateLimits) -> None:
        """Another client shares this key: keep the stricter budget of the two."""
        with self._lock:
            self._limits = self._limits.stricter(limits)
            for name, bucket in self._buckets.items():
                bucket.per_second, bucket.capacity = self._limits.bucket_shape(name)

    def _buckets_for(self, route: str, consumption: bool) -> list[_Bucket]:
        names: Iterable[str] = (
            (CONSUMPTION_BUCKET,) if consumption else (ACCOUNT_BUCKET, f"route:{route}")
        )
        return [self._bucket(name) for name in names]

    def _bucket(self, name: str) -> _Bucket:
        bucket = self._buckets.get(name)
        if bucket is None:
            bucket = self._buckets[name] = _Bucket(*self._limits.bucket_shape(name))
        return bucket


class SharedRateLimiter(RateLimiter):
    """A RateLimiter whose buckets live in a file that every process on the machine shares.

    Each operation locks the file, loads the buckets, acts, and stores them back, so the
    processes draw from one set of buckets. Times are stored on the wall clock (this process's
    clock plus a fixed offset taken at start), so processes, and runs across a reboot, agree.
    """

    def __init__(self, limits: RateLimits, state: SharedStateFile, *, clock_offset: float):
        super().__init__(limits)
        self._file = state
        self._offset = clock_offset

    @property
    def path(self) -> str:
        return str(self._file.path)

    @contextmanager
    def _state(self) -> Iterator[None]:
        with self._lock, self._file.exclusive() as stored:
            self._restore(stored.get("buckets"))
            yield
            stored["buckets"] = self._snapshot()

    def _restore(self, stored: object) -> None:
        if not isinstance(stored, dict):
            return
        for name, values in stored.items():
            if isinstance(name, str) and isinstance(values, list) and len(values) == 4:
                tat, factor, factor_since, last_penalty = (_number(value) for value in values)
                bucket = self._bucket(name)
                bucket.tat = self._local(tat)
                bucket.factor = factor if 0 < factor <= 1 else 1.0
                bucket.factor_since = self._local(factor_since)
                bucket.last_penalty = self._local(last_penalty)

    def _snapshot(self) -> dict[str, list[float | None]]:
        return {
            name: [
                self._shared(bucket.tat),
                bucket.factor,
                self._shared(bucket.factor_since),
                self._shared(bucket.last_penalty),
            ]
            for name, bucket in self._buckets.items()
        }

    def _local(self, shared: float) -> float:
        return shared - self._offset

    def _shared(self, local: float) -> float | None:
        return None if math.isinf(local) else local + self._offset


def _number(value: object) -> float:
    """A stored time or factor; None (never) and anything unreadable read as -inf."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return -math.inf


def key_fingerprint(host: str, api_key: str) -> str:
    """A stable identifier for (host, key) that reveals nothing about the key."""
    return hashlib.sha256(f"tenantctl-neon-limiter\n{host}\n{api_key}".encode()).hexdigest()


class RateLimiterRegistry:
    """Hands out one RateLimiter per (host, API key, clock); keyed on a fingerprint, never the key.

    The clock is part of the key because a limiter's state is kept in its clock's time: every
    production client uses `time.monotonic` and so shares one limiter per key, while a client
    given its own (test) clock lives in its own time and gets a limiter of its own.
    """

    def __init__(self) -> None:
        self._limiters: dict[tuple[str, Clock, Path | None], RateLimiter] = {}
        self._lock = threading.Lock()

    def limiter_for(
        self,
        host: str,
        api_key: str,
        limits: RateLimits,
        *,
        clock: Clock = time.monotonic,
        shared_dir: Path | None = None,
    ) -> RateLimiter:
        """The limiter of (host, key, clock); with `shared_dir`, one whose buckets every process
        on the machine shares through a file there named by the key's fingerprint."""
        fingerprint = key_fingerprint(host, api_key)
        key = (fingerprint, clock, shared_dir)
        with self._lock:
            limiter = self._limiters.get(key)
            if limiter is None:
                limiter = self._limiters[key] = _new_limiter(limits, fingerprint, clock, shared_dir)
                return limiter
        limiter.adopt_stricter(limits)
        return limiter

    def fingerprints(self) -> frozenset[str]:
        with self._lock:
            return frozenset(fingerprint for fingerprint, _, _ in self._limiters)


def _new_limiter(
    limits: RateLimits, fingerprint: str, clock: Clock, shared_dir: Path | None
) -> RateLimiter:
    if shared_dir is None:
        return RateLimiter(limits)
    state = SharedStateFile(shared_dir, f"ratelimit-{fingerprint[:32]}.json")
    return SharedRateLimiter(limits, state, clock_offset=time.time() - clock())


SHARED_LIMITERS = RateLimiterRegistry()
"""The process-wide registry every NeonClient uses unless it is given another one."""
