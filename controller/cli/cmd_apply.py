"""`tenantctl apply [PLANFILE]`: make live Neon match the fleet, or carry out a saved plan."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from controller.cli.apply_lock import apply_lock
from controller.cli.common import EXIT_ERROR, EXIT_OK, CommandError, add_fleet_dir_argument
from controller.cli.connection import Connection, connect
from controller.cli.fleet_loading import checked_targets, require_valid_fleet
from controller.cli.reconcile_args import (
    add_batch_arguments,
    add_delete_arguments,
    add_emulator_argument,
    add_target_argument,
    batch_options,
    neon_client,
    stdout_is_tty,
)
from controller.logs import configure_logging, get_logger
from controller.reconcile.apply_report import ApplyReport, TenantResult
from controller.reconcile.changeplan import ChangePlan, PlanFileError, load_plan_json
from controller.reconcile.desired import DesiredFleetState, desired_fleet
from controller.reconcile.executor import ApplyOptions
from controller.reconcile.planner import PlanOptions
from controller.reconcile.run import apply_plan, make_plan
from controller.render.text import render_text

_log = get_logger("apply")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "apply",
        help="create, update, suspend or delete projects until Neon matches the fleet",
        description=(
            "Without PLANFILE: plan, show the plan and apply it (asks on a terminal; elsewhere "
            "needs --yes). With PLANFILE (from `plan --out`): apply exactly that plan, refusing "
            "tenants whose live state changed since it was made."
        ),
    )
    parser.add_argument("planfile", nargs="?", type=Path, metavar="PLANFILE")
    add_fleet_dir_argument(parser)
    parser.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    add_emulator_argument(parser)
    add_target_argument(parser)
    add_delete_arguments(parser)
    add_batch_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # A terminal gets a progress bar; elsewhere each tenant's outcome is a structured log line.
    configure_logging(level=logging.WARNING if sys.stderr.isatty() else logging.INFO)
    options = ApplyOptions(
        allow_delete=args.allow_delete,
        max_deletes=args.max_deletes,
        check_staleness=args.planfile is not None,
        **batch_options(args),
    )
    if args.planfile is not None:
        connection = connect(args.fleet_dir, for_apply=True, emulator_flag=args.emulator)
        try:
            plan = _saved_plan(args.planfile, connection, args.target)
            with apply_lock(connection.state_dir):
                report: ApplyReport | None = asyncio.run(_apply_saved(connection, plan, options))
        finally:
            connection.close()
    else:
        fleet = require_valid_fleet(args.fleet_dir)  # before anything is created or contacted
        plan_options = PlanOptions(
            allow_delete=args.allow_delete,
            max_deletes=args.max_deletes,
            targets=checked_targets(fleet, args.target),
        )
        connection = connect(args.fleet_dir, for_apply=True, emulator_flag=args.emulator)
        desired = desired_fleet(fleet, org_id=connection.settings.org_id)
        try:
            with apply_lock(connection.state_dir):
                report = asyncio.run(
                    _plan_and_apply(connection, desired, plan_options, options, args.yes)
                )
        finally:
            connection.close()
    if report is None:
        return EXIT_OK
    print(report.render(), end="")
    return EXIT_OK if report.ok else EXIT_ERROR


async def _plan_and_apply(
    connection: Connection,
    desired: DesiredFleetState,
    plan_options: PlanOptions,
    options: ApplyOptions,
    yes: bool,
) -> ApplyReport | None:
    """Plan, show, confirm, apply; None when there was nothing to do."""
    async with neon_client(connection) as client:
        planned = await make_plan(
            client, desired, plan_options, connection.target, marks=connection.mark_cache()
        )
        print(render_text(planned.plan, color=stdout_is_tty()), end="")
        if not planned.plan.actions:
            return None
        if planned.plan.has_changes and not await _confirmed(yes):
            raise CommandError("apply cancelled; nothing was changed")
        with _progress(planned.plan) as on_result:
            return await apply_plan(
                client, planned.plan, options, observer=planned.observer, on_result=on_result
            )


async def _apply_saved(
    connection: Connection, plan: ChangePlan, options: ApplyOptions
) -> ApplyReport:
    print(f"Applying saved plan for fleet {plan.fleet!r} to {connection.target.describe()}")
    print(plan.summary())
    async with neon_client(connection) as client:
        with _progress(plan) as on_result:
            marks = connection.mark_cache()
            return await apply_plan(client, plan, options, on_result=on_result, marks=marks)


def _saved_plan(path: Path, connection: Connection, targets: list[str] | None) -> ChangePlan:
    """Load a plan file, refusing one made for another target; `--target` narrows it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"cannot read plan file {path}: {error}") from None
    try:
        plan = load_plan_json(text, source=str(path))
    except PlanFileError as error:
        raise CommandError(str(error)) from None
    if plan.target is None:
        raise CommandError(f"{path} does not say which Neon it was planned against; plan again")
    if plan.target != connection.target:
        same_place = plan.target.describe() == connection.target.describe()
        planned = "another API key" if same_place else plan.target.describe()
        raise CommandError(
            f"{path} was planned against {planned}, but the current target is "
            f"{connection.target.describe()}; plan again for this target"
        )
    if targets:
        unknown = sorted(set(targets) - {a.tenant for a in plan.actions})
        if unknown:
            raise CommandError(f"--target {unknown[0]}: the plan has no action for that tenant")
        actions = tuple(a for a in plan.actions if a.tenant in targets)
        plan = plan.model_copy(update={"actions": actions})
    return plan


async def _confirmed(yes: bool) -> bool:
    if yes:
        return True
    if not sys.stdin.isatty():
        raise CommandError("apply needs --yes when not run on a terminal (nothing was changed)")
    answer = await asyncio.to_thread(input, "Apply these changes? Only 'yes' will be accepted: ")
    return answer.strip() == "yes"


@contextmanager
def _progress(plan: ChangePlan) -> Iterator[Callable[[TenantResult], None]]:
    """A progress bar on a terminal (stderr); elsewhere one structured log line per tenant."""
    if not sys.stderr.isatty():
        yield lambda r: _log.info(
            "apply_tenant_result", tenant=r.tenant, outcome=r.outcome.value, message=r.message
        )
        return
    from rich.console import Console
    from rich.progress import Progress

    tenants = len({(a.tenant, a.project_id) for a in plan.actions})
    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("Applying", total=tenants)
        yield lambda _r: progress.advance(task)
