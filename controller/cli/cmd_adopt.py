"""`tenantctl adopt TENANT --project-id ID`: bring an existing Neon project under management.

Neon cannot add annotations to a project after creation, so the binding lives in git: the
tenant file gets `project_id: ID`, and the tenant is matched by id from then on. The adoption
is also recorded in the fleet's ledger, `adopted.yaml`, so that the project is suspended and
reported as orphaned (never forgotten) if the tenant file is removed. The project is checked
first (it exists, its region and Postgres version fit the tenant, it is not another tenant's),
and the edited fleet is validated again before the edits are kept.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from controller.cli.common import CommandError, add_fleet_dir_argument, write_atomically
from controller.cli.connection import Connection, connect
from controller.cli.fleet_loading import require_valid_fleet
from controller.cli.ledger_file import record_adoptions
from controller.cli.reconcile_args import add_emulator_argument, neon_client
from controller.cli.tenant_file import with_project_id
from controller.logs import configure_logging
from controller.neon.errors import NotFoundError
from controller.reconcile.desired import desired_fleet
from controller.reconcile.matching import match_fleet
from controller.reconcile.observe import Observer
from controller.reconcile.observed import OwnershipMark
from controller.reconcile.planner import PlanOptions
from controller.spec import load_fleet
from controller.spec.model import DesiredFleet, ResolvedTenant

_PROJECT_ID = r"^[a-z0-9-]{1,60}$"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "adopt",
        help="bind a tenant to an existing Neon project (writes project_id into its file)",
        description=__doc__,
    )
    parser.add_argument("tenant", metavar="TENANT")
    parser.add_argument("--project-id", required=True, metavar="ID", help="the Neon project id")
    parser.add_argument(
        "--replace",
        action="store_true",
        help=(
            "the tenant already has a project made by tenantctl: bind it to ID anyway; the old "
            "project is then suspended and kept (never deleted) as superseded"
        ),
    )
    add_fleet_dir_argument(parser)
    add_emulator_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    configure_logging(level=logging.WARNING)
    fleet = require_valid_fleet(args.fleet_dir)
    tenant = fleet.tenants.get(args.tenant)
    if tenant is None:
        raise CommandError(f"no tenant {args.tenant!r} in {args.fleet_dir / 'tenants'}")
    project_id = args.project_id
    if tenant.project_id == project_id and fleet.adopted.get(tenant.id) != project_id:
        # Bound by hand, or adopted before the ledger existed: only record it.
        _record(args, fleet, tenant.id, project_id, edit=None)
        print(f"adopted.yaml: {tenant.id}: {project_id} recorded.")
        return 0
    _check_binding(tenant, project_id, fleet.tenants.values())
    connection = connect(args.fleet_dir, command="adopt", emulator_flag=args.emulator)
    asyncio.run(_check_project(connection, fleet, tenant, project_id, replace=args.replace))
    path = args.fleet_dir / fleet.sources[tenant.id]
    original = path.read_text(encoding="utf-8")
    write_atomically(path, with_project_id(original, project_id))
    _record(args, fleet, tenant.id, project_id, edit=(path, original))
    print(f"{fleet.sources[tenant.id]}: project_id: {project_id} added (recorded in adopted.yaml).")
    print("Run `tenantctl plan` to see what applying the tenant's plan to it would change.")
    return 0


def _record(
    args: argparse.Namespace,
    fleet: DesiredFleet,
    tenant_id: str,
    project_id: str,
    *,
    edit: tuple[Path, str] | None,
) -> None:
    """Record the adoption in adopted.yaml; undo it (and the tenant file's edit) if the fleet
    would no longer validate."""
    ledger = record_adoptions(args.fleet_dir, fleet.adopted, {tenant_id: project_id})
    result = load_fleet(args.fleet_dir)
    if result.errors:
        ledger.undo()
        if edit is not None:
            write_atomically(*edit)
        details = "; ".join(str(e) for e in result.errors)
        raise CommandError(
            f"adopting would make the fleet invalid, files left unchanged: {details}"
        )


def _check_binding(
    tenant: ResolvedTenant, project_id: str, tenants: Iterable[ResolvedTenant]
) -> None:
    if not re.fullmatch(_PROJECT_ID, project_id):
        raise CommandError(f"--project-id {project_id!r} is not a Neon project id ({_PROJECT_ID})")
    if tenant.project_id == project_id:
        raise CommandError(f"tenant {tenant.id!r} is already bound to project {project_id}")
    if tenant.project_id is not None:
        raise CommandError(
            f"tenant {tenant.id!r} is bound to project {tenant.project_id}; edit its file to "
            "change that on purpose"
        )
    for other in tenants:
        if other.project_id == project_id:
            raise CommandError(f"project {project_id} is already bound to tenant {other.id!r}")


async def _check_project(
    connection: Connection,
    fleet: DesiredFleet,
    tenant: ResolvedTenant,
    project_id: str,
    *,
    replace: bool,
) -> None:
    async with neon_client(connection) as client:
        try:
            project = await client.get_project(project_id)
        except NotFoundError:
            where = connection.target.describe()
            raise CommandError(f"project {project_id} does not exist at {where}") from None
        mismatches = [
            f"{name} is {live!r} but the tenant wants {wanted!r}"
            for name, live, wanted in (
                ("region", project.region_id, tenant.value("region")),
                ("pg_version", project.pg_version, tenant.value("pg_version")),
            )
            if live != wanted
        ]
        if mismatches:
            raise CommandError(
                f"project {project_id}: {'; '.join(mismatches)} (fixed at creation); set them in "
                f"the tenant file first"
            )
        observer = Observer(client)
        mark = await observer.mark(project_id)
        if mark is not None and (mark.fleet, mark.tenant_id) != (fleet.settings.fleet, tenant.id):
            raise CommandError(
                f"project {project_id} is managed as tenant {mark.tenant_id!r} of fleet "
                f"{mark.fleet!r}; refusing to bind it to {tenant.id!r}"
            )
        current = await _own_project(observer, fleet, tenant)
        if current is not None and current != project_id and not replace:
            raise CommandError(
                f"tenant {tenant.id!r} already has project {current}, created by tenantctl; "
                f"binding it to {project_id} would leave {current} superseded (suspended, kept). "
                "Pass --replace to do that on purpose"
            )


async def _own_project(
    observer: Observer, fleet: DesiredFleet, tenant: ResolvedTenant
) -> str | None:
    """The project that carries this tenant's ownership mark, if one exists."""
    desired = desired_fleet(fleet)
    options = PlanOptions(targets=frozenset({tenant.id}))
    observed = await observer.observe(desired, options)
    match = match_fleet(desired, observed).tenants[tenant.id]
    if match.project is None:
        return None
    project_id = match.project.project_id
    mark = await observer.mark(project_id)
    owned = mark == OwnershipMark(fleet=fleet.settings.fleet, tenant_id=tenant.id)
    return project_id if owned else None
