"""Hypothesis properties of the planner: convergence, determinism, order independence, safety."""

from __future__ import annotations

import dataclasses
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from controller.reconcile.changeplan import ActionKind
from controller.reconcile.desired import QUOTA_FIELDS, DesiredFleetState, DesiredTenant
from controller.reconcile.observed import ObservedFleet, ObservedUsage, OwnershipMark
from controller.reconcile.planner import PlanOptions, missing_observations, plan_changes
from controller.spec.model import TenantState
from tests.reconcile.builders import FLEET, endpoint_for, project_for, simulate_apply, tenant

TENANT_IDS = ["acme", "beta", "corp", "dyn", "echo", "fox"]
SCENARIOS = ["missing", "converged", "drifted", "renamed", "stranger", "adopted"]

quotas = st.fixed_dictionaries(
    {name: st.sampled_from([0, 3600, 10 * 1024**3]) for name in QUOTA_FIELDS}
)
sizes = st.sampled_from([(0.25, 1.0), (0.25, 2.0), (1.0, 4.0), (2.0, 8.0)])


@st.composite
def tenants(draw: st.DrawFn, tenant_id: str) -> DesiredTenant:
    min_cu, max_cu = draw(sizes)
    return tenant(
        tenant_id,
        state=draw(st.sampled_from(list(TenantState))),
        quota=draw(quotas),
        min_cu=min_cu,
        max_cu=max_cu,
        suspend_timeout_seconds=draw(st.sampled_from([-1, 0, 300])),
    )


@st.composite
def worlds(draw: st.DrawFn) -> tuple[DesiredFleetState, ObservedFleet]:
    """A desired fleet and a fully observed org: converged, drifted, missing, foreign projects."""
    ids = draw(st.lists(st.sampled_from(TENANT_IDS), unique=True, max_size=len(TENANT_IDS)))
    desired_tenants, projects, endpoints, marks = {}, [], {}, {}
    for tid in ids:
        t = draw(tenants(tid))
        scenario = draw(st.sampled_from(SCENARIOS))
        if scenario == "adopted":
            t = dataclasses.replace(t, project_id=f"adopted-{tid}")
        desired_tenants[tid] = t
        if scenario == "missing":
            continue
        live_t = draw(tenants(tid)) if scenario in ("drifted", "renamed", "stranger") else t
        pid = t.project_id or f"proj-{tid}"
        name = f"renamed-{tid}" if scenario == "renamed" else t.project_name
        projects.append(project_for(live_t, pid, name=name))
        endpoints[pid] = (endpoint_for(live_t, pid),)
        marks[pid] = {
            "stranger": None,
            "adopted": None,
        }.get(scenario, OwnershipMark(FLEET, tid))
    for orphan in draw(st.lists(st.sampled_from(["old1", "old2"]), unique=True)):
        t = draw(tenants(orphan))
        projects.append(project_for(t, f"proj-{orphan}"))
        endpoints[f"proj-{orphan}"] = (endpoint_for(t, f"proj-{orphan}"),)
        marks[f"proj-{orphan}"] = OwnershipMark(FLEET, orphan)
    for n in range(draw(st.integers(0, 2))):
        t = draw(tenants(f"u{n}"))
        projects.append(project_for(t, f"unmanaged-{n}", name=f"app-{n}"))
        endpoints[f"unmanaged-{n}"] = (endpoint_for(t, f"unmanaged-{n}"),)
        marks[f"unmanaged-{n}"] = draw(st.sampled_from([None, OwnershipMark("other-fleet", "x")]))
    usage = {
        p.project_id: ObservedUsage(compute_time_seconds=draw(st.integers(0, 8000)))
        for p in projects
    }
    desired = DesiredFleetState(fleet=FLEET, tenants=desired_tenants)
    live = ObservedFleet(projects=tuple(projects), endpoints=endpoints, marks=marks, usage=usage)
    return desired, live


options = st.builds(PlanOptions, allow_delete=st.booleans(), max_deletes=st.integers(0, 3))


@settings(max_examples=300, deadline=None)
@given(worlds(), options)
def test_applying_a_plan_converges(
    world: tuple[DesiredFleetState, ObservedFleet], opts: PlanOptions
) -> None:
    desired, live = world
    assert not missing_observations(desired, live, opts)
    plan = plan_changes(desired, live, opts)
    after = simulate_apply(plan, live)
    assert not missing_observations(desired, after, opts)
    replan = plan_changes(desired, after, opts)
    # Only deletes held back by --max-deletes may remain; each run makes progress on them.
    assert {a.kind for a in replan.actions if a.runnable} <= {ActionKind.DELETE}, replan.actions
    assert replan.conflicts == plan.conflicts
    rounds = 0
    while replan.has_changes:
        rounds += 1
        assert rounds <= len(TENANT_IDS)
        after = simulate_apply(replan, after)
        replan = plan_changes(desired, after, opts)


@settings(max_examples=200, deadline=None)
@given(worlds())
def test_a_converged_fleet_plans_no_changes(world: tuple[DesiredFleetState, ObservedFleet]) -> None:
    desired, live = world
    opts = PlanOptions(allow_delete=True, max_deletes=100)
    after = simulate_apply(plan_changes(desired, live, opts), live)
    assert (
        plan_changes(desired, after, opts).actions == plan_changes(desired, after, opts).conflicts
    )


@settings(max_examples=200, deadline=None)
@given(worlds(), options, st.randoms(use_true_random=False))
def test_plans_are_deterministic_and_independent_of_order(
    world: tuple[DesiredFleetState, ObservedFleet], opts: PlanOptions, rng: random.Random
) -> None:
    desired, live = world
    items = list(desired.tenants.items())
    rng.shuffle(items)
    shuffled_desired = dataclasses.replace(desired, tenants=dict(items))
    projects = list(live.projects)
    rng.shuffle(projects)
    shuffled_live = dataclasses.replace(
        live,
        projects=tuple(projects),
        endpoints=dict(sorted(live.endpoints.items(), reverse=True)),
        marks=dict(sorted(live.marks.items(), key=lambda kv: kv[0], reverse=True)),
    )
    first = plan_changes(desired, live, opts)
    assert plan_changes(desired, live, opts) == first
    assert plan_changes(shuffled_desired, shuffled_live, opts) == first


@settings(max_examples=300, deadline=None)
@given(worlds(), options)
def test_never_acts_on_unmanaged_projects_nor_deletes_without_permission(
    world: tuple[DesiredFleetState, ObservedFleet], opts: PlanOptions
) -> None:
    desired, live = world
    plan = plan_changes(desired, live, opts)
    unmanaged = {pid for pid, mark in live.marks.items() if mark is None or mark.fleet != FLEET} - {
        t.project_id for t in desired.tenants.values()
    }
    runnable = [a for a in plan.actions if a.runnable]
    assert not {a.project_id for a in runnable} & unmanaged
    deletes = [a for a in runnable if a.kind is ActionKind.DELETE]
    if not opts.allow_delete:
        assert deletes == []
    assert len(deletes) <= opts.max_deletes
    for action in deletes:
        assert desired.tenants[action.tenant].state is TenantState.DELETED
