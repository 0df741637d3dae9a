"""A consumption history as rows: one per timeframe, for a tenant or summed over the fleet.

Why this exists: `--history hourly|daily|monthly` shows the same thing in four formats (chart,
Markdown, JSON, CSV), for one tenant or for the fleet. The rows are built once here: every
timeframe of the range (Neon leaves out timeframes without consumption, so they are filled in),
each with the limited metrics (by usage name) and the billing metrics (by Neon's v2 name). A
value the source does not measure is None, never a made-up zero; a cumulative value Neon left
out is zero; a storage size it left out is unknown. The fleet's row of a timeframe sums the
tenants' known values. Without a range (`--history daily`), a tenant's rows are the days of its
billing period measured so far, as `tenantctl usage` assessed them. Pure functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from controller.usage.assess import TenantUsage
from controller.usage.billing import BILLING_NAMES
from controller.usage.history import period_days, series
from controller.usage.metrics import METRIC_NAMES, METRICS
from controller.usage.query import step
from controller.usage.readings import Frame, Granularity, History, Series, Source, utc_day

COLUMNS: tuple[str, ...] = (*METRIC_NAMES, *BILLING_NAMES)
Row = dict[str, Any]  # "start", "end" (datetimes), then a value (int or None) per column


@dataclass(frozen=True)
class HistoryRows:
    """The rows of one history; `since`/`until` the range shown (None when nothing was read)."""

    granularity: Granularity
    source: Source | None
    since: datetime | None
    until: datetime | None
    rows: tuple[Row, ...]


def tenant_history(tenant: TenantUsage) -> HistoryRows:
    """The tenant's range asked for, or the days of its billing period measured so far."""
    if tenant.series is not None:
        return _of_series(tenant.series, tenant.observed_at)
    rows = tuple(_period_rows(tenant))
    since = rows[0]["start"] if rows else None
    until = rows[-1]["end"] if rows else None
    return HistoryRows("daily", tenant.source, since, until, rows)


def fleet_history(tenants: Iterable[TenantUsage], granularity: Granularity) -> HistoryRows:
    """Every tenant's rows summed by timeframe (a value known for no tenant stays None)."""
    histories = [tenant_history(t) for t in tenants if t.metrics]
    by_start: dict[datetime, Row] = {}
    for history in histories:
        for row in history.rows:
            into = by_start.setdefault(
                row["start"], {"start": row["start"], "end": row["end"], **dict.fromkeys(COLUMNS)}
            )
            for name in COLUMNS:
                if row[name] is not None:
                    into[name] = (into[name] or 0) + row[name]
    rows = tuple(by_start[start] for start in sorted(by_start))
    sources = {h.source for h in histories if h.source is not None}
    source = sources.pop() if len(sources) == 1 else None
    since = rows[0]["start"] if rows else None
    until = rows[-1]["end"] if rows else None
    return HistoryRows(granularity, source, since, until, rows)


def _of_series(found: Series, now: datetime | None) -> HistoryRows:
    frames = {frame.start: frame for frame in found.frames}
    rows = []
    start = found.since
    while start < found.until and (now is None or start < now):
        end = step(start, found.granularity)
        rows.append(_row(start, end, frames.get(start), found.source))
        start = end
    return HistoryRows(found.granularity, found.source, found.since, found.until, tuple(rows))


def _row(start: datetime, end: datetime, frame: Frame | None, source: Source) -> Row:
    values = frame.values if frame is not None else {}
    row: Row = {"start": start, "end": end}
    for metric in METRICS:
        if source == "counters" or metric.field_in(source) is None:
            row[metric.name] = None
        else:
            row[metric.name] = values.get(metric.name, 0 if metric.cumulative else None)
    for name in BILLING_NAMES:
        row[name] = values.get(name, 0) if source == "v2" else None
    return row


def _period_rows(tenant: TenantUsage) -> list[Row]:
    """One row per day measured (from the period's start, or the project's creation day, to
    the day of the reading)."""
    if tenant.period is None or tenant.history is None or tenant.observed_at is None:
        return []
    since = tenant.measured_since or tenant.period.start
    # The day of the last instant measured: a reading at midnight measured nothing of its day.
    last = max(since, min(tenant.observed_at, tenant.period.end) - timedelta(microseconds=1))
    days = [d for d in period_days(tenant.period, utc_day(last)) if d >= utc_day(since)]
    history = tenant.history
    columns = {m.name: series(history, m, days) for m in METRICS}
    rows = []
    for index, day in enumerate(days):
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        row: Row = {"start": start, "end": start + timedelta(days=1)}
        row.update({name: values[index] for name, values in columns.items()})
        row.update(_billing_of_day(history, day))
        rows.append(row)
    return rows


def _billing_of_day(history: History, day: date) -> dict[str, int | None]:
    if not history.available or history.source != "v2":
        return dict.fromkeys(BILLING_NAMES)
    values = next((entry.values for entry in history.days if entry.day == day), {})
    return {name: values.get(name, 0) for name in BILLING_NAMES}


def shown_columns(history: HistoryRows) -> tuple[str, ...]:
    """The columns with any known value (what the source measures)."""
    return tuple(name for name in COLUMNS if any(r[name] is not None for r in history.rows))
