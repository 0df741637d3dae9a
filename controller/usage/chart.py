"""`tenantctl usage --tenant ID --history daily`: each metric per day, as a terminal chart.

Why this exists: a percentage says where a tenant stands; the days say how it got there (a
steady climb, or one heavy import) and so whether the projection is to be believed. Each metric
gets one sparkline, a character per UTC day of the period, scaled to its busiest day:

    ▁ nothing that day   ▂ … █ a share of the busiest day   · no data from Neon

Cumulative metrics show what was used each day; storage shows the size at each day's end.
Markdown gets the same days as a table; JSON and CSV come from `documents.py`.
"""

from __future__ import annotations

import math
from datetime import date

from controller.usage.assess import MetricUsage, TenantUsage
from controller.usage.documents import history_days
from controller.usage.quantities import (
    in_unit,
    spell_limit,
    spell_moment,
    spell_percent,
    spell_used,
    unit_for,
)
from controller.usage.table import period_cell, status_cell

BARS = "▁▂▃▄▅▆▇█"
NO_DATA = "·"
_LABEL_WIDTH = 14


def sparkline(values: list[int | None]) -> str:
    """A character per value: `▁` for zero, `▂`..`█` in proportion to the largest, `·` for None."""
    peak = max((v for v in values if v is not None), default=0)
    return "".join(_bar(value, peak) for value in values)


def _bar(value: int | None, peak: int) -> str:
    if value is None:
        return NO_DATA
    if value <= 0 or peak <= 0:
        return BARS[0]
    return BARS[max(1, math.ceil(value * (len(BARS) - 1) / peak))]


def _axis(days: list[date], width: int) -> str:
    if not days:
        return ""
    first, last = f"{days[0]:%m-%d}", f"{days[-1]:%m-%d}"
    if width < len(first) + len(last) + 1:
        return first
    return first + " " * (width - len(first) - len(last)) + last


def _summary(usage: MetricUsage, values: list[int | None]) -> str:
    metric = usage.metric
    amount = spell_used(metric, usage.used, usage.limit)
    share = f" ({spell_percent(usage.percent)})" if usage.percent is not None else ""
    what = "total" if metric.cumulative else "now"
    of = f" of {spell_limit(metric, usage.limit)}" if usage.limit is not None else ""
    text = f"{what} {amount}{of}{share}, {status_cell(usage)}"
    known = [v for v in values if v is not None]
    if metric.cumulative and known and max(known) > 0:
        unit = unit_for(metric, usage.limit, max(known))
        text += f"; busiest day {in_unit(metric, max(known), unit)}"
    return text


def title(tenant: TenantUsage, *, cached: bool) -> str:
    """`acme (pro): daily usage, period Jun 1–Jul 1, UTC days; as of ... (Neon's clock)`."""
    period = f", period {period_cell(tenant.period)}" if tenant.period else ""
    text = f"{tenant.tenant_id} ({tenant.plan}): daily usage{period}, UTC days"
    if tenant.observed_at is not None:
        clock = "Neon's clock" if tenant.clock == "server" else "local clock"
        source = ", from the local cache" if cached else ""
        text += f"; as of {spell_moment(tenant.observed_at)} ({clock}{source})"
    return text


def render_chart(tenant: TenantUsage, *, cached: bool) -> str:
    """The terminal chart of one tenant's period, day by day; `cached`: read from the cache."""
    lines = [title(tenant, cached=cached)]
    if not tenant.metrics:
        return "\n".join([*lines, f"  {tenant.status.value}: {'; '.join(tenant.notes)}"]) + "\n"
    days = history_days(tenant)
    dates = [date.fromisoformat(str(day["day"])) for day in days]
    available = tenant.history is not None and tenant.history.available
    if available and dates:
        lines.append(" " * (_LABEL_WIDTH + 2) + _axis(dates, len(dates)))
    for usage in tenant.metrics:
        values: list[int | None] = [day[usage.metric.name] for day in days]
        summary = _summary(usage, values)
        if available and usage.metric.history_field is None:
            summary += "; Neon's history has no daily data for it"
        chart = sparkline(values) if available else "(no daily history)"
        lines.append(f"  {usage.metric.label:<{_LABEL_WIDTH}}{chart}  {summary}")
    if tenant.history is not None and tenant.history.note:
        lines.append(f"Note: {tenant.history.note}")
    lines += [f"Note: {note}" for note in tenant.notes]
    return "\n".join(lines) + "\n"


def render_chart_markdown(tenant: TenantUsage, *, cached: bool) -> str:
    """The days as a Markdown table, amounts in each metric's limit unit."""
    days = history_days(tenant)
    header = ["Day", *(usage.metric.label for usage in tenant.metrics)]
    lines = [f"**{title(tenant, cached=cached)}**", ""]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    units = {
        usage.metric.name: unit_for(
            usage.metric,
            usage.limit,
            max([usage.used, *(v for d in days if (v := d[usage.metric.name]) is not None)]),
        )
        for usage in tenant.metrics
    }
    for day in days:
        cells = [str(day["day"])]
        for usage in tenant.metrics:
            value = day[usage.metric.name]
            unit = units[usage.metric.name]
            cells.append("-" if value is None else in_unit(usage.metric, value, unit))
        lines.append("| " + " | ".join(cells) + " |")
    if tenant.history is not None and tenant.history.note:
        lines += ["", f"_{tenant.history.note}_"]
    return "\n".join(lines) + "\n"
