"""One reconcile run: observe, plan, and (for apply) execute, over one client.

The shell around the pure planner. `plan` and `apply` on the command line, the long-running
loop and the tests all go through these functions, so they behave the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from controller.neon.client import NeonClient
from controller.reconcile.apply_report import ApplyReport, TenantResult
from controller.reconcile.changeplan import ChangePlan, PlanTarget
from controller.reconcile.desired import DesiredFleetState
from controller.reconcile.executor import ApplyOptions, Executor
from controller.reconcile.mark_cache import MarkCache
from controller.reconcile.observe import Observer
from controller.reconcile.observed import ObservedFleet
from controller.reconcile.planner import PlanOptions, plan_changes


@dataclass(frozen=True)
class PlannedRun:
    """A plan, the observer that made it (its reads count as this run's verification), and
    what it observed (`tenantctl status` and `import` read the same observation)."""

    plan: ChangePlan
    observer: Observer
    observed: ObservedFleet | None = None


async def make_plan(
    client: NeonClient,
    desired: DesiredFleetState,
    options: PlanOptions,
    target: PlanTarget,
    *,
    marks: MarkCache | None = None,
) -> PlannedRun:
    """Observe the org within budget (reusing marks read before) and plan the fleet."""
    observer = Observer(client, marks=marks)
    observed = await observer.observe(desired, options)
    plan = plan_changes(desired, observed, options).model_copy(update={"target": target})
    return PlannedRun(plan=plan, observer=observer, observed=observed)


async def apply_plan(
    client: NeonClient,
    plan: ChangePlan,
    options: ApplyOptions,
    *,
    observer: Observer | None = None,
    on_result: Callable[[TenantResult], None] | None = None,
    marks: MarkCache | None = None,
) -> ApplyReport:
    """Execute a plan. Without the planning observer (a saved plan) ownership is re-read."""
    observer = observer or Observer(client, marks=marks)
    try:
        return await Executor(client, observer, options, on_result).apply(plan)
    finally:
        observer.save_marks()
