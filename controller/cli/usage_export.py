"""`tenantctl usage --billing-export FILE --period YYYY-MM`: read the month, write the file.

Why this exists: the export is the one `usage` mode that writes a file, for a billing system to
import (format in `controller.usage.export` and docs/usage.md). It reads only what billing
needs (the project list, the ownership marks that say whose project is whose, and v2
consumption for the month at monthly granularity: one request per 100 projects), never the
cache (a bill is read fresh), writes the file atomically, and prints the totals, which are the
sums of the rows written. Exit 0 when written, 1 on any error (nothing written then).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from controller.cli.common import EXIT_OK, CommandError
from controller.cli.connection import Connection
from controller.cli.usage_reading import usage_reader
from controller.reconcile.desired import DesiredFleetState
from controller.untrusted import terminal
from controller.usage.billing import BY_BILLING_NAME
from controller.usage.consumption import SourceUnavailableError
from controller.usage.documents import FORMAT_VERSION, time_text
from controller.usage.export import (
    BilledTenant,
    ExportRow,
    export_rows,
    export_totals,
    plan_totals,
    write_export,
)
from controller.usage.query import SeriesRange, UsageQuery
from controller.usage.readings import TenantReading
from controller.usage.server_clock import LocalClock


async def read_month(
    connection: Connection,
    desired: DesiredFleetState,
    tenant_ids: list[str],
    wanted: SeriesRange,
    local_clock: LocalClock,
) -> tuple[list[BilledTenant], dict[str, TenantReading], datetime]:
    """Billed tenants, tenants without a project, and Neon's time."""
    async with usage_reader(connection, UsageQuery(source="v2"), local_clock) as (reader, clock):
        try:
            billed, missing = await reader.read_billing(desired, tenant_ids, wanted)
        except SourceUnavailableError as error:
            raise CommandError(
                f"--billing-export: Neon refused v2 consumption history ({error}); the "
                "billing metrics exist only there (usage-based plans)"
            ) from None
        now, _ = clock.now()
    return billed, missing, now


def finish_export(
    args: argparse.Namespace,
    wanted: SeriesRange,
    billed: list[BilledTenant],
    missing: dict[str, TenantReading],
    now: datetime,
) -> int:
    """Write the file, say what was written (its totals) and who was not billed."""
    rows = export_rows(billed, wanted.since, wanted.until)
    path = Path(args.billing_export)
    try:
        write_export(path, rows)
    except OSError as error:
        raise CommandError(f"cannot write {path}: {error.strerror or error}") from None
    for tenant_id, reading in sorted(missing.items()):
        why = reading.problem or "no project"
        print(f"tenantctl: {tenant_id} not billed: {terminal(why)}", file=sys.stderr)
    summary = _summary(args, wanted, rows, billed, missing, now)
    if args.format == "json":
        print(json.dumps(summary, indent=2))
    else:
        print(_summary_text(summary), end="")
    return EXIT_OK


def _summary(
    args: argparse.Namespace,
    wanted: SeriesRange,
    rows: list[ExportRow],
    billed: list[BilledTenant],
    missing: dict[str, TenantReading],
    now: datetime,
) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "file": str(args.billing_export),
        "period": {
            "month": args.period,
            "start": time_text(wanted.since),
            "end": time_text(wanted.until),
            "over": now >= wanted.until,
        },
        "source": "v2",
        "rows": len(rows),
        "tenants": len(billed),
        "not_billed": sorted(missing),
        "totals": _quantities(export_totals(rows)),
        "plans": {plan: _quantities(sums) for plan, sums in plan_totals(rows).items()},
    }


def _quantities(totals: dict[str, int]) -> dict[str, Any]:
    return {
        name: {"unit": BY_BILLING_NAME[name].unit, "quantity": quantity}
        for name, quantity in totals.items()
    }


def _summary_text(summary: dict[str, Any]) -> str:
    period = summary["period"]
    lines = [
        terminal(
            f"Billing export for {period['month']} ({period['start']} to {period['end']}, "
            f"v2 consumption): {summary['rows']} rows for {summary['tenants']} tenant(s) "
            f"written to {summary['file']}"
        )
    ]
    if not period["over"]:
        lines.append("The month is not over: quantities are month to date.")
    lines.append("Totals (the sums of the rows):")
    for name, total in summary["totals"].items():
        metric = BY_BILLING_NAME[name]
        spelled = metric.spell(total["quantity"])
        lines.append(f"  {name:<31}{total['quantity']:>20} {metric.unit:<14}{spelled}")
    return "\n".join(lines) + "\n"
