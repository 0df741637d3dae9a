"""What a `tenantctl usage` run asks Neon for, checked against Neon's limits before any call.

Why this exists: Neon keeps hourly consumption for the last 168 hours, daily for 60 days and
monthly for a year, from March 1, 2024 on, and answers 406 beyond (NOTES §7). A range the user
gives (`--from/--to`, `--history`, `--period`) is checked here, against the local clock, so that
a range Neon would refuse is a clear error before any call. `from`/`to` must fall on the
granularity's boundaries (Neon would silently round them down, and a billing figure for a
range other than the one asked for is worse than an error). Pure functions; times are UTC.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from controller.usage.readings import Granularity, Source

DATA_STARTS = datetime(2024, 3, 1, tzinfo=UTC)
HOURS_KEPT = 168
DAYS_KEPT = 60
MONTHS_KEPT = 12
DEFAULT_HOURS = 24  # `--history hourly` without a range: the last day
KEPT = {
    "hourly": f"the last {HOURS_KEPT} hours",
    "daily": f"the last {DAYS_KEPT} days",
    "monthly": f"the last {MONTHS_KEPT} months",
}


class RangeError(ValueError):
    """A range Neon would refuse, or a date that cannot be read; the message says which."""


@dataclass(frozen=True)
class SeriesRange:
    """[since, until) at one granularity; `billing`: the billing metrics are summed over it
    (`--from/--to`) instead of each tenant's billing period so far."""

    granularity: Granularity
    since: datetime
    until: datetime
    billing: bool = False


@dataclass(frozen=True)
class UsageQuery:
    """`source`: forced with `--source` (None: detect); `series`: the range to read besides
    the current period, when one was asked for."""

    source: Source | None = None
    series: SeriesRange | None = None

    def key(self) -> str:
        """What tells this query's cached readings from another's ("" for the default)."""
        if self.source is None and self.series is None:
            return ""
        series = self.series
        spelled = None
        if series is not None:
            spelled = [series.granularity, _iso(series.since), _iso(series.until), series.billing]
        return json.dumps([self.source, spelled])


def parse_moment(text: str, flag: str) -> datetime:
    """`2025-06-01` (midnight UTC) or an ISO 8601 time (`2025-06-01T14:00Z`; UTC if no zone)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise RangeError(
            f"{flag} {text!r} is not a date such as 2025-06-01 or a time such as 2025-06-01T14:00Z"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_period(text: str) -> tuple[datetime, datetime]:
    """`2025-06` as [June 1, July 1) UTC."""
    try:
        start = datetime.strptime(text.strip(), "%Y-%m").replace(tzinfo=UTC)
    except ValueError:
        raise RangeError(f"--period {text!r} is not a month such as 2025-06") from None
    return start, add_months(start, 1)


def add_months(moment: datetime, months: int) -> datetime:
    """The first of the month `months` after the one holding `moment` (negative: before)."""
    index = moment.year * 12 + moment.month - 1 + months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def floor_to(moment: datetime, granularity: Granularity) -> datetime:
    """The start of the timeframe holding `moment`."""
    utc = moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    if granularity == "hourly":
        return utc
    day = utc.replace(hour=0)
    return day if granularity == "daily" else day.replace(day=1)


def step(moment: datetime, granularity: Granularity) -> datetime:
    """The start of the timeframe after the one starting at `moment`."""
    if granularity == "monthly":
        return add_months(moment, 1)
    return moment + (timedelta(hours=1) if granularity == "hourly" else timedelta(days=1))


def earliest(granularity: Granularity, now: datetime) -> datetime:
    """The earliest `from` Neon accepts at this granularity at `now` (as Neon computes it)."""
    if granularity == "hourly":
        return floor_to(now, "hourly") - timedelta(hours=HOURS_KEPT)
    if granularity == "daily":
        return floor_to(now, "daily") - timedelta(days=DAYS_KEPT)
    return add_months(now, -MONTHS_KEPT)


def check_range(
    granularity: Granularity, since: datetime, until: datetime, now: datetime
) -> SeriesRange:
    """The range, or RangeError saying which of Neon's rules it breaks."""
    if since >= until:
        raise RangeError(f"the range ends ({_iso(until)}) before it starts ({_iso(since)})")
    for end, moment in (("start", since), ("end", until)):
        if floor_to(moment, granularity) != moment:
            raise RangeError(
                f"{granularity} data: the {end} {_iso(moment)} is not {_WHOLE[granularity]}"
            )
    if since < DATA_STARTS:
        raise RangeError(
            f"the start {_iso(since)} is before 2024-03-01, where Neon's consumption data starts"
        )
    first = earliest(granularity, now)
    if since < first:
        raise RangeError(
            f"the start {_iso(since)} is too old: Neon keeps {granularity} data for "
            f"{KEPT[granularity]} (from {_iso(first)} on, by the local clock)"
        )
    last = step(floor_to(now, granularity), granularity)
    if until > last:
        raise RangeError(f"the end {_iso(until)} is in the future (no later than {_iso(last)})")
    return SeriesRange(granularity, since, until)


_WHOLE = {
    "hourly": "on the hour",
    "daily": "at midnight UTC",
    "monthly": "the 1st of a month at midnight UTC",
}


def fitting_range(since: datetime, until: datetime, now: datetime) -> SeriesRange:
    """The range at the first granularity Neon serves it at: daily, monthly, then hourly."""
    problems = []
    for granularity in ("daily", "monthly", "hourly"):
        try:
            return check_range(granularity, since, until, now)
        except RangeError as error:
            problems.append(str(error))
    raise RangeError(
        f"Neon serves this range at no granularity (hourly data covers {KEPT['hourly']}, "
        f"daily {KEPT['daily']}, monthly {KEPT['monthly']}): " + "; ".join(problems)
    )


def default_range(granularity: Granularity, now: datetime) -> SeriesRange:
    """`--history hourly`: the last 24 hours; `--history monthly`: the last 12 months (this
    one included). Daily history without a range is the billing period (no range here)."""
    last = step(floor_to(now, granularity), granularity)
    if granularity == "hourly":
        return SeriesRange("hourly", last - timedelta(hours=DEFAULT_HOURS), last)
    return SeriesRange("monthly", add_months(last, -MONTHS_KEPT), last)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
