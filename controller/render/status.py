"""`tenantctl status` views: a table for people, CSV for spreadsheets, versioned JSON for code.

The JSON document is the contract a platform's backend reads to map its customers to Neon
projects (docs/status-format.md): versioned by `format_version`, every field documented, the
`target` in the same shape as the plan's. Every name from YAML or Neon is escaped for the
terminal in the table, and CSV cells that a spreadsheet would run as a formula are defused.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any

from controller.reconcile.changeplan import HealthIssue, PlanTarget
from controller.reconcile.inventory import Inventory, LiveState, TenantStatus
from controller.untrusted import terminal

FORMAT_VERSION = 1
CSV_COLUMNS = (
    "tenant",
    "plan",
    "wanted_state",
    "live_state",
    "project_id",
    "project_name",
    "region",
    "pg_version",
    "bound_by",
    "health",
    "computes",
    "compute_states",
    "pending_actions",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def health_text(row: TenantStatus) -> str:
    """`ok`, or `unhealthy: <first problem>` (`(+N more)` when there are several)."""
    if row.healthy:
        return "ok"
    more = f" (+{len(row.health) - 1} more)" if len(row.health) > 1 else ""
    return f"unhealthy: {row.health[0].problem}{more}"


def status_document(
    inventory: Inventory, *, fleet: str, target: PlanTarget | None, targeted: list[str] | None
) -> dict[str, Any]:
    """The versioned JSON document (docs/status-format.md)."""
    states = Counter(row.live_state.value for row in (*inventory.tenants, *inventory.orphans))
    summary: dict[str, int] = {state.value: states.get(state.value, 0) for state in LiveState}
    summary["unhealthy"] = sum(1 for row in inventory.tenants if not row.healthy)
    return {
        "format_version": FORMAT_VERSION,
        "fleet": fleet,
        "target": target.model_dump(mode="json") if target else None,
        "targeted": targeted,
        "tenants": [_row_document(row) for row in inventory.tenants],
        "orphans": [_row_document(row) for row in inventory.orphans],
        "unmanaged_projects": inventory.unmanaged_projects,
        "summary": summary,
    }


def _row_document(row: TenantStatus) -> dict[str, Any]:
    computes = None
    if row.computes is not None:
        computes = [
            {"endpoint_id": c.endpoint_id, "type": c.type, "state": c.state, "disabled": c.disabled}
            for c in row.computes
        ]
    return {
        "tenant": row.tenant,
        "plan": row.plan,
        "wanted_state": row.wanted_state,
        "live_state": row.live_state.value,
        "project_id": row.project_id,
        "project_name": row.project_name,
        "region": row.region,
        "pg_version": row.pg_version,
        "bound_by": row.bound_by,
        "health": "ok" if row.healthy else "unhealthy",
        "health_issues": [_issue_document(issue) for issue in row.health],
        "conflict": row.conflict,
        "held": row.held,
        "pending_actions": list(row.pending),
        "computes": computes,
    }


def _issue_document(issue: HealthIssue) -> dict[str, Any]:
    return {
        "problem": issue.problem,
        "advice": issue.advice,
        "repair": issue.repair,
        "operation": issue.operation.model_dump(mode="json") if issue.operation else None,
    }


def status_csv(inventory: Inventory) -> str:
    """One row per tenant, then one per orphan (live_state `orphaned`)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in (*inventory.tenants, *inventory.orphans):
        document = _row_document(row)
        cells = {key: document.get(key) for key in CSV_COLUMNS}
        cells["health"] = health_text(row)
        cells["computes"] = None if row.computes is None else len(row.computes)
        cells["compute_states"] = _compute_states(row)
        cells["pending_actions"] = " ".join(row.pending)
        writer.writerow({key: _cell(value) for key, value in cells.items()})
    return buffer.getvalue()


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value  # a spreadsheet would run it as a formula
    return value


def _compute_states(row: TenantStatus) -> str:
    if row.computes is None:
        return ""
    return " ".join(f"{c.type}:{c.state}{'(disabled)' if c.disabled else ''}" for c in row.computes)


def status_table(inventory: Inventory, *, header: str) -> str:
    """The terminal view: one aligned line per tenant, then details, orphans and a count."""
    titles = ("TENANT", "PLAN", "WANTED", "LIVE", "PROJECT", "NAME", "REGION", "PG", "COMPUTES")
    rows = [titles, *(_table_row(row) for row in inventory.tenants)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(titles))]
    lines = [terminal(header), ""]
    for row_cells, row in zip(rows, (None, *inventory.tenants), strict=True):
        cells = "  ".join(c.ljust(w) for c, w in zip(row_cells, widths, strict=True))
        health = "HEALTH" if row is None else terminal(health_text(row), 200)
        lines.append(f"{cells}  {health}".rstrip())
    lines.extend(_details(inventory))
    return "\n".join(lines).rstrip("\n") + "\n"


def _table_row(row: TenantStatus) -> tuple[str, ...]:
    if row.computes is None:
        computes = "-"
    else:
        computes = f"{len(row.computes)} ({_compute_states(row)})" if row.computes else "0"
    shown = (
        row.tenant,
        row.plan or "-",
        row.wanted_state or "-",
        row.live_state.value,
        row.project_id or "-",
        row.project_name or "-",
        row.region or "-",
        str(row.pg_version) if row.pg_version is not None else "-",
        computes,
    )
    return tuple(terminal(text, 80) for text in shown)


def _details(inventory: Inventory) -> list[str]:
    lines: list[str] = []
    for row in inventory.tenants:
        if row.conflict:
            lines.append(f"  conflict: {terminal(row.tenant)}: {terminal(row.conflict)}")
        for issue in row.health:
            fix = " (apply repairs it)" if issue.repair else ""
            lines.append(
                f"  unhealthy: {terminal(row.tenant)}: {terminal(issue.problem)}{fix}; "
                f"{terminal(issue.advice)}"
            )
    for orphan in inventory.orphans:
        kept = orphan.held or "kept suspended, never deleted"
        lines.append(
            f"  orphaned: project {terminal(orphan.project_id)} "
            f"('{terminal(orphan.project_name)}') of removed tenant '{terminal(orphan.tenant)}' "
            f"(bound by {orphan.bound_by}); {terminal(kept)}"
        )
    lines.append(
        f"{inventory.unmanaged_projects} project(s) in the org are not managed by this fleet."
    )
    return ["", *lines]
