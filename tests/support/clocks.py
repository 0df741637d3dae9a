"""The fake clocks tests inject, in one place: code under test never reads the real clock, so
tests never wait and time moves only when a test says so.

- `FakeClock`: a monotonic clock (seconds) whose `sleep` returns at once, recording each delay.
- `WallClock`: a timezone-aware wall clock (`datetime`) that moves with `advance`.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta


class FakeClock:
    """A monotonic clock that sleeps instantly; `sleeps` lists every delay asked for."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


class WallClock:
    """A wall clock (timezone-aware) that only moves when a test says so."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
