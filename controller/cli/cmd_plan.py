"""`tenantctl plan`: show what apply would change, as text, JSON or a Markdown PR comment."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from pathlib import Path
from typing import Any

from controller.cli.common import (
    EXIT_CHANGES,
    EXIT_ERROR,
    EXIT_OK,
    CommandError,
    add_fleet_dir_argument,
    write_atomically,
)
from controller.cli.connection import connect
from controller.cli.fleet_loading import checked_targets, require_valid_fleet
from controller.cli.reconcile_args import (
    add_delete_arguments,
    add_emulator_argument,
    add_target_argument,
    neon_client,
    stdout_is_tty,
)
from controller.logs import configure_logging
from controller.reconcile.changed import (
    ChangedSinceError,
    changed_files,
    previous_plans,
    tenants_to_check,
)
from controller.reconcile.changeplan import ChangePlan
from controller.reconcile.desired import desired_fleet
from controller.reconcile.plan_file import plan_text
from controller.reconcile.planner import PlanOptions
from controller.reconcile.run import make_plan
from controller.render.markdown import render_markdown
from controller.render.text import render_text
from controller.spec.model import DesiredFleet


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "plan",
        help="show what apply would change (dry run)",
        description=(
            "Diff the fleet against the live Neon projects and print the change plan. The first "
            "line names the target: the Neon API host and org, or the embedded emulator."
        ),
    )
    add_fleet_dir_argument(parser)
    parser.add_argument(
        "--format", choices=("text", "json", "markdown"), default="text", help="output format"
    )
    parser.add_argument(
        "--out", type=Path, metavar="FILE", help="also save the plan to FILE for `apply FILE`"
    )
    parser.add_argument(
        "--detailed-exitcode",
        action="store_true",
        help="exit 0 when there is nothing to do, 2 when there are changes, 1 on error/conflict",
    )
    parser.add_argument(
        "--changed-since",
        metavar="REF",
        help=(
            "plan in full only the tenants whose files changed since git revision REF (every "
            "tenant of a changed plan; all when tenantctl.yaml changed); the others are "
            "checked against the project list only (for pull requests). Tenants moved to "
            "another pricing plan since REF show the move (starter -> growth)"
        ),
    )
    add_target_argument(parser)
    add_delete_arguments(parser)
    add_emulator_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    configure_logging(level=logging.WARNING)
    fleet = require_valid_fleet(args.fleet_dir)
    deep, moves = _changed_tenants(args.fleet_dir, args.changed_since, fleet)
    options = PlanOptions(
        allow_delete=args.allow_delete,
        max_deletes=args.max_deletes,
        targets=checked_targets(fleet, args.target),
        deep=deep,
        previous_plans=moves,
    )
    connection = connect(args.fleet_dir, command="plan", emulator_flag=args.emulator)
    desired = desired_fleet(fleet, org_id=connection.settings.org_id)

    async def planned() -> ChangePlan:
        async with neon_client(connection) as client:
            return (
                await make_plan(
                    client, desired, options, connection.target, marks=connection.mark_cache()
                )
            ).plan

    plan = asyncio.run(planned())
    print(render(plan, args.format), end="")
    if args.out is not None:
        write_atomically(args.out, plan_text(plan, connection.plan_key()))
    return exit_code(plan, detailed=args.detailed_exitcode)


def _changed_tenants(
    fleet_dir: Path, ref: str | None, fleet: DesiredFleet
) -> tuple[frozenset[str] | None, dict[str, str]]:
    """`--changed-since REF`: the tenants to plan in full (None: all, as without the flag),
    and the pricing plan each tenant moving between plans had at REF."""
    if ref is None:
        return None, {}
    try:
        changes = changed_files(fleet_dir, ref)
        return tenants_to_check(changes, fleet), previous_plans(fleet_dir, ref, changes, fleet)
    except ChangedSinceError as error:
        raise CommandError(str(error)) from None


def render(plan: ChangePlan, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(plan.to_json_dict(), indent=2, sort_keys=True) + "\n"
    if fmt == "markdown":
        return render_markdown(plan)
    return render_text(plan, color=stdout_is_tty())


def exit_code(plan: ChangePlan, *, detailed: bool) -> int:
    """Conflicts are errors; with --detailed-exitcode, pending changes exit 2."""
    if plan.conflicts or plan.problems:
        return EXIT_ERROR
    if detailed and plan.has_changes:
        return EXIT_CHANGES
    return EXIT_OK
