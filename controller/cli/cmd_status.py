"""`tenantctl status`: the fleet's inventory from live Neon, read-only (docs/status-format.md).

Per tenant: its plan and wanted state, its project (id, live name, region, Postgres version),
the project's live state and health, and its computes; then the orphans and the number of
projects the fleet does not manage. It reads what a plan reads (the same observation, the same
matching), plus, once per machine, the ownership mark of a project found only by its name, so
that a namesake is never reported as a tenant's project. Exit 0 when every tenant is healthy
and out of conflict, 3 when one is not, 1 on error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging

from controller.cli.common import EXIT_OK, EXIT_USAGE_ALERT, add_fleet_dir_argument
from controller.cli.connection import Connection, connect
from controller.cli.fleet_loading import checked_targets, require_valid_fleet
from controller.cli.reconcile_args import add_emulator_argument, add_target_argument, neon_client
from controller.logs import configure_logging
from controller.reconcile.changeplan import ChangePlan
from controller.reconcile.desired import DesiredFleetState, desired_fleet
from controller.reconcile.inventory import Inventory, LiveState, build_inventory, named_only
from controller.reconcile.observe import MAX_ROUNDS
from controller.reconcile.planner import (
    MissingObservations,
    PlanOptions,
    missing_observations,
    plan_changes,
)
from controller.reconcile.run import make_plan
from controller.render.status import status_csv, status_document, status_table

FORMATS = ("table", "json", "csv")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `status` command."""
    parser = subparsers.add_parser(
        "status",
        help="show each tenant's live project, state and health (read-only)",
        description=__doc__,
    )
    add_fleet_dir_argument(parser)
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format")
    add_target_argument(parser)
    add_emulator_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    configure_logging(level=logging.WARNING)
    fleet = require_valid_fleet(args.fleet_dir)
    options = PlanOptions(targets=checked_targets(fleet, args.target))
    connection = connect(args.fleet_dir, command="status", emulator_flag=args.emulator)
    desired = desired_fleet(fleet, org_id=connection.settings.org_id)
    plan, inventory = asyncio.run(read_inventory(connection, desired, options))
    targeted = list(plan.targeted) if plan.targeted is not None else None
    if args.format == "json":
        document = status_document(
            inventory, fleet=plan.fleet, target=plan.target, targeted=targeted
        )
        print(json.dumps(document, indent=2))
    elif args.format == "csv":
        print(status_csv(inventory), end="")
    else:
        target = plan.target.describe() if plan.target else "unknown target"
        print(status_table(inventory, header=f"Target: {target} · fleet '{plan.fleet}'"), end="")
    troubled = any(
        not row.healthy or row.live_state is LiveState.CONFLICT for row in inventory.tenants
    )
    return EXIT_USAGE_ALERT if troubled else EXIT_OK


async def read_inventory(
    connection: Connection, desired: DesiredFleetState, options: PlanOptions
) -> tuple[ChangePlan, Inventory]:
    """Plan (read-only), confirm projects found by name by their marks, build the inventory."""
    cache = connection.mark_cache()
    async with neon_client(connection) as client:
        planned = await make_plan(client, desired, options, connection.target, marks=cache)
        observed, plan = planned.observed, planned.plan
        assert observed is not None
        unread = named_only(desired, observed)
        if unread:
            marks = await planned.observer.fill(observed, MissingObservations(marks=unread))
            for _ in range(MAX_ROUNDS):  # rare: what the marks revealed may need more reads
                missing = missing_observations(desired, marks, options)
                if not missing:
                    break
                marks = await planned.observer.fill(marks, missing)
            observed = marks
            cache.remember({pid: observed.marks[pid] for pid in unread})
            cache.save()
            plan = plan_changes(desired, observed, options)
            plan = plan.model_copy(update={"target": connection.target})
    return plan, build_inventory(desired, observed, plan)
