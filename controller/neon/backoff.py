"""Delay arithmetic for retries and operation polling: exponential backoff, jitter, Retry-After.

Pure functions of their inputs (the random draw is passed in), so the schedules are tested
exactly and never by waiting.
"""

from __future__ import annotations

import email.utils
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class Backoff:
    """An exponential schedule: `initial * multiplier**n`, capped at `maximum`, then jittered."""

    initial: float
    multiplier: float
    maximum: float
    jitter: float

    def base(self, retry_number: int) -> float:
        """The un-jittered delay before retry number `retry_number` (0 for the first retry)."""
        if retry_number <= 0:
            return min(self.initial, self.maximum)
        exponent = min(retry_number, 64)  # beyond this the cap always wins; avoid overflow
        return min(self.initial * self.multiplier**exponent, self.maximum)

    def delay(self, retry_number: int, draw: Callable[[], float]) -> float:
        """A jittered delay in [base * (1 - jitter), base]; `draw` returns a float in [0, 1)."""
        base = self.base(retry_number)
        return base * (1.0 - self.jitter * draw())


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait per a Retry-After header (delta-seconds or HTTP-date); None if unusable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        return _seconds_until_http_date(text, now)
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(0.0, seconds)


def _seconds_until_http_date(text: str, now: datetime | None) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())
