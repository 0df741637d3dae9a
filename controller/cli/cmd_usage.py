"""`tenantctl usage`: each tenant's consumption against its plan's limits (docs/usage.md).

Wires the pieces of `controller.usage`: load the fleet, pick the tenants, take fresh readings from
the local cache or read Neon (read-only, Neon's clock from its `Date` header), assess, print, and
exit 0 (all below --warn-at), 3 (any tenant at warning or exceeded) or 1 (an error, or a tenant
whose usage is unknown and no alert).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import re
import sys
from collections.abc import Callable
from datetime import datetime
from fractions import Fraction

from controller.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE_ALERT,
    CommandError,
    add_fleet_dir_argument,
)
from controller.cli.connection import Connection, connect
from controller.cli.fleet_loading import checked_targets, require_valid_fleet
from controller.cli.reconcile_args import add_emulator_argument, neon_client, stdout_is_tty
from controller.logs import configure_logging
from controller.reconcile.desired import DesiredFleetState, desired_fleet
from controller.spec.issues import did_you_mean, printable
from controller.spec.model import DesiredFleet, TenantState
from controller.usage.cache import UsageCache, cache_path, cached_readings, tenant_identity
from controller.usage.chart import render_chart, render_chart_markdown
from controller.usage.collect import UsageReader
from controller.usage.documents import history_csv, history_document, report_csv, report_document
from controller.usage.readings import TenantReading
from controller.usage.report import UsageReport, build_report
from controller.usage.server_clock import (
    DateRecordingTransport,
    LocalClock,
    ServerClock,
    network_transport,
    utc_now,
)
from controller.usage.table import render_markdown, render_table

FORMATS = ("table", "json", "csv", "markdown")
DEFAULT_WARN_AT = "80"
_PERCENT = re.compile(r"[0-9]{1,3}(\.[0-9]{1,4})?")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `usage` command."""
    parser = subparsers.add_parser(
        "usage",
        help="show each tenant's consumption against its plan's limits",
        description=(
            "Per tenant: use against each limit this billing period, its status, when each limit "
            "will be reached at the current rate, and for tenants at warning or worse the "
            "smallest plan that fits. Read-only. Exit 0 when all are below --warn-at, 3 when any "
            "is at warning or exceeded, 1 on error."
        ),
    )
    add_fleet_dir_argument(parser)
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format")
    parser.add_argument(
        "--warn-at",
        type=warn_at_percent,
        default=warn_at_percent(DEFAULT_WARN_AT),
        metavar="PERCENT",
        help="a limit used to this percentage or more is a warning (default: 80)",
    )
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument(
        "--target", action="append", metavar="TENANT", help="only this tenant (repeatable)"
    )
    scope.add_argument("--tenant", metavar="ID", help="the tenant whose --history to show")
    parser.add_argument(
        "--history",
        choices=("daily",),
        help="with --tenant: each metric per day over the billing period (chart, or JSON/CSV)",
    )
    add_emulator_argument(parser)
    parser.add_argument(
        "--refresh",
        action="store_true",
        help="read Neon even if the local cache is younger than 15 minutes",
    )
    parser.set_defaults(run=run)


def warn_at_percent(text: str) -> Fraction:
    """A percentage in (0, 100], exactly as written (`80`, `82.5`, `80%`).

    Plain decimal notation only, with a few decimals: `1e-99999999` would make an exact
    fraction with a hundred-million-digit denominator, and nobody alerts at such a share."""
    written = text.strip().removesuffix("%")
    if not _PERCENT.fullmatch(written):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a percentage such as 80 or 82.5 (at most 4 decimals)"
        )
    value = Fraction(written)
    if not 0 < value <= 100:
        raise argparse.ArgumentTypeError(f"{text!r} is not a percentage above 0 and up to 100")
    return value


def run(args: argparse.Namespace) -> int:
    """Report the usage of the fleet in `args.fleet_dir` (see the module docstring)."""
    configure_logging(level=logging.WARNING)
    fleet = require_valid_fleet(args.fleet_dir)
    scope = tenants_in_scope(fleet, args)
    connection = connect(args.fleet_dir, command="usage", emulator_flag=args.emulator)
    return execute(args, fleet, scope, connection, local_clock=utc_now)


def tenants_in_scope(fleet: DesiredFleet, args: argparse.Namespace) -> list[str]:
    """The tenants to report: --tenant, --target or all; tenants meant to be deleted never."""
    if args.history and not args.tenant:
        raise CommandError("--history needs --tenant ID: the history is shown for one tenant")
    if args.tenant and not args.history:
        raise CommandError("--tenant picks the tenant of --history daily; use --target instead")
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

    The connection is closed before returning."""
    settings = connection.settings
    desired = desired_fleet(fleet, org_id=settings.org_id)
    identities = {
        tid: tenant_identity(
            desired.fleet, desired.tenants[tid].project_name, fleet.tenants[tid].project_id
        )
        for tid in scope
    }
    cache = UsageCache(
        cache_path(args.fleet_dir, settings.host, settings.org_id, settings.api_key),
        host=settings.host,
        org_id=settings.org_id,
        clock=local_clock,
    )

    async def read(tenant_ids: list[str]) -> dict[str, TenantReading]:
        return await read_from_neon(connection, desired, tenant_ids, local_clock)

    try:
        readings, cached = asyncio.run(
            cached_readings(cache, identities, read, refresh=args.refresh)
        )
    finally:
        connection.close()  # even when the cache spared every call
    target = connection.target.describe()
    report = build_report(fleet, readings, args.warn_at, target=target, cached=cached)
    print(render(report, args.format, history=bool(args.history)), end="")
    return exit_code(report)


async def read_from_neon(
    connection: Connection,
    desired: DesiredFleetState,
    tenant_ids: list[str],
    local_clock: Callable[[], datetime],
) -> dict[str, TenantReading]:
    """Read Neon through the connection's transport, recording Neon's clock on the way."""
    clock = ServerClock(local_clock)
    inner = connection.transport or network_transport(connection.settings)
    # `neon_client` closes the connection it is given; `execute` closes the original instead.
    recording = dataclasses.replace(
        connection, transport=DateRecordingTransport(inner, clock), closer=None
    )
    async with neon_client(recording) as client:
        return await UsageReader(client, clock).read(desired, tenant_ids)


def render(report: UsageReport, fmt: str, *, history: bool) -> str:
    if history:
        tenant = report.tenants[0]
        cached = tenant.tenant_id in report.cached
        if fmt == "json":
            return json.dumps(history_document(tenant, cached=cached), indent=2) + "\n"
        if fmt == "csv":
            return history_csv(tenant)
        if fmt == "markdown":
            return render_chart_markdown(tenant, cached=cached)
        return render_chart(tenant, cached=cached)
    if fmt == "json":
        return json.dumps(report_document(report), indent=2) + "\n"
    if fmt == "csv":
        return report_csv(report)
    if fmt == "markdown":
        return render_markdown(report)
    return render_table(report, color=stdout_is_tty())


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
