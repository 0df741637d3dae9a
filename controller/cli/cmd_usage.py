"""`tenantctl usage`: each tenant's consumption against its plan's limits (docs/usage.md).

Wires the pieces of `controller.usage`: load the fleet, pick the tenants, check the flags and
ranges (before any call), take fresh readings from the local cache or read Neon (read-only,
Neon's clock from its `Date` header), assess, print, and exit 0 (all below --warn-at), 3 (any
tenant at warning or exceeded) or 1 (an error, or a tenant whose usage is unknown and no
alert). `--history` prints a chart (or rows) instead of the report, with the same exit rule;
`--billing-export` writes the month's billing file instead (`usage_export.py`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from typing import cast

from controller.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE_ALERT,
    CommandError,
    add_fleet_dir_argument,
)
from controller.cli.connection import Connection, connect
from controller.cli.fleet_loading import checked_targets, require_valid_fleet
from controller.cli.reconcile_args import add_emulator_argument, stdout_is_tty
from controller.cli.usage_args import (
    DEFAULT_WARN_AT,
    add_usage_arguments,
    check_combination,
    export_range,
    usage_query,
    warn_at_percent,
)
from controller.cli.usage_export import finish_export, read_month
from controller.cli.usage_reading import usage_reader
from controller.logs import configure_logging
from controller.reconcile.desired import DesiredFleetState, desired_fleet
from controller.spec.issues import did_you_mean, printable
from controller.spec.model import DesiredFleet, TenantState
from controller.usage.cache import UsageCache, cache_path, cached_readings, tenant_identity
from controller.usage.chart import render_fleet_chart, render_tenant_chart
from controller.usage.consumption import SourceUnavailableError
from controller.usage.documents import (
    fleet_history_csv,
    fleet_history_document,
    history_csv,
    history_document,
    report_csv,
    report_document,
)
from controller.usage.query import UsageQuery
from controller.usage.readings import Granularity, TenantReading
from controller.usage.report import UsageReport, build_report
from controller.usage.server_clock import LocalClock, utc_now
from controller.usage.table import render_markdown, render_table

__all__ = ["DEFAULT_WARN_AT", "execute", "register", "run", "tenants_in_scope", "warn_at_percent"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `usage` command."""
    parser = subparsers.add_parser(
        "usage",
        help="show each tenant's consumption against its plan's limits",
        description=(
            "Per tenant: use against each limit this billing period, its status, when each limit "
            "will be reached at the current rate, for tenants at warning or worse the smallest "
            "plan that fits, billing metrics and totals. Read-only (but --billing-export, which "
            "writes a file). Exit 0 when all are below --warn-at, 3 when any is at warning or "
            "exceeded, 1 on error."
        ),
    )
    add_fleet_dir_argument(parser)
    add_usage_arguments(parser)
    add_emulator_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Report the usage of the fleet in `args.fleet_dir` (see the module docstring)."""
    configure_logging(level=logging.WARNING)
    fleet = require_valid_fleet(args.fleet_dir)
    scope = tenants_in_scope(fleet, args)
    check_combination(args)  # flags and ranges are checked before the target is even opened
    if args.billing_export:
        export_range(args, utc_now())
    else:
        usage_query(args, utc_now())
    connection = connect(args.fleet_dir, command="usage", emulator_flag=args.emulator)
    return execute(args, fleet, scope, connection, local_clock=utc_now)


def tenants_in_scope(fleet: DesiredFleet, args: argparse.Namespace) -> list[str]:
    """The tenants to report: --tenant, --target or all; tenants meant to be deleted never."""
    if args.tenant and not args.history:
        raise CommandError("--tenant picks the tenant of --history; use --target instead")
    if args.tenant:
        if args.tenant not in fleet.tenants:
            hint = did_you_mean(args.tenant, list(fleet.tenants))
            shown = printable(args.tenant)
            raise CommandError(f"--tenant {shown}: no such tenant in tenants/{hint}")
        chosen = [args.tenant]
    else:
        chosen = sorted(checked_targets(fleet, args.target) or fleet.tenants)
    deleted = [tid for tid in chosen if fleet.tenants[tid].state is TenantState.DELETED]
    if deleted and (args.tenant or args.target):
        raise CommandError(f"tenant {deleted[0]} has state `deleted`: it has no usage to report")
    return [tid for tid in chosen if tid not in deleted]


def execute(
    args: argparse.Namespace,
    fleet: DesiredFleet,
    scope: list[str],
    connection: Connection,
    *,
    local_clock: LocalClock,
) -> int:
    """Read (or reuse) the readings of `scope`, print the report, and return the exit code.

    Every flag and range is checked before any call. The connection is closed before
    returning."""
    try:
        check_combination(args)
        desired = desired_fleet(fleet, org_id=connection.settings.org_id)
        if args.billing_export:
            return _export(args, desired, scope, connection, local_clock)
        query = usage_query(args, local_clock())
        report = _report(args, fleet, desired, scope, connection, query, local_clock)
    finally:
        connection.close()  # even when the cache spared every call
    print(render(report, args), end="")
    return exit_code(report)


def _export(
    args: argparse.Namespace,
    desired: DesiredFleetState,
    scope: list[str],
    connection: Connection,
    local_clock: LocalClock,
) -> int:
    wanted = export_range(args, local_clock())
    billed, missing, now = asyncio.run(read_month(connection, desired, scope, wanted, local_clock))
    return finish_export(args, wanted, billed, missing, now)


def _report(
    args: argparse.Namespace,
    fleet: DesiredFleet,
    desired: DesiredFleetState,
    scope: list[str],
    connection: Connection,
    query: UsageQuery,
    local_clock: LocalClock,
) -> UsageReport:
    key = query.key()
    identities = {
        tid: tenant_identity(
            desired.fleet, desired.tenants[tid].project_name, fleet.tenants[tid].project_id, key
        )
        for tid in scope
    }
    cache = _cache(args, connection, local_clock)
    passed_over: list[str] = []

    async def read(tenant_ids: list[str]) -> dict[str, TenantReading]:
        async with usage_reader(connection, query, local_clock) as (reader, _):
            try:
                found = await reader.read(desired, tenant_ids)
            except SourceUnavailableError as error:
                raise CommandError(
                    f"--source {args.source}: Neon refused consumption history ({error})"
                ) from None
            passed_over.extend(reader.consumption.passed_over)
            return found

    readings, cached = asyncio.run(cached_readings(cache, identities, read, refresh=args.refresh))
    series = query.series
    return build_report(
        fleet,
        readings,
        args.warn_at,
        target=connection.target,
        cached=cached,
        requested=query.source,
        passed_over=passed_over,
        billing_range=series if series is not None and series.billing else None,
    )


def _cache(args: argparse.Namespace, connection: Connection, local_clock: LocalClock) -> UsageCache:
    settings = connection.settings
    return UsageCache(
        cache_path(args.fleet_dir, settings.host, settings.org_id, settings.api_key),
        host=settings.host,
        org_id=settings.org_id,
        clock=local_clock,
    )


def render(report: UsageReport, args: argparse.Namespace) -> str:
    """The report, or the history asked for, in `--format`."""
    if args.history:
        return render_history(
            report, args.format, tenant_id=args.tenant, granularity=cast(Granularity, args.history)
        )
    if args.format == "json":
        return json.dumps(report_document(report), indent=2) + "\n"
    if args.format == "csv":
        return report_csv(report)
    if args.format == "markdown":
        return render_markdown(report, billing=args.billing)
    return render_table(report, color=stdout_is_tty(), billing=args.billing)


def render_history(
    report: UsageReport, fmt: str, *, tenant_id: str | None, granularity: Granularity
) -> str:
    """One tenant's history (`tenant_id`), or the fleet's: its sums and each tenant's rows."""
    if tenant_id is not None:
        tenant = report.tenants[0]
        cached = tenant.tenant_id in report.cached
        if fmt == "json":
            return json.dumps(history_document(tenant, cached=cached), indent=2) + "\n"
        if fmt == "csv":
            return history_csv(tenant)
        return render_tenant_chart(tenant, cached=cached, as_markdown=fmt == "markdown")
    if fmt == "json":
        return json.dumps(fleet_history_document(report, granularity), indent=2) + "\n"
    if fmt == "csv":
        return fleet_history_csv(report, granularity)
    return render_fleet_chart(report, granularity, as_markdown=fmt == "markdown")


def exit_code(report: UsageReport) -> int:
    """3 on any warning or exceeded tenant, else 1 if some tenant's usage is unknown, else 0."""
    for tenant in report.unknown:
        why = "; ".join(tenant.notes) or "its project could not be identified"
        print(
            f"tenantctl: usage of {tenant.tenant_id} is unknown: {printable(why)}", file=sys.stderr
        )
    if report.alerting:
        return EXIT_USAGE_ALERT
    return EXIT_ERROR if report.unknown else EXIT_OK
