"""`tenantctl usage --billing-export FILE --period YYYY-MM`: the file a billing system imports.

Why this exists: a partner bills its customers each month with Neon's v2 billing metrics. The
export is one CSV row per tenant and metric for one calendar month (UTC, Neon's billing period):

    tenant,plan,project_id,metric,unit,quantity,period_start,period_end

`quantity` is Neon's integer for the whole month (monthly granularity, so it is exactly what
Neon reports for the month, with no rounding of our own); `unit` is the metric's unit
(`billing.py`). Tenants without a project have no rows (they are named on stderr); tenants to
be deleted are not billed. The file contains only these rows, no totals (an importer would count
them twice): the command prints the totals, which equal the sums of the rows. It is written
atomically (a crash leaves the old file or the new one) and private (0600).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from controller.localfiles import write_atomically
from controller.usage.billing import BILLING_METRICS, BILLING_NAMES
from controller.usage.documents import csv_text, time_text

EXPORT_COLUMNS = (
    "tenant",
    "plan",
    "project_id",
    "metric",
    "unit",
    "quantity",
    "period_start",
    "period_end",
)


@dataclass(frozen=True)
class BilledTenant:
    """A tenant's project and its billing metrics for the period."""

    tenant_id: str
    plan: str
    project_id: str
    quantities: Mapping[str, int]


@dataclass(frozen=True)
class ExportRow:
    tenant: str
    plan: str
    project_id: str
    metric: str
    unit: str
    quantity: int
    period_start: datetime
    period_end: datetime


def export_rows(
    billed: Iterable[BilledTenant], period_start: datetime, period_end: datetime
) -> list[ExportRow]:
    """A row per tenant (in id order) and billing metric (in Neon's order)."""
    return [
        ExportRow(
            tenant=tenant.tenant_id,
            plan=tenant.plan,
            project_id=tenant.project_id,
            metric=metric.name,
            unit=metric.unit,
            quantity=tenant.quantities.get(metric.name, 0),
            period_start=period_start,
            period_end=period_end,
        )
        for tenant in sorted(billed, key=lambda t: t.tenant_id)
        for metric in BILLING_METRICS
    ]


def export_csv(rows: Iterable[ExportRow]) -> str:
    """The rows as CSV, with the header line."""
    return csv_text(
        EXPORT_COLUMNS,
        [
            {
                "tenant": row.tenant,
                "plan": row.plan,
                "project_id": row.project_id,
                "metric": row.metric,
                "unit": row.unit,
                "quantity": row.quantity,
                "period_start": time_text(row.period_start),
                "period_end": time_text(row.period_end),
            }
            for row in rows
        ],
    )


def export_totals(rows: Iterable[ExportRow]) -> dict[str, int]:
    """Each metric's total over the rows (the fleet's bill)."""
    totals = dict.fromkeys(BILLING_NAMES, 0)
    for row in rows:
        totals[row.metric] += row.quantity
    return totals


def plan_totals(rows: Iterable[ExportRow]) -> dict[str, dict[str, int]]:
    """Each plan's totals over its tenants' rows, by plan name."""
    by_plan: dict[str, list[ExportRow]] = {}
    for row in rows:
        by_plan.setdefault(row.plan, []).append(row)
    return {plan: export_totals(by_plan[plan]) for plan in sorted(by_plan)}


def write_export(path: Path, rows: Iterable[ExportRow]) -> None:
    """Write the export file atomically and privately (OSError when it cannot be written)."""
    write_atomically(path, export_csv(rows))
