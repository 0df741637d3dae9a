"""Time as Neon shows it: RFC 3339 strings, billing periods and consumption timeframes.

Why this exists: the emulator keeps every instant as float seconds since the epoch (cheap to
compare and to store) and converts only at the edges. Neon prints second-precision UTC times
(`2025-01-16T21:02:00Z`), microseconds in operation cursors, the zero time
`0001-01-01T00:00:00Z` where a period is not computed, and bills per calendar month (UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

Granularity = Literal["hourly", "daily", "monthly"]

ZERO_TIME = "0001-01-01T00:00:00Z"
HOUR = 3600.0
DAY = 86400.0
# The instants the emulator accepts from clients and its clock may reach: calendar arithmetic on
# them (the next month, a year back) stays within what `datetime` represents (years 1 to 9999).
EARLIEST_INSTANT = datetime(2, 1, 1, tzinfo=UTC).timestamp()
LATEST_INSTANT = datetime(9000, 1, 1, tzinfo=UTC).timestamp()


def micros(instant: float) -> int:
    """Whole microseconds since the epoch: the precision Neon's operation cursors carry."""
    return round(instant * 1_000_000)


def to_datetime(instant: float) -> datetime:
    return datetime.fromtimestamp(instant, UTC)


def iso(instant: float) -> str:
    """Second precision, as Neon prints resource timestamps."""
    return to_datetime(instant).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_micro(instant: float) -> str:
    """Microsecond precision, as Neon prints the operations list cursor."""
    return to_datetime(instant).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_rfc3339(text: str) -> float:
    """Seconds since the epoch; raises ValueError for anything but an RFC 3339 date-time within
    `EARLIEST_INSTANT`..`LATEST_INSTANT`."""
    shown = repr(text[:40])
    try:
        parsed = datetime.fromisoformat(text.replace("z", "Z")) if "T" in text.upper() else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValueError(f"{shown} is not an RFC 3339 date-time")
    if parsed.tzinfo is None:
        raise ValueError(f"{shown} has no time zone (RFC 3339 needs one)")
    instant = parsed.timestamp()
    if not EARLIEST_INSTANT <= instant <= LATEST_INSTANT:
        raise ValueError(f"{shown} is out of range (years 2 to 9000)")
    return instant


def month_start(instant: float) -> float:
    moment = to_datetime(instant)
    return datetime(moment.year, moment.month, 1, tzinfo=UTC).timestamp()


def next_month_start(instant: float) -> float:
    moment = to_datetime(instant)
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return datetime(year, month, 1, tzinfo=UTC).timestamp()


def months_before(instant: float, months: int) -> float:
    """The start of the calendar month `months` before the one holding `instant`."""
    moment = to_datetime(month_start(instant))
    index = moment.year * 12 + moment.month - 1 - months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC).timestamp()


def floor_to(instant: float, granularity: Granularity) -> float:
    """The start of the timeframe holding `instant` (Neon rounds `from`/`to` down like this)."""
    moment = to_datetime(instant)
    if granularity == "hourly":
        moment = moment.replace(minute=0, second=0, microsecond=0)
    elif granularity == "daily":
        moment = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        moment = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return moment.timestamp()


def next_timeframe(start: float, granularity: Granularity) -> float:
    if granularity == "monthly":
        return next_month_start(start)
    step = timedelta(hours=1) if granularity == "hourly" else timedelta(days=1)
    return (to_datetime(start) + step).timestamp()
