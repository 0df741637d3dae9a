"""Daily consumption history: from Neon's answer to per-day values, and what the days tell.

Why this exists: the project counters say how much was used this period, but not when. Neon's
daily history (`GET /consumption_history/projects`) gives three things the counters cannot: the
storage size the period started with (so storage growth can be projected), the day a limit was
crossed, and the per-day series of the `--history daily` chart. Everything here is pure.

Neon's history days are UTC days. Neon may leave out days without consumption, so a missing day
of a cumulative metric counts as zero; a missing storage day is unknown (no value is invented).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from controller.neon.models import ProjectConsumptionHistory
from controller.usage.metrics import METRICS, Metric
from controller.usage.projection import BillingPeriod
from controller.usage.readings import DailyUsage, History, utc_day

_DAY = timedelta(days=1)


def daily_usage(history: ProjectConsumptionHistory) -> tuple[DailyUsage, ...]:
    """Neon's timeframes (of every billing period in the answer) as days, in date order."""
    days: dict[date, dict[str, int]] = {}
    for period in history.periods:
        for frame in period.consumption:
            values = days.setdefault(utc_day(frame.timeframe_start), {})
            for metric in METRICS:
                if metric.history_field is None:
                    continue
                amount = getattr(frame, metric.history_field)
                if amount is not None:
                    values[metric.name] = amount
    return tuple(DailyUsage(day=day, values=days[day]) for day in sorted(days))


def period_days(period: BillingPeriod, last_day: date) -> list[date]:
    """Every UTC day of the period from its first day to `last_day` (both included)."""
    first = utc_day(period.start)
    end = min(last_day, utc_day(period.end - timedelta(microseconds=1)))
    return [first + _DAY * offset for offset in range((end - first).days + 1)]


def series(history: History, metric: Metric, days: Iterable[date]) -> list[int | None]:
    """The metric's value on each day: zero for a cumulative day Neon left out, else None."""
    if not history.available or metric.history_field is None:
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
    if not history.available:
        return None
    day_before = utc_day(period.start) - _DAY
    for entry in history.days:
        if entry.day == day_before:
            return entry.values.get("storage")
    return None


def reached_on(history: History, metric: Metric, limit: int, period: BillingPeriod) -> date | None:
    """The first day of the period on which the metric reached `limit`, per the history."""
    if not history.available or metric.history_field is None:
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
