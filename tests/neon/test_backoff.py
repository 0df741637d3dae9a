"""Backoff schedules and Retry-After parsing, exactly, without waiting."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from controller.neon.backoff import Backoff, parse_retry_after

BACKOFF = Backoff(initial=0.5, multiplier=2.0, maximum=20.0, jitter=0.5)


def test_the_schedule_doubles_up_to_the_cap() -> None:
    assert [BACKOFF.base(n) for n in range(8)] == [0.5, 1, 2, 4, 8, 16, 20, 20]
    assert BACKOFF.base(10_000) == 20.0


@given(retry=st.integers(min_value=0, max_value=200), draw=st.floats(min_value=0, max_value=0.999))
def test_jitter_stays_within_its_band(retry: int, draw: float) -> None:
    base = BACKOFF.base(retry)
    assert base * 0.5 <= BACKOFF.delay(retry, lambda: draw) <= base


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        (" 1.5 ", 1.5),
        ("-3", 0.0),
        ("Wed, 25 Nov 2026 12:00:30 GMT", 30.0),
        ("Wed, 25 Nov 2026 11:00:00 GMT", 0.0),
        (None, None),
        ("", None),
        ("soon", None),
        ("nan", None),
        ("inf", None),
    ],
)
def test_retry_after_is_seconds_or_an_http_date(header: str | None, seconds: float | None) -> None:
    now = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after(header, now=now) == seconds
