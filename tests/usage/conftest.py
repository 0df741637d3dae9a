"""Fixtures of the usage tests: the anyio backend for async tests, and a movable local clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.support.clocks import WallClock

LocalClock = WallClock  # the local (laptop) clock the cache ages by


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def local_clock() -> LocalClock:
    return LocalClock(datetime(2025, 6, 16, 9, 30, tzinfo=UTC))
