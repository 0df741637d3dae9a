"""Hypothesis properties of the planner: convergence, determinism, order independence, safety."""

from __future__ import annotations

import dataclasses
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from controller.reconcile.changeplan import ActionKind
from controller.reconcile.desired import DesiredFleetState
from controller.reconcile.observed import ObservedFleet, ObservedUsage, OwnershipMark
from controller.reconcile.planner import PlanOptions, missing_observations, plan_changes
from controller.spec.managed import QUOTAS
from controller.spec.model import ResolvedTenant, TenantState
from tests.reconcile.builders import (
    FLEET,
    endpoint_for,
    project_for,
    replica_for,
    simulate_apply,
    tenant,
)

TENANT_IDS = ["acme", "beta", "corp", "dyn", "echo", "fox"]
SCENARIOS = [
    "missing",
    "converged",
    "drifted",
    "renamed",
    "stranger",
    "adopted",
    "renamed_name_taken",
    "twins",
]

quotas = st.fixed_dictionaries(
    {field.key: st.sampled_from([0, 3600, 10 * 1024**3]) for field in QUOTAS}
)
sizes = st.sampled_from([(0.25, 1.0), (0.25, 2.0), (1.0, 4.0), (2.0, 8.0)])
address_lists = st.lists(st.sampled_from(["203.0.113.0/24", "198.51.100.7", "2001:db8::/32"]))


@st.composite
def tenants(draw: st.DrawFn, tenant_id: str) -> ResolvedTenant:
    min_cu, max_cu = draw(sizes)
    values = {
        **draw(quotas),
        "compute.min_cu": min_cu,
        "compute.max_cu": max_cu,
        "compute.suspend_timeout": draw(st.sampled_from([-1, 0, 300])),
        "compute.pg_settings": draw(st.sampled_from([{}, {"work_mem": "64MB"}])),
        "network.allowed_ips": draw(address_lists),
        "network.block_public_connections": draw(st.booleans()),
        "logical_replication": draw(st.sampled_from([None, True, False])),
        "read_replicas.count": draw(st.integers(0, 2)),
    }
    return tenant(tenant_id, state=draw(st.sampled_from(list(TenantState))), values=values)


def _add(
    world: dict[str, dict],
    project: object,
    endpoint: object,
    mark: OwnershipMark | None,
    *replicas: object,
) -> None:
    pid = project.project_id  # type: ignore[attr-defined]
    world["projects"][pid] = project
    world["endpoints"][pid] = (endpoint, *replicas)
    world["marks"][pid] = mark


@st.composite
def worlds(draw: st.DrawFn) -> tuple[DesiredFleetState, ObservedFleet]:
    """A desired fleet and a fully observed org: converged, drifted, renamed, missing, foreign,
    adopted, same-named and wrongly bound projects, in any project-id order."""
    ids = draw(st.lists(st.sampled_from(TENANT_IDS), unique=True, max_size=len(TENANT_IDS)))
    world: dict[str, dict] = {"projects": {}, "endpoints": {}, "marks": {}}
    desired_tenants = {}
    for tid in ids:
        t = draw(tenants(tid))
        scenario = draw(st.sampled_from(SCENARIOS))
        if scenario == "adopted":
            t = dataclasses.replace(t, project_id=f"adopted-{tid}")
        desired_tenants[tid] = t
        if scenario == "missing":
            continue
        live_t = t if scenario in ("converged", "adopted") else draw(tenants(tid))
        pid = t.project_id or draw(st.sampled_from([f"proj-{tid}", f"zz-{tid}"]))
        renamed = scenario in ("renamed", "renamed_name_taken")
        mark = None if scenario in ("stranger", "adopted") else OwnershipMark(FLEET, tid)
        project = project_for(live_t, pid, name=f"renamed-{tid}" if renamed else t.project_name)
        count = draw(st.integers(0, 2))
        replicas = [replica_for(live_t, pid, i) for i in range(1, count + 1)]
        _add(world, project, endpoint_for(live_t, pid), mark, *replicas)
        if scenario in ("renamed_name_taken", "twins"):
            other = draw(st.sampled_from([f"aa-{tid}", f"zzz-{tid}"]))
            _add(world, project_for(live_t, other), endpoint_for(live_t, other), None)
    marked = sorted(pid for pid, m in world["marks"].items() if m and m.fleet == FLEET)
    hijackers = [tid for tid in ids if desired_tenants[tid].project_id is None]
    if marked and hijackers and draw(st.booleans()):
        # A tenant file whose project_id points at a project marked for another tenant.
        tid, target = draw(st.sampled_from(hijackers)), draw(st.sampled_from(marked))
        if world["marks"][target].tenant_id != tid:
            desired_tenants[tid] = dataclasses.replace(desired_tenants[tid], project_id=target)
    for orphan in draw(st.lists(st.sampled_from(["old1", "old2"]), unique=True)):
        t = draw(tenants(orphan))
        pid = f"proj-{orphan}"
        _add(world, project_for(t, pid), endpoint_for(t, pid), OwnershipMark(FLEET, orphan))
    for n in range(draw(st.integers(0, 2))):
        t = draw(tenants(f"u{n}"))
        pid = f"unmanaged-{n}"
        mark = draw(st.sampled_from([None, OwnershipMark("other-fleet", "x")]))
        _add(world, project_for(t, pid, name=f"app-{n}"), endpoint_for(t, pid), mark)
    usage = {
        pid: ObservedUsage(compute_time_seconds=draw(st.integers(0, 8000)))
        for pid in world["projects"]
    }
    desired = DesiredFleetState(fleet=FLEET, tenants=desired_tenants)
    live = ObservedFleet(
        projects=tuple(world["projects"].values()),
        endpoints=world["endpoints"],
        marks=world["marks"],
        usage=usage,
    )
    return desired, live


def observe_incrementally(
    desired: DesiredFleetState, truth: ObservedFleet, opts: PlanOptions
) -> ObservedFleet:
    """What the Observer does: start from the list, read only what the planner asks for."""
    seen = ObservedFleet(projects=truth.projects)
    for _ in range(6):
        missing = missing_observations(desired, seen, opts)
        if not missing:
            return seen
        seen = dataclasses.replace(
            seen,
            endpoints={**seen.endpoints, **{p: truth.endpoints[p] for p in missing.endpoints}},
            marks={**seen.marks, **{p: truth.marks[p] for p in missing.marks}},
            usage={**seen.usage, **{p: truth.usage[p] for p in missing.usage}},
        )
    raise AssertionError("observation did not settle")


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

    # Applying never creates a new conflict (a conflict's wording may change, e.g. when the
    # project it names was deleted for its own tenant).
    assert {a.tenant for a in replan.conflicts} <= {a.tenant for a in plan.conflicts}
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
    project_deletes = [a for a in deletes if a.endpoint_id is None]
    assert len(project_deletes) <= opts.max_deletes
    for action in project_deletes:
        assert desired.tenants[action.tenant].state is TenantState.DELETED
    for action in deletes:  # a read replica removed is one of tenantctl's, beyond the count
        if action.endpoint_id is not None:
            tenant = desired.tenants[action.tenant]
            computes = {e.endpoint_id: e for e in live.endpoints[action.project_id or ""]}
            index = int((computes[action.endpoint_id].name or "").rsplit("-", 1)[1])
            assert index > tenant.value("read_replicas.count")


@settings(max_examples=500, deadline=None)
@given(worlds(), options)
def test_incremental_observation_plans_what_full_knowledge_plans(
    world: tuple[DesiredFleetState, ObservedFleet], opts: PlanOptions
) -> None:
    desired, truth = world
    seen = observe_incrementally(desired, truth, opts)

    def runnable(plan: object) -> list[tuple[str, str, str | None]]:
        return [(a.tenant, a.kind.value, a.project_id) for a in plan.actions if a.runnable]  # type: ignore[attr-defined]

    assert runnable(plan_changes(desired, seen, opts)) == runnable(
        plan_changes(desired, truth, opts)
    )


@settings(max_examples=300, deadline=None)
@given(worlds(), options)
def test_never_acts_on_a_project_marked_for_another_tenant_and_never_duplicates(
    world: tuple[DesiredFleetState, ObservedFleet], opts: PlanOptions
) -> None:
    desired, truth = world
    seen = observe_incrementally(desired, truth, opts)
    plan = plan_changes(desired, seen, opts)
    for action in plan.actions:
        mark = truth.marks.get(action.project_id or "")
        if action.runnable and mark is not None:
            assert (mark.fleet, mark.tenant_id) == (FLEET, action.tenant), action
    after = simulate_apply(plan, truth)
    owners = [m.tenant_id for m in after.marks.values() if m is not None and m.fleet == FLEET]
    created = [a.tenant for a in plan.actions if a.kind is ActionKind.CREATE and a.runnable]
    for tenant_id in created:
        assert owners.count(tenant_id) == 1, (tenant_id, plan.actions)


@settings(max_examples=300, deadline=None)
@given(worlds(), options, st.data())
def test_a_deep_plan_plans_for_its_deep_tenants_what_a_full_plan_plans(
    world: tuple[DesiredFleetState, ObservedFleet], opts: PlanOptions, data: st.DataObject
) -> None:
    desired, truth = world
    marked = {m.tenant_id for m in truth.marks.values() if m is not None and m.fleet == FLEET}
    ids = sorted({*desired.tenants, *marked})
    deep = frozenset(data.draw(st.lists(st.sampled_from(ids), unique=True))) if ids else frozenset()
    shallow = dataclasses.replace(opts, deep=deep)
    full = plan_changes(desired, observe_incrementally(desired, truth, opts), opts)
    seen = observe_incrementally(desired, truth, shallow)
    partial = plan_changes(desired, seen, shallow)

    def runnable(plan: object, tenants: frozenset[str] | None = None) -> list[object]:
        return [
            (a.tenant, a.kind.value, a.project_id, a.endpoint_id, a.changes)
            for a in plan.actions  # type: ignore[attr-defined]
            if a.runnable and (tenants is None or a.tenant in tenants)
        ]

    assert runnable(partial, deep) == runnable(full, deep)
    # Outside `deep`, only what the project list shows is planned, and planned in full.
    assert all(action in runnable(full) for action in runnable(partial))
    # A tenant checked at list level only is never claimed in sync, and has nothing to do.
    unread = set(partial.list_level_only)
    assert not unread & (set(partial.in_sync) | deep)
    assert not unread & {a.tenant for a in partial.actions}
