"""Neon's consumption answers as timeframes in usage's own names, and what ranges of them sum to.

Why this exists: the two consumption APIs answer in different shapes (legacy: a field per
metric; v2: a list of `{metric_name, value}`) and names. Everything after reading works on one
shape, `Frame` (start, end, values keyed by usage metric name, `compute_time`, and by billing
metric name, `compute_unit_seconds`), so the days of the period, a `--history` series and the
billing totals are computed the same way whichever API answered. Pure functions.

Neon leaves out timeframes (and v2 metrics) without consumption, so a cumulative value that is
missing counts as zero; a missing storage size stays unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from controller.neon.models import ProjectConsumptionHistory, ProjectConsumptionV2
from controller.usage.billing import BILLING_NAMES
from controller.usage.metrics import METRICS
from controller.usage.readings import DailyUsage, Frame, utc_day


def legacy_frames(answer: ProjectConsumptionHistory) -> tuple[Frame, ...]:
    """The timeframes of every billing period of a legacy answer, oldest first."""
    frames: dict[datetime, Frame] = {}
    for period in answer.periods:
        for step in period.consumption:
            values = {
                metric.name: amount
                for metric in METRICS
                if metric.history_field is not None
                and (amount := getattr(step, metric.history_field)) is not None
            }
            frames[step.timeframe_start] = Frame(
                start=step.timeframe_start, end=step.timeframe_end, values=values
            )
    return tuple(frames[start] for start in sorted(frames))


def v2_frames(answer: ProjectConsumptionV2) -> tuple[Frame, ...]:
    """The timeframes of every billing period of a v2 answer, oldest first, with the billing
    metrics under Neon's names and the limited metrics v2 measures under usage's."""
    frames: dict[datetime, Frame] = {}
    for period in answer.periods:
        for step in period.consumption:
            given = step.as_dict()
            values = {name: given[name] for name in BILLING_NAMES if name in given}
            for metric in METRICS:
                if metric.v2_field is not None and metric.v2_field in given:
                    values[metric.name] = given[metric.v2_field]
            frames[step.timeframe_start] = Frame(
                start=step.timeframe_start, end=step.timeframe_end, values=values
            )
    return tuple(frames[start] for start in sorted(frames))


def days_of(frames: Iterable[Frame]) -> tuple[DailyUsage, ...]:
    """Daily frames as days, in date order."""
    days: dict[date, Mapping[str, int]] = {utc_day(frame.start): frame.values for frame in frames}
    return tuple(DailyUsage(day=day, values=days[day]) for day in sorted(days))


def within(frames: Iterable[Frame], since: datetime, until: datetime) -> list[Frame]:
    """The timeframes that start in [since, until)."""
    return [frame for frame in frames if since <= frame.start < until]


def totals(frames: Iterable[Frame], names: Iterable[str]) -> dict[str, int]:
    """Each named metric's sum over the timeframes (missing counts as zero)."""
    rows = [frame.values for frame in frames]
    return {name: sum(values.get(name, 0) for values in rows) for name in names}
