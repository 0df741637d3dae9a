"""`tenantctl connection`: a tenant's connection string, for an app's secrets, on request only.

The string holds the role's password, so it is read from Neon's connection_uri endpoint only
when this command is run, printed to stdout and nowhere else: never logged (it is registered
with the log redactor the moment it is read), never cached, never written under `.tenantctl/`.
The tenant's project is found as a plan finds it (mark, project_id, adoption ledger), and its
ownership is confirmed before anything is read. A tenant without a project, suspended, being
deleted or in conflict gets a clear error (exit 1).

`--all` prints every active tenant's string as JSON or an env file, for a secrets pipeline;
tenants that have none are listed as skipped (exit 1 only when one is in conflict).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from controller.cli.common import EXIT_ERROR, EXIT_OK, CommandError, add_fleet_dir_argument
from controller.cli.connection import Connection, connect
from controller.cli.fleet_loading import checked_targets, require_valid_fleet
from controller.cli.reconcile_args import add_emulator_argument, neon_client
from controller.logs import configure_logging, register_secret
from controller.neon.client import NeonClient
from controller.reconcile.desired import DesiredFleetState, desired_fleet
from controller.reconcile.matching import TenantMatch, match_fleet
from controller.reconcile.observe import Observer
from controller.reconcile.observed import OwnershipMark
from controller.reconcile.planner import PlanOptions
from controller.reconcile.run import make_plan
from controller.spec.model import TenantState
from controller.untrusted import terminal

FORMAT_VERSION = 1
ENV_NAME = "DATABASE_URL"


@dataclass(frozen=True)
class Found:
    """A tenant's connection string, or why it has none (`fatal`: a conflict, not a state)."""

    tenant: str
    project_id: str | None = None
    database: str | None = None
    role: str | None = None
    uri: str | None = None
    reason: str | None = None
    fatal: bool = False


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `connection` command."""
    parser = subparsers.add_parser(
        "connection",
        help="print a tenant's connection string (read from Neon on request, never stored)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("tenant", nargs="?", metavar="TENANT", help="the tenant id")
    parser.add_argument("--all", action="store_true", help="every active tenant (json or env)")
    parser.add_argument("--pooled", action="store_true", help="the pooler's host (PgBouncer)")
    parser.add_argument("--database", metavar="NAME", help="default: the tenant's database")
    parser.add_argument("--role", metavar="NAME", help="default: the tenant's owner role")
    parser.add_argument(
        "--format", choices=("uri", "env", "json"), default=None, help="default: uri (json: --all)"
    )
    add_fleet_dir_argument(parser)
    add_emulator_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    configure_logging(level=logging.WARNING)
    fmt = _checked_arguments(args)
    fleet = require_valid_fleet(args.fleet_dir)
    targets = None if args.all else checked_targets(fleet, [args.tenant])
    connection = connect(args.fleet_dir, command="connection", emulator_flag=args.emulator)
    desired = desired_fleet(fleet, org_id=connection.settings.org_id)
    found = asyncio.run(_read(connection, desired, targets, args))
    if not args.all:
        (only,) = found
        if only.uri is None:
            raise CommandError(only.reason or f"tenant {only.tenant} has no connection string")
        print(_single(only, fmt, pooled=args.pooled))
        return EXIT_OK
    if sys.stdout.isatty():
        print(
            "warning: printing connection strings with passwords to a terminal; redirect them "
            "to a file or a secrets tool instead",
            file=sys.stderr,
        )
    print(_every(found, fmt, desired, connection, pooled=args.pooled), end="")
    for skipped in (f for f in found if f.uri is None):
        print(f"tenantctl: skipped {skipped.tenant}: {terminal(skipped.reason)}", file=sys.stderr)
    return EXIT_ERROR if any(f.fatal for f in found) else EXIT_OK


def _checked_arguments(args: argparse.Namespace) -> str:
    if args.all and args.tenant:
        raise CommandError("give a TENANT or --all, not both")
    if not args.all and not args.tenant:
        raise CommandError("name a TENANT (or --all for every active tenant)")
    if args.all and (args.database or args.role):
        raise CommandError("--database and --role pick one tenant's names; not with --all")
    fmt: str = args.format or ("json" if args.all else "uri")
    if args.all and fmt == "uri":
        raise CommandError("--all prints --format json or env (one URI alone names no tenant)")
    return fmt


async def _read(
    connection: Connection,
    desired: DesiredFleetState,
    targets: frozenset[str] | None,
    args: argparse.Namespace,
) -> list[Found]:
    """Find each tenant's project as a plan does, confirm it, then read its connection URI."""
    async with neon_client(connection) as client:
        planned = await make_plan(
            client,
            desired,
            PlanOptions(targets=targets),
            connection.target,
            marks=connection.mark_cache(),
        )
        assert planned.observed is not None
        matching = match_fleet(desired, planned.observed)
        wanted = sorted(targets) if targets is not None else sorted(desired.tenants)
        found = []
        for tenant_id in wanted:
            match = matching.tenants[tenant_id]
            reason = _unusable(match, planned.observed.endpoints.get(_pid(match)))
            if reason is not None:
                found.append(Found(tenant_id, _pid(match), reason=reason[0], fatal=reason[1]))
                continue
            found.append(await _uri(client, planned.observer, desired, match, args))
    return found


def _pid(match: TenantMatch) -> str:
    return match.project.project_id if match.project is not None else ""


def _unusable(match: TenantMatch, endpoints: Any) -> tuple[str, bool] | None:
    """Why a tenant has no usable connection string, and whether that is an error of the fleet
    (a conflict) rather than a state (suspended, not created yet)."""
    tenant = match.tenant
    if match.conflict is not None:
        return f"tenant {tenant.id} is in conflict: {match.conflict}", True
    if tenant.state is TenantState.DELETED:
        return f"tenant {tenant.id} has state deleted: it has no connection string", False
    if tenant.state is TenantState.SUSPENDED:
        return (
            f"tenant {tenant.id} is suspended (its computes are disabled): no connection "
            "works; set `state: active` and apply first"
        ), False
    if match.project is None:
        return (f"tenant {tenant.id} has no project yet: run `tenantctl apply` to create it"), False
    if endpoints and all(e.disabled for e in endpoints):
        return (
            f"project {match.project.project_id} of tenant {tenant.id} is suspended (its "
            "computes are disabled): run `tenantctl apply` to resume it"
        ), False
    return None


async def _uri(
    client: NeonClient,
    observer: Observer,
    desired: DesiredFleetState,
    match: TenantMatch,
    args: argparse.Namespace,
) -> Found:
    tenant, project_id = match.tenant, _pid(match)
    mark = await observer.mark(project_id)
    adopted = project_id in (tenant.project_id, desired.adopted.get(tenant.id))
    if mark != OwnershipMark(desired.fleet, tenant.id) and not (adopted and mark is None):
        reason = f"project {project_id} does not carry tenant {tenant.id}'s ownership mark"
        return Found(tenant.id, project_id, reason=reason, fatal=True)
    database = args.database or tenant.value("database")
    role = args.role or tenant.value("role")
    uri = await client.connection_uri(
        project_id, database_name=database, role_name=role, pooled=args.pooled
    )
    _register(uri)
    return Found(tenant.id, project_id, database, role, uri)


def _register(uri: str) -> None:
    """Scrub the URI and its password from every later log line, whatever prints them."""
    register_secret(uri)
    with contextlib.suppress(ValueError):  # a URI urllib cannot split: registered whole above
        register_secret(urlsplit(uri).password)


def _single(found: Found, fmt: str, *, pooled: bool) -> str:
    assert found.uri is not None
    if fmt == "env":
        return f"{ENV_NAME}={found.uri}"
    if fmt == "json":
        return json.dumps({"format_version": FORMAT_VERSION, **_entry(found, pooled)}, indent=2)
    return found.uri


def _entry(found: Found, pooled: bool) -> dict[str, Any]:
    return {
        "tenant": found.tenant,
        "project_id": found.project_id,
        "database": found.database,
        "role": found.role,
        "pooled": pooled,
        "uri": found.uri,
    }


def env_name(tenant_id: str) -> str:
    """`ACME_CORP_DATABASE_URL` for tenant `acme-corp` (ids are lowercase, digits, hyphens)."""
    return f"{tenant_id.upper().replace('-', '_')}_{ENV_NAME}"


def _every(
    found: list[Found],
    fmt: str,
    desired: DesiredFleetState,
    connection: Connection,
    *,
    pooled: bool,
) -> str:
    usable = [f for f in found if f.uri is not None]
    if fmt == "env":
        return "".join(f"{env_name(f.tenant)}={f.uri}\n" for f in usable)
    document = {
        "format_version": FORMAT_VERSION,
        "fleet": desired.fleet,
        "target": connection.target.model_dump(mode="json"),
        "connections": [_entry(f, pooled) for f in usable],
        "skipped": [{"tenant": f.tenant, "reason": f.reason} for f in found if f.uri is None],
    }
    return json.dumps(document, indent=2) + "\n"
