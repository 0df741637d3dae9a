"""Daily consumption history: from Neon's answer to per-day values, and what the days tell.

Why this exists: the project counters say how much was used this period, but not when. Neon's
daily history (legacy or v2, see `frames.py`) gives four things the counters cannot: the
storage size the period started with (so storage growth can be projected), the day a limit was
crossed, the rate of the days before the period (a projection early in a period), and the
per-day series of the `--history daily` chart. Everything here is pure.

Neon's history days are UTC days. Neon may leave out days without consumption, so a missing day
of a cumulative metric counts as zero; a missing storage day is unknown (no value is invented).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from controller.usage.metrics import BY_NAME, Metric
from controller.usage.projection import TRAILING_DAYS, BillingPeriod, Trailing
from controller.usage.readings import History, utc_day

_DAY = timedelta(days=1)


def measured(history: History, metric: Metric) -> bool:
    """Whether the history has a daily series of this metric (its source measures it)."""
    return history.available and metric.field_in(history.source) is not None


def period_days(period: BillingPeriod, last_day: date) -> list[date]:
    """Every UTC day of the period from its first day to `last_day` (both included)."""
    first = utc_day(period.start)
    end = min(last_day, utc_day(period.end - timedelta(microseconds=1)))
    return [first + _DAY * offset for offset in range((end - first).days + 1)]


def series(history: History, metric: Metric, days: Iterable[date]) -> list[int | None]:
    """The metric's value on each day: zero for a cumulative day Neon left out, else None."""
    if not measured(history, metric):
        return [None for _ in days]
    by_day = {entry.day: entry.values.get(metric.name) for entry in history.days}
    missing = 0 if metric.cumulative else None
    return [_or(by_day.get(day), missing) for day in days]


def _or(value: int | None, default: int | None) -> int | None:
    return default if value is None else value


def storage_baseline(
    history: History, period: BillingPeriod, created_in_period: bool
) -> int | None:
    """The storage size the measuring window began with, or None when history cannot say.

    That is the size at the end of the day before the period, or zero for a project created
    during the period (it began empty).
    """
    if created_in_period:
        return 0
    if not measured(history, BY_NAME["storage"]):
        return None
    day_before = utc_day(period.start) - _DAY
    for entry in history.days:
        if entry.day == day_before:
            return entry.values.get("storage")
    return None


def reached_on(history: History, metric: Metric, limit: int, period: BillingPeriod) -> date | None:
    """The first day of the period on which the metric reached `limit`, per the history."""
    if not measured(history, metric):
        return None
    first = utc_day(period.start)
    total = 0
    for entry in history.days:
        if entry.day < first or metric.name not in entry.values:
            continue
        amount = entry.values[metric.name]
        total = total + amount if metric.cumulative else amount
        if total >= limit:
            return entry.day
    return None


def trailing(
    history: History, metric: Metric, since: datetime, created_at: datetime | None
) -> Trailing | None:
    """The metric's growth over the whole days before `since` (the window's start) that the
    project lived through and the history covers, at most `TRAILING_DAYS`; None without any.

    A cumulative metric sums those days. Storage grows from the size at the end of the day
    before the first of them to the size at the end of the last; the longest such span whose
    sizes are both known is used."""
    if not measured(history, metric) or history.since is None:
        return None
    first = utc_day(since)
    covered = min(first - history.since, timedelta(days=TRAILING_DAYS))
    if created_at is not None:
        covered = min(covered, first - (utc_day(created_at) + _DAY))
    values = {entry.day: entry.values.get(metric.name) for entry in history.days}
    if metric.cumulative:
        if covered.days <= 0:
            return None
        days = range(1, covered.days + 1)
        return Trailing(growth=sum(values.get(first - _DAY * n) or 0 for n in days), days=days[-1])
    end = values.get(first - _DAY)
    for span in range(min(covered.days, (first - history.since).days - 1), 0, -1):
        start = values.get(first - _DAY * (span + 1))
        if end is not None and start is not None:
            return Trailing(growth=end - start, days=span)
    return None
