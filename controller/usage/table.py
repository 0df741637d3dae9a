"""The report for people: a terminal table (colour on a TTY only) or a Markdown comment.

Why this exists: an operator reads "who is close to a limit, when will they hit it, what to
offer them" at a glance. Both views share the same cells (`rows`); the terminal one is drawn by
rich, plain text when stdout is not a terminal, and Markdown suits a PR comment or a chat alert.
Below the table: the upgrade path of tenants at warning or worse, then notes.
"""

from __future__ import annotations

import io
from datetime import UTC

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from controller.usage.assess import MetricUsage, Status
from controller.usage.projection import BillingPeriod
from controller.usage.quantities import (
    spell_limit,
    spell_moment,
    spell_percent,
    spell_used,
)
from controller.usage.report import UsageReport

COLUMNS = (
    "Tenant",
    "Plan",
    "Period",
    "Metric",
    "Used",
    "Limit",
    "Use",
    "Status",
    "At period end",
    "Limit reached",
)
_STYLES = {
    Status.OK: "green",
    Status.WARNING: "yellow",
    Status.EXCEEDED: "bold red",
    Status.UNKNOWN: "magenta",
}
_WIDE = 240  # wide enough that the table always keeps its natural width


def status_cell(usage: MetricUsage) -> str:
    if usage.status is Status.EXCEEDED:
        return f"EXCEEDED ({usage.metric.effect})"
    if usage.status is Status.UNLIMITED:
        return "no limit"
    return usage.status.value


def period_cell(period: BillingPeriod) -> str:
    start, end = period.start.astimezone(UTC), period.end.astimezone(UTC)
    text = f"{start:%b} {start.day}–{end:%b} {end.day}"
    return f"{text} (assumed)" if period.assumed else text


def reached_cell(usage: MetricUsage) -> str:
    """When the limit is (or was) reached: a date, `after period end (...)`, or why not."""
    if usage.status is Status.EXCEEDED:
        return f"reached {usage.reached_on.isoformat()}" if usage.reached_on else "reached"
    if usage.limit is None:
        return "-"
    projection = usage.projection
    if projection is None:
        return "? (needs history)"
    if projection.reaches_at is None:
        return "not at this rate"
    if projection.within_period:
        return spell_moment(projection.reaches_at)
    return f"after period end ({projection.reaches_at.astimezone(UTC):%Y-%m-%d})"


def projected_cell(usage: MetricUsage) -> str:
    if usage.projection is None:
        return "? (needs history)"
    return spell_used(usage.metric, usage.projected, usage.limit)


def rows(report: UsageReport) -> list[tuple[Status, list[str]]]:
    """The table's cells with the status that colours each row; tenant cells on first rows."""
    table: list[tuple[Status, list[str]]] = []
    for tenant in report.tenants:
        if not tenant.metrics:
            cells = [tenant.tenant_id, tenant.plan, "-", "-", "-", "-", "-", tenant.status.value]
            table.append((tenant.status, [*cells, "-", "-"]))
            continue
        for index, usage in enumerate(tenant.metrics):
            first = index == 0
            cells = [
                tenant.tenant_id if first else "",
                tenant.plan if first else "",
                period_cell(tenant.period) if first and tenant.period else "",
                usage.metric.label,
                spell_used(usage.metric, usage.used, usage.limit),
                spell_limit(usage.metric, usage.limit),
                spell_percent(usage.percent),
                status_cell(usage),
                projected_cell(usage),
                reached_cell(usage),
            ]
            table.append((usage.status, cells))
    return table


def heading(report: UsageReport) -> str:
    moment = report.observed_at
    clock = "Neon's clock" if report.clock == "server" else "local clock"
    when = f"as of {spell_moment(moment)} ({clock})" if moment else "nothing read"
    percent = f"{float(report.warn_at):g}%"
    return f"Usage against limits: {report.target}; {when}; warning at {percent} of a limit"


def upgrade_lines(report: UsageReport) -> list[str]:
    lines = []
    for tenant in report.tenants:
        if tenant.upgrade is None:
            continue
        who = f"{tenant.tenant_id} ({tenant.plan}, {tenant.status.value})"
        if tenant.upgrade.plan is None:
            lines.append(f"{who}: no plan in plans/ fits the projected use of the period")
            continue
        current = " (its current plan)" if tenant.upgrade.is_current else ""
        lines.append(
            f"{who}: {tenant.upgrade.plan}{current} is the smallest plan that fits "
            "the projected use of the period"
        )
    return lines


def note_lines(report: UsageReport) -> list[str]:
    lines = [f"{tenant.tenant_id}: {note}" for tenant in report.tenants for note in tenant.notes]
    if report.history_note:
        lines.append(report.history_note)
    read_at = [
        t.observed_at
        for t in report.tenants
        if t.tenant_id in report.cached and t.observed_at is not None
    ]
    if read_at:
        lines.append(
            f"{len(read_at)} tenant(s) from the local cache, read as early as "
            f"{spell_moment(min(read_at))} (Neon refreshes usage every 15 minutes); "
            "--refresh reads Neon again"
        )
    return lines


def render_table(report: UsageReport, *, color: bool) -> str:
    """The terminal view; `color` only when stdout is a terminal."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for name in COLUMNS:
        table.add_column(name, no_wrap=True)
    for status, cells in rows(report):
        table.add_row(*cells, style=_STYLES.get(status) if color else None)
    console = _console(color)
    console.print(heading(report), highlight=False, markup=False)
    if report.tenants:
        console.print(table)
    else:
        console.print("no tenants to report", markup=False)
    for title, lines in (("Upgrade path", upgrade_lines(report)), ("Notes", note_lines(report))):
        if lines:
            console.print(Text(f"\n{title}:", style="bold" if color else ""))
            for line in lines:
                console.print(f"  {line}", highlight=False, markup=False)
    output = console.file
    assert isinstance(output, io.StringIO)
    return output.getvalue()


def _console(color: bool) -> Console:
    # Rendered into a string, so rich cannot see the terminal: give it room, so that columns
    # keep their natural width instead of being cut (a narrow terminal wraps lines instead).
    return Console(
        file=io.StringIO(),
        force_terminal=color,
        color_system="standard" if color else None,
        width=_WIDE,
        highlight=False,
    )


def render_markdown(report: UsageReport) -> str:
    """A Markdown table for a PR comment or a chat alert."""
    lines = [f"**{_md(heading(report))}**", ""]
    lines.append("| " + " | ".join(COLUMNS) + " |")
    lines.append("|" + "---|" * len(COLUMNS))
    for status, cells in rows(report):
        shown = [_md(cell) for cell in cells]
        if status is Status.EXCEEDED:
            shown[7] = f"**{shown[7]}**"
        lines.append("| " + " | ".join(shown) + " |")
    for title, items in (("Upgrade path", upgrade_lines(report)), ("Notes", note_lines(report))):
        if items:
            lines += ["", f"**{title}**", ""] + [f"- {_md(item)}" for item in items]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|")
