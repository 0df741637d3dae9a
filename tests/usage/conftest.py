"""Fixtures of the usage tests: the anyio backend for async tests, and a movable local clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest


class LocalClock:
    """The local (laptop) clock the cache ages by; only moves when a test says so."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def local_clock() -> LocalClock:
    return LocalClock(datetime(2025, 6, 16, 9, 30, tzinfo=UTC))
