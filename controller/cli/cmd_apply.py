"""`tenantctl apply [PLANFILE]`: make live Neon match the fleet, or carry out a saved plan.

What people and CI see: the plan first (stdout; stderr with `--format json`), then one line per
tenant as each finishes and, off a terminal, a progress line at least every 10 s; the summary
last. `--format json` prints the versioned apply report on stdout instead, and `--report FILE`
also writes it to a file, so a CI job parses results rather than logs. Structured logs go to
stderr and are quiet unless `--verbose`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, TextIO

from controller.cli.apply_lock import apply_lock
from controller.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    CommandError,
    add_fleet_dir_argument,
    add_log_arguments,
    configure_command_logging,
    write_atomically,
)
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
from controller.localfiles import read_regular_file
from controller.reconcile.apply_report import ApplyReport, TenantResult
from controller.reconcile.changeplan import ChangePlan, PlanTarget
from controller.reconcile.desired import DesiredFleetState, desired_fleet
from controller.reconcile.executor import ApplyOptions
from controller.reconcile.plan_file import PlanFileError, load_plan
from controller.reconcile.planner import PlanOptions
from controller.reconcile.run import apply_plan, make_plan
from controller.render.text import render_text
from controller.untrusted import terminal

PROGRESS_EVERY_SECONDS = 10.0
MAX_PLAN_FILE_BYTES = 64 * 1024 * 1024


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "apply",
        help="create, update, suspend or delete projects until Neon matches the fleet",
        description=(
            "Without PLANFILE: plan, show the plan and apply it (asks on a terminal; elsewhere "
            "needs --yes). With PLANFILE (from `plan --out`): apply exactly that plan, refusing "
            "an edited plan file as a whole and tenants whose live state changed since it was "
            "made."
        ),
    )
    parser.add_argument("planfile", nargs="?", type=Path, metavar="PLANFILE")
    add_fleet_dir_argument(parser)
    parser.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text for people (default); json prints the apply report on stdout",
    )
    parser.add_argument(
        "--report", type=Path, metavar="FILE", help="also write the JSON apply report to FILE"
    )
    add_emulator_argument(parser)
    add_target_argument(parser)
    add_delete_arguments(parser)
    add_log_arguments(parser)
    add_batch_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    configure_command_logging(args)
    options = ApplyOptions(
        allow_delete=args.allow_delete,
        max_deletes=args.max_deletes,
        check_staleness=args.planfile is not None,
        **batch_options(args),
    )
    human = sys.stderr if args.format == "json" else sys.stdout
    report: ApplyReport | None
    if args.planfile is not None:
        connection = connect(args.fleet_dir, for_apply=True, emulator_flag=args.emulator)
        try:
            plan = _saved_plan(args.planfile, connection, args.target)
            with apply_lock(connection.state_dir):
                report = asyncio.run(_apply_saved(connection, plan, options, human))
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
                plan, report = asyncio.run(
                    _plan_and_apply(connection, desired, plan_options, options, args.yes, human)
                )
        finally:
            connection.close()
    forget_usage_readings(connection, report)
    _publish(report, plan, args, human)
    ok = (report is None or report.ok) and not plan.problems
    return EXIT_OK if ok else EXIT_ERROR


def _publish(
    report: ApplyReport | None, plan: ChangePlan, args: argparse.Namespace, human: TextIO
) -> None:
    """The summary for people, the JSON report for machines."""
    final = report or ApplyReport(results=())
    document = json.dumps(
        final.to_json_dict(fleet=plan.fleet, target=plan.target, problems=plan.problems),
        indent=2,
        sort_keys=True,
    )
    if args.report is not None:
        write_atomically(args.report, document + "\n")
    if args.format == "json":
        print(document)
    if report is not None:
        print(report.summary(), file=human)


async def _plan_and_apply(
    connection: Connection,
    desired: DesiredFleetState,
    plan_options: PlanOptions,
    options: ApplyOptions,
    yes: bool,
    human: TextIO,
) -> tuple[ChangePlan, ApplyReport | None]:
    """Plan, show, confirm, apply; no report when there was nothing to do."""
    async with neon_client(connection) as client:
        planned = await make_plan(
            client, desired, plan_options, connection.target, marks=connection.mark_cache()
        )
        print(render_text(planned.plan, color=stdout_is_tty()), end="", file=human)
        if not planned.plan.actions:
            return planned.plan, None
        if planned.plan.has_changes and not await _confirmed(yes):
            raise CommandError("apply cancelled; nothing was changed")
        async with _progress(planned.plan, human) as on_result:
            report = await apply_plan(
                client, planned.plan, options, observer=planned.observer, on_result=on_result
            )
        return planned.plan, report


async def _apply_saved(
    connection: Connection, plan: ChangePlan, options: ApplyOptions, human: TextIO
) -> ApplyReport:
    target = terminal(connection.target.describe())
    print(f"Applying saved plan for fleet '{terminal(plan.fleet)}' to {target}", file=human)
    print(plan.summary(), file=human)
    async with neon_client(connection) as client, _progress(plan, human) as on_result:
        marks = connection.mark_cache()
        return await apply_plan(client, plan, options, on_result=on_result, marks=marks)


def _saved_plan(path: Path, connection: Connection, targets: list[str] | None) -> ChangePlan:
    """Load and authenticate a plan file for this target; `--target` narrows it."""
    try:
        text = read_regular_file(path, MAX_PLAN_FILE_BYTES)
    except OSError as error:
        raise CommandError(f"cannot read plan file {path}: {error.strerror or error}") from None
    planned_for = _planned_target(text)
    if planned_for is not None and planned_for != connection.target:
        same_place = planned_for.describe() == connection.target.describe()
        planned = "another API key" if same_place else terminal(planned_for.describe())
        raise CommandError(
            f"{path} was planned against {planned}, but the current target is "
            f"{connection.target.describe()}; plan again for this target"
        )
    try:
        plan = load_plan(text, source=str(path), key=connection.plan_key())
    except PlanFileError as error:
        raise CommandError(str(error)) from None
    if targets:
        unknown = sorted(set(targets) - {a.tenant for a in plan.actions})
        if unknown:
            raise CommandError(f"--target {unknown[0]}: the plan has no action for that tenant")
        actions = tuple(a for a in plan.actions if a.tenant in targets)
        plan = plan.model_copy(update={"actions": actions})
    return plan


def _planned_target(text: str) -> PlanTarget | None:
    """The `target` a plan file names, for a clear message before its signature is checked."""
    try:
        data = json.loads(text)
        return PlanTarget.model_validate(data["target"])
    except (ValueError, TypeError, KeyError):
        return None


async def _confirmed(yes: bool) -> bool:
    if yes:
        return True
    if not sys.stdin.isatty():
        raise CommandError("apply needs --yes when not run on a terminal (nothing was changed)")
    answer = await asyncio.to_thread(input, "Apply these changes? Only 'yes' will be accepted: ")
    return answer.strip() == "yes"


def forget_usage_readings(connection: Connection, report: ApplyReport | None) -> None:
    """Readings cached by `usage` for the tenants apply changed may now give stale advice."""
    if report is None or connection.state_dir is None:
        return
    from controller.usage.cache import forget_tenants

    changed = [r.tenant for r in report.results if r.outcome.value == "applied"]
    forget_tenants(connection.state_dir, changed)


@asynccontextmanager
async def _progress(
    plan: ChangePlan, human: TextIO
) -> AsyncIterator[Callable[[TenantResult], None]]:
    """A progress bar on a terminal; elsewhere one line per tenant as it finishes, and a
    progress line at least every PROGRESS_EVERY_SECONDS on long runs."""
    total = len({(a.tenant, a.project_id) for a in plan.actions})
    if sys.stderr.isatty() and human.isatty():
        with _bar(total) as advance:

            def shown(result: TenantResult) -> None:
                advance()
                print(result.line(), file=human)

            yield shown
        return
    done: list[TenantResult] = []
    started = time.monotonic()

    async def tick() -> None:
        while True:
            await asyncio.sleep(PROGRESS_EVERY_SECONDS)
            failed = sum(1 for r in done if r.outcome.value == "failed")
            elapsed = int(time.monotonic() - started)
            print(
                f"progress: {len(done)}/{total} tenants done, {failed} failed, {elapsed}s",
                file=human,
                flush=True,
            )

    def finished(result: TenantResult) -> None:
        done.append(result)
        print(result.line(), file=human, flush=True)

    ticker = asyncio.ensure_future(tick())
    try:
        yield finished
    finally:
        ticker.cancel()


@contextmanager
def _bar(total: int) -> Iterator[Callable[[], None]]:
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("Applying", total=total)
        yield lambda: progress.advance(task)
