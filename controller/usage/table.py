"""The report for people: a terminal table (colour on a TTY only) or a Markdown comment.

Why this exists: an operator reads "who is close to a limit, when will they hit it, what to
offer them" at a glance. Both views share the same cells (`rows`, `totals_rows`, `billing_rows`);
the terminal one is drawn by rich, plain text when stdout is not a terminal, and Markdown suits
a PR comment or a chat alert. Below the limits table: the totals per plan and for the fleet, the
billing metrics with `--billing`, the upgrade path of tenants at warning or worse, then notes.

Every amount is spelled through the registry's kinds, in the unit the fleet wrote for that limit
(`quantities.py`). Every tenant id, plan, project name and Neon text is untrusted: escaped for
the terminal (`controller.untrusted.terminal`) or for Markdown (`markdown`).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from controller.untrusted import markdown, terminal
from controller.usage.assess import MetricUsage, Status, TenantUsage
from controller.usage.billing import BILLING_METRICS
from controller.usage.metrics import METRICS
from controller.usage.projection import BillingPeriod
from controller.usage.quantities import (
    spell_amount,
    spell_limit,
    spell_moment,
    spell_percent,
    spell_used,
    unit_for,
)
from controller.usage.report import UsageReport
from controller.usage.totals import FLEET, Totals

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
TOO_EARLY = "too early to project"
_STYLES = {
    Status.OK: "green",
    Status.WARNING: "yellow",
    Status.EXCEEDED: "bold red",
    Status.UNKNOWN: "magenta",
}
_WIDE = 240  # wide enough that the table always keeps its natural width
Cells = list[str]


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
    if projection.too_early:
        return TOO_EARLY
    if projection.reaches_at is None:
        return "not at this rate"
    if projection.within_period:
        return spell_moment(projection.reaches_at)
    return f"after period end ({projection.reaches_at.astimezone(UTC):%Y-%m-%d})"


def projected_cell(usage: MetricUsage) -> str:
    if usage.projection is None:
        return "? (needs history)"
    if usage.projection.too_early:
        return TOO_EARLY
    return spell_used(usage.metric, usage.projected, usage.limit, usage.unit)


def rows(report: UsageReport) -> list[tuple[Status, Cells]]:
    """The table's cells with the status that colours each row; tenant cells on first rows."""
    table: list[tuple[Status, Cells]] = []
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
                spell_used(usage.metric, usage.used, usage.limit, usage.unit),
                spell_limit(usage.metric, usage.limit, usage.unit),
                spell_percent(usage.percent),
                status_cell(usage),
                projected_cell(usage),
                reached_cell(usage),
            ]
            table.append((usage.status, cells))
    return table


def _scope_cell(totals: Totals) -> str:
    return "fleet" if totals.scope == FLEET else f"plan {totals.scope}"


def agreed_units(tenants: Iterable[TenantUsage]) -> dict[str, str | None]:
    """Per limited metric, the unit every tenant's limit is written in, when they agree."""
    listed = list(tenants)
    agreed: dict[str, str | None] = {}
    for metric in METRICS:
        written = {u.unit for t in listed for u in t.metrics if u.metric is metric}
        agreed[metric.name] = written.pop() if len(written) == 1 else None
    return agreed


def totals_rows(report: UsageReport) -> tuple[Cells, list[Cells]]:
    """The totals table: a row per plan, then the fleet; a column per limited metric, each in
    the unit its limits are written in when they agree (else one fitting the column)."""
    by_plan, fleet = report.totals()
    every = [*by_plan, fleet]
    header = ["Totals", "Tenants", *(m.label for m in METRICS)]
    agreed = agreed_units(report.tenants)
    units = {m.name: unit_for(m, agreed[m.name], [t.used[m.name] for t in every]) for m in METRICS}
    body = [
        [
            _scope_cell(totals),
            str(totals.tenants),
            *(spell_amount(m, totals.used[m.name], units[m.name]) for m in METRICS),
        ]
        for totals in every
    ]
    return header, body


def billing_rows(report: UsageReport) -> tuple[Cells, list[Cells]]:
    """The billing table: a row per tenant with billing metrics, then per plan and fleet."""
    billed = [t for t in report.tenants if t.billing is not None]
    by_plan, fleet = report.totals()
    sums = [t for t in (*by_plan, fleet) if t.billing is not None]
    header = ["Tenant", "Plan", *(m.label for m in BILLING_METRICS)]
    body: list[Cells] = []
    columns = {
        m.name: m.shared_unit(t.billing.get(m.name) for t in billed if t.billing is not None)
        for m in BILLING_METRICS
    }
    for tenant in billed:
        assert tenant.billing is not None
        amounts = tenant.billing
        body.append(
            [
                tenant.tenant_id,
                tenant.plan,
                *(m.spell(amounts.get(m.name), columns[m.name]) for m in BILLING_METRICS),
            ]
        )
    for totals in sums:
        assert totals.billing is not None
        amounts = totals.billing
        spelled = [m.spell(amounts.get(m.name), columns[m.name]) for m in BILLING_METRICS]
        body.append([f"{_scope_cell(totals)} total", f"{totals.billed} tenant(s)", *spelled])
    return header, body


def billing_title(report: UsageReport) -> str:
    wanted = report.billing_range
    if wanted is None:
        span = "each tenant's billing period so far"
    else:
        span = f"{spell_moment(wanted.since)} to {spell_moment(wanted.until)}"
    return f"Billing metrics (Neon's v2 consumption history; {span})"


def billing_missing(report: UsageReport) -> str:
    used = ", ".join(report.sources) or "none"
    return (
        "Billing metrics: not available; they come from Neon's v2 consumption history "
        f"(usage-based plans), and the consumption history used here is: {used}"
    )


def heading(report: UsageReport) -> str:
    moment = report.observed_at
    clock = "Neon's clock" if report.clock == "server" else "local clock"
    when = f"as of {spell_moment(moment)} ({clock})" if moment else "nothing read"
    percent = f"{float(report.warn_at):g}%"
    return (
        f"Usage against limits: {report.target.describe()}; {when}; "
        f"warning at {percent} of a limit; {report.source_line()}"
    )


def upgrade_lines(report: UsageReport) -> list[str]:
    lines = []
    for tenant in report.tenants:
        if tenant.upgrade is None:
            continue
        who = f"{tenant.tenant_id} ({tenant.plan}, {tenant.status.value})"
        basis = "the projected use of the period"
        if tenant.upgrade.too_early:
            basis = "the use so far (too early in the period to project)"
        if tenant.upgrade.plan is None:
            lines.append(f"{who}: no plan in plans/ fits {basis}")
            continue
        current = " (its current plan)" if tenant.upgrade.is_current else ""
        lines.append(
            f"{who}: {tenant.upgrade.plan}{current} is the smallest plan that fits {basis}"
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


def _has_readings(report: UsageReport) -> bool:
    return any(t.metrics for t in report.tenants)


def render_table(report: UsageReport, *, color: bool, billing: bool = False) -> str:
    """The terminal view; `color` only when stdout is a terminal."""
    console = _console(color)
    console.print(Text(terminal(heading(report))))
    if report.tenants:
        table = _rich_table(COLUMNS)
        for status, cells in rows(report):
            table.add_row(*_texts(cells), style=_STYLES.get(status) if color else None)
        console.print(table)
    else:
        console.print(Text("no tenants to report"))
    if _has_readings(report):
        _print_table(console, "Totals (the sums of the tenants' use)", *totals_rows(report), color)
    if billing:
        if any(t.billing is not None for t in report.tenants):
            _print_table(console, billing_title(report), *billing_rows(report), color)
        else:
            console.print(Text(f"\n{terminal(billing_missing(report))}"))
    for title, lines in (("Upgrade path", upgrade_lines(report)), ("Notes", note_lines(report))):
        if lines:
            console.print(Text(f"\n{title}:", style="bold" if color else ""))
            for line in lines:
                console.print(Text(f"  {terminal(line)}"))
    output = console.file
    assert isinstance(output, io.StringIO)
    return output.getvalue()


def _print_table(
    console: Console, title: str, header: Cells, body: list[Cells], color: bool
) -> None:
    console.print(Text(f"\n{terminal(title)}:", style="bold" if color else ""))
    table = _rich_table(header)
    for cells in body:
        table.add_row(*_texts(cells))
    console.print(table)


def _rich_table(header: Sequence[str]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for name in header:
        table.add_column(name, no_wrap=True)
    return table


def _texts(cells: Cells) -> list[Text]:
    """Cells as plain Text: rich markup in a name (`[bold]`) is shown, never interpreted."""
    return [Text(terminal(cell)) for cell in cells]


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


def render_markdown(report: UsageReport, *, billing: bool = False) -> str:
    """A Markdown table for a PR comment or a chat alert."""
    lines = [f"**{markdown(heading(report))}**", ""]
    lines += _markdown_table(COLUMNS, [cells for _, cells in rows(report)], _bold_exceeded(report))
    if _has_readings(report):
        lines += ["", "**Totals**", "", *_markdown_table(*totals_rows(report))]
    if billing:
        if any(t.billing is not None for t in report.tenants):
            lines += ["", f"**{markdown(billing_title(report))}**", ""]
            lines += _markdown_table(*billing_rows(report))
        else:
            lines += ["", markdown(billing_missing(report))]
    for title, items in (("Upgrade path", upgrade_lines(report)), ("Notes", note_lines(report))):
        if items:
            lines += ["", f"**{title}**", ""] + [f"- {markdown(item)}" for item in items]
    return "\n".join(lines) + "\n"


def _bold_exceeded(report: UsageReport) -> Callable[[int, list[str]], list[str]]:
    statuses = [status for status, _ in rows(report)]

    def emphasise(index: int, shown: list[str]) -> list[str]:
        if statuses[index] is Status.EXCEEDED:
            shown[7] = f"**{shown[7]}**"
        return shown

    return emphasise


def _markdown_table(
    header: Sequence[str],
    body: list[Cells],
    emphasise: Callable[[int, list[str]], list[str]] | None = None,
) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for index, cells in enumerate(body):
        shown = [markdown(cell) for cell in cells]
        if emphasise is not None:
            shown = emphasise(index, shown)
        lines.append("| " + " | ".join(shown) + " |")
    return lines
