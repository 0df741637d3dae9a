"""`tenantctl usage --history hourly|daily|monthly`: each metric per timeframe, as a terminal chart.

Why this exists: a percentage says where a tenant stands; the timeframes say how it got there (a
steady climb, or one heavy import) and so whether the projection is to be believed. Each metric
gets one sparkline, a character per timeframe, scaled to its busiest timeframe:

    ▁ nothing then   ▂ … █ a share of the busiest timeframe   · no data from Neon

Cumulative metrics show what was used in each timeframe; storage shows the size at its end. The
limited metrics come first (against the tenant's limits when the chart is its billing period),
then, from v2 consumption history, the billing metrics. For the fleet, each timeframe is the sum
over its tenants. Markdown gets the same rows as a table; JSON and CSV come from `documents.py`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from controller.untrusted import markdown, terminal
from controller.usage.assess import MetricUsage, TenantUsage
from controller.usage.billing import BILLING_METRICS, BillingMetric
from controller.usage.metrics import METRICS, Metric
from controller.usage.quantities import (
    spell_amount,
    spell_limit,
    spell_moment,
    spell_percent,
    spell_used,
    unit_for,
)
from controller.usage.readings import Granularity
from controller.usage.report import UsageReport
from controller.usage.series import HistoryRows, fleet_history, tenant_history
from controller.usage.table import agreed_units, note_lines, period_cell, status_cell

BARS = "▁▂▃▄▅▆▇█"
NO_DATA = "·"
_LABEL_WIDTH = 17
_AXIS = {"hourly": "%m-%d %Hh", "daily": "%m-%d", "monthly": "%Y-%m"}
_STEP = {"hourly": "hour", "daily": "day", "monthly": "month"}
_START = {"hourly": "%Y-%m-%d %H:%M", "daily": "%Y-%m-%d", "monthly": "%Y-%m"}


def sparkline(values: Sequence[int | None]) -> str:
    """A character per value: `▁` for zero, `▂`..`█` in proportion to the largest, `·` for None."""
    peak = max((v for v in values if v is not None), default=0)
    return "".join(_bar(value, peak) for value in values)


def _bar(value: int | None, peak: int) -> str:
    if value is None:
        return NO_DATA
    if value <= 0 or peak <= 0:
        return BARS[0]
    return BARS[max(1, math.ceil(value * (len(BARS) - 1) / peak))]


def _axis(history: HistoryRows) -> str:
    starts: list[datetime] = [row["start"] for row in history.rows]
    if not starts:
        return ""
    spelled = _AXIS[history.granularity]
    first, last = f"{starts[0]:{spelled}}", f"{starts[-1]:{spelled}}"
    width = len(starts)
    if width < len(first) + len(last) + 1:
        return first
    return first + " " * (width - len(first) - len(last)) + last


def _values(history: HistoryRows, name: str) -> list[int | None]:
    return [row[name] for row in history.rows]


def _limited_summary(
    metric: Metric,
    values: list[int | None],
    usage: MetricUsage | None,
    granularity: str,
    written: str | None,
) -> str:
    known = [v for v in values if v is not None]
    if usage is not None:  # the tenant's billing period, against its limit
        amount = spell_used(metric, usage.used, usage.limit, usage.unit)
        share = f" ({spell_percent(usage.percent)})" if usage.percent is not None else ""
        of = f" of {spell_limit(metric, usage.limit, usage.unit)}" if usage.limit else ""
        text = (
            f"{'total' if metric.cumulative else 'now'} {amount}{of}{share}, {status_cell(usage)}"
        )
        unit: str | None = unit_for(metric, usage.unit, [usage.used, usage.limit, *known])
    elif not known:
        return "no data"
    else:
        unit = written
        last = sum(known) if metric.cumulative else known[-1]
        text = f"{'total' if metric.cumulative else 'last'} {_spell(metric, last, unit)}"
    if metric.cumulative and known and max(known) > 0:
        text += f"; busiest {_STEP[granularity]} {_spell(metric, max(known), unit)}"
    return text


def _spell(metric: Metric, amount: int, unit: str | None) -> str:
    """In `unit`, else in the unit that suits this amount alone."""
    return spell_amount(metric, amount, unit or unit_for(metric, None, [amount]))


def _billing_summary(metric: BillingMetric, values: list[int | None], granularity: str) -> str:
    known = [v for v in values if v is not None]
    text = f"total {metric.spell(sum(known))}"
    if known and max(known) > 0:
        text += f"; busiest {_STEP[granularity]} {metric.spell(max(known))}"
    return text


def title(scope: str, history: HistoryRows, tenant: TenantUsage | None, when: str) -> str:
    """`acme (pro): daily usage, period Jun 1–Jul 1, UTC days; consumption history: v2; as of
    ... (Neon's clock)`."""
    if tenant is not None and tenant.series is None and tenant.period is not None:
        span = f", period {period_cell(tenant.period)}, UTC days"
    elif history.since is not None and history.until is not None:
        span = f", {spell_moment(history.since)} to {spell_moment(history.until)}"
    else:
        span = ""
    source = f"; consumption history: {history.source}" if history.source else ""
    return f"{scope}: {history.granularity} usage{span}{source}{when}"


def when_read(moment: datetime | None, clock: str | None, *, cached: bool) -> str:
    """`; as of 2025-06-18 00:00 UTC (Neon's clock, from the local cache)`."""
    if moment is None:
        return ""
    source = "Neon's clock" if clock == "server" else "local clock"
    return f"; as of {spell_moment(moment)} ({source}{', from the local cache' if cached else ''})"


def render_chart(
    scope: str,
    history: HistoryRows,
    tenant: TenantUsage | None,
    when: str,
    notes: list[str],
    units: Mapping[str, str | None],
) -> str:
    """The terminal chart of a tenant (`tenant`: its assessment) or the fleet (None); `units`:
    the unit each limited metric's limits are written in, where they agree."""
    lines = [terminal(title(scope, history, tenant, when))]
    if tenant is not None and not tenant.metrics:
        return (
            "\n".join([*lines, terminal(f"  {tenant.status.value}: {'; '.join(tenant.notes)}")])
            + "\n"
        )
    unread = history.source == "counters" or not history.rows
    if not unread:
        lines.append(" " * (_LABEL_WIDTH + 2) + _axis(history))
    by_metric = {u.metric.name: u for u in tenant.metrics} if tenant is not None else {}
    own_period = tenant is not None and tenant.series is None
    for metric in METRICS:
        values = _values(history, metric.name)
        usage = by_metric.get(metric.name) if own_period else None
        summary = _limited_summary(
            metric, values, usage, history.granularity, units.get(metric.name)
        )
        chart = f"(no {history.granularity} history)" if unread else sparkline(values)
        if not unread and all(v is None for v in values):
            summary = f"{summary}; " if usage is not None else ""
            summary += f"Neon's {history.source} history does not measure it"
        lines.append(f"  {metric.label:<{_LABEL_WIDTH}}{chart}  {summary}")
    if history.source == "v2":
        for billed in BILLING_METRICS:
            values = _values(history, billed.name)
            summary = _billing_summary(billed, values, history.granularity)
            lines.append(f"  {billed.label:<{_LABEL_WIDTH}}{sparkline(values)}  {summary}")
    lines += [terminal(f"Note: {note}") for note in notes]
    return "\n".join(lines) + "\n"


def render_chart_markdown(
    scope: str,
    history: HistoryRows,
    tenant: TenantUsage | None,
    when: str,
    notes: list[str],
    units: Mapping[str, str | None],
) -> str:
    """The timeframes as a Markdown table, each column in one unit (see `render_chart`)."""
    shown = [m for m in METRICS if any(r[m.name] is not None for r in history.rows)]
    billed = [m for m in BILLING_METRICS if any(r[m.name] is not None for r in history.rows)]
    header = ["Start", *(m.label for m in shown), *(m.label for m in billed)]
    lines = [f"**{markdown(title(scope, history, tenant, when))}**", ""]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    limits = {u.metric.name: u.limit for u in tenant.metrics} if tenant is not None else {}
    columns = {
        m.name: unit_for(m, units.get(m.name), [*_values(history, m.name), limits.get(m.name)])
        for m in shown
    }
    billing_units = {m.name: m.shared_unit(_values(history, m.name)) for m in billed}
    for row in history.rows:
        cells = [f"{row['start'].astimezone(UTC):{_START[history.granularity]}}"]
        for metric in shown:
            value = row[metric.name]
            cells.append(
                "-" if value is None else spell_amount(metric, value, columns[metric.name])
            )
        cells += [m.spell(row[m.name], billing_units[m.name]) for m in billed]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", *(f"_{markdown(note)}_" for note in notes)] if notes else []
    return "\n".join(lines) + "\n"


def render_tenant_chart(tenant: TenantUsage, *, cached: bool, as_markdown: bool = False) -> str:
    """`--tenant ID --history G`: the tenant's chart (or Markdown table), with its notes."""
    history = tenant_history(tenant)
    notes = [tenant.history.note] if tenant.history is not None and tenant.history.note else []
    notes += list(tenant.notes)
    when = when_read(tenant.observed_at, tenant.clock, cached=cached)
    scope = f"{tenant.tenant_id} ({tenant.plan})"
    draw = render_chart_markdown if as_markdown else render_chart
    return draw(scope, history, tenant, when, notes, agreed_units([tenant]))


def render_fleet_chart(
    report: UsageReport, granularity: Granularity, *, as_markdown: bool = False
) -> str:
    """`--history G` without --tenant: the fleet's sums per timeframe, with the report's notes."""
    read = [t for t in report.tenants if t.metrics]
    history = fleet_history(read, granularity)
    when = when_read(report.observed_at, report.clock, cached=bool(report.cached))
    scope = f"fleet ({len(read)} tenant(s) with a project)"
    draw = render_chart_markdown if as_markdown else render_chart
    return draw(scope, history, None, when, note_lines(report), agreed_units(read))
