"""The planner, as a specification: identity, changes, safety rules, incremental observation."""

from __future__ import annotations

import dataclasses

from controller.reconcile.changeplan import ActionKind, ChangePlan, FieldChange
from controller.reconcile.observed import ObservedUsage, OwnershipMark
from controller.reconcile.planner import (
    MissingObservations,
    PlanOptions,
    missing_observations,
    plan_changes,
)
from controller.spec.model import Layer, TenantState
from tests.reconcile.builders import (
    FLEET,
    converged,
    endpoint_for,
    fleet,
    observed,
    project_for,
    simulate_apply,
    tenant,
)

GiB = 1024**3


def kinds(plan: ChangePlan) -> list[tuple[str, str]]:
    return [(a.tenant, a.kind.value) for a in plan.actions]


def test_empty_org_plans_one_create_per_tenant_with_ownership_mark() -> None:
    desired = fleet(tenant("acme"), tenant("globex", state=TenantState.SUSPENDED))
    plan = plan_changes(desired, observed(), PlanOptions())
    assert kinds(plan) == [("acme", "create"), ("globex", "create")]
    create = plan.actions[0].create
    assert create is not None
    assert create.annotations == {
        "tenantctl/managed-by": "tenantctl",
        "tenantctl/fleet": FLEET,
        "tenantctl/tenant": "acme",
    }
    assert plan.actions[1].create is not None
    assert plan.actions[1].create.suspended
    assert plan.summary() == (
        "Plan: 2 to create, 0 to update, 0 to suspend, 0 to resume, 0 to delete, 0 conflicts."
    )


def test_converged_fleet_plans_nothing() -> None:
    desired = fleet(tenant("acme"), tenant("globex", state=TenantState.SUSPENDED))
    live = converged(desired)
    assert not missing_observations(desired, live, PlanOptions())
    plan = plan_changes(desired, live, PlanOptions())
    assert plan.actions == ()
    assert plan.in_sync == ("acme", "globex")
    assert not plan.has_changes


def test_a_name_match_needs_its_computes_then_its_mark_only_when_something_changes() -> None:
    t = tenant("acme")
    live = observed(project_for(t))
    assert missing_observations(fleet(t), live, PlanOptions()) == MissingObservations(
        endpoints=frozenset({"proj-acme"})
    )
    with_computes = observed(
        project_for(t), endpoints={"proj-acme": [endpoint_for(t, "proj-acme")]}
    )
    assert not missing_observations(fleet(t), with_computes, PlanOptions())
    drifted = observed(
        project_for(t, values={"limits.storage": 5 * GiB}),
        endpoints={"proj-acme": [endpoint_for(t, "proj-acme")]},
    )
    assert missing_observations(fleet(t), drifted, PlanOptions()).marks == {"proj-acme"}


def test_quota_change_shows_old_new_and_layer_and_unlimited_clears_to_zero() -> None:
    t = tenant(
        "acme",
        values={"limits.storage": 10 * GiB},
        layers={"limits.compute_time": Layer.TENANT},
        units={"limits.storage": "GiB"},
    )
    live = converged(fleet(t))
    drifted = {"limits.storage": 5 * GiB, "limits.compute_time": 3600}
    project = dataclasses.replace(live.projects[0], values={**live.projects[0].values, **drifted})
    live = dataclasses.replace(live, projects=(project,))
    plan = plan_changes(fleet(t), live, PlanOptions())
    (update,) = plan.actions
    assert update.kind is ActionKind.UPDATE
    assert update.changes == (
        FieldChange(
            target="project",
            field="limits.storage",
            old=5 * GiB,
            new=10 * GiB,
            layer="plan",
            unit="GiB",
        ),
        FieldChange(target="project", field="limits.compute_time", old=3600, new=0, layer="tenant"),
    )
    assert update.plan == "pro"
    assert update.wanted is not None
    assert update.wanted["limits.compute_time"] == 0  # unlimited, Neon's 0


def test_existing_compute_gets_the_plans_autoscaling_not_only_the_project_defaults() -> None:
    t = tenant("acme", values={"compute.min_cu": 0.5, "compute.max_cu": 4.0})
    live = converged(fleet(tenant("acme")))
    plan = plan_changes(fleet(t), live, PlanOptions())
    (update,) = plan.actions
    fields = {(c.target, c.field, c.old, c.new) for c in update.changes}
    assert ("ep-proj-acme", "compute.min_cu", 0.25, 0.5) in fields
    assert ("ep-proj-acme", "compute.max_cu", 2.0, 4.0) in fields
    assert ("project", "compute.max_cu", 2.0, 4.0) in fields
    assert "restarts compute ep-proj-acme (compute.min_cu)" in update.effects


def test_suspend_and_resume_flip_every_compute() -> None:
    active = tenant("acme")
    suspended = tenant("acme", state=TenantState.SUSPENDED)
    live = converged(fleet(active))
    plan = plan_changes(fleet(suspended), live, PlanOptions())
    assert kinds(plan) == [("acme", "suspend")]
    assert plan.actions[0].changes[0].new is True
    back = plan_changes(fleet(active), simulate_apply(plan, live), PlanOptions())
    assert kinds(back) == [("acme", "resume")]


def test_region_or_pg_version_change_is_a_conflict_not_a_replacement() -> None:
    t = tenant("acme")
    live = converged(fleet(t))
    moved = tenant("acme", values={"region": "aws-eu-central-1", "limits.storage": GiB})
    plan = plan_changes(fleet(moved), live, PlanOptions())
    assert kinds(plan) == [("acme", "conflict")]
    assert plan.actions[0].changes[0].field == "region"
    assert "region is fixed at creation" in plan.actions[0].reason
    assert not plan.has_changes


def test_same_named_project_without_mark_is_a_conflict_suggesting_adoption() -> None:
    t = tenant("acme")
    p = project_for(t, "stranger-1", values={"limits.storage": GiB})
    live = observed(
        p, endpoints={"stranger-1": [endpoint_for(t, "stranger-1")]}, marks={"stranger-1": None}
    )
    plan = plan_changes(fleet(t), live, PlanOptions())
    (conflict,) = plan.actions
    assert conflict.kind is ActionKind.CONFLICT
    assert "adopt acme --project-id stranger-1" in conflict.reason


def test_renamed_project_is_found_by_its_mark_and_renamed_back_not_duplicated() -> None:
    t = tenant("acme")
    p = project_for(t, name="someone-renamed-me")
    live = observed(p, endpoints={p.project_id: [endpoint_for(t, p.project_id)]})
    assert missing_observations(fleet(t), live, PlanOptions()).marks == {p.project_id}
    live = dataclasses.replace(live, marks={p.project_id: OwnershipMark(FLEET, "acme")})
    plan = plan_changes(fleet(t), live, PlanOptions())
    assert kinds(plan) == [("acme", "update")]
    assert plan.actions[0].changes[0] == FieldChange(
        target="project", field="name", old="someone-renamed-me", new="acme"
    )


def test_removed_tenant_file_suspends_its_project_and_reports_it_orphaned() -> None:
    gone = tenant("gone")
    live = converged(fleet(gone))
    plan = plan_changes(fleet(), live, PlanOptions(allow_delete=True, max_deletes=10))
    assert kinds(plan) == [("gone", "suspend")]
    assert [o.tenant for o in plan.orphans] == ["gone"]
    again = plan_changes(fleet(), simulate_apply(plan, live), PlanOptions(allow_delete=True))
    assert again.actions == ()
    assert [o.tenant for o in again.orphans] == ["gone"]


def test_delete_needs_state_deleted_and_permission_and_respects_max_deletes() -> None:
    names = ["a1", "a2", "a3"]
    live = converged(fleet(*(tenant(n) for n in names)))
    doomed = fleet(*(tenant(n, state=TenantState.DELETED) for n in names))
    refused = plan_changes(doomed, live, PlanOptions())
    deletes = [a for a in refused.actions if a.kind is ActionKind.DELETE]
    assert [a.blocked for a in deletes] == ["deletion needs --allow-delete"] * 3
    allowed = plan_changes(doomed, live, PlanOptions(allow_delete=True, max_deletes=2))
    deletes = [a for a in allowed.actions if a.kind is ActionKind.DELETE]
    assert [a.blocked for a in deletes] == [None, None, "over --max-deletes 2 for one run"]


def test_unmanaged_projects_are_counted_and_never_touched() -> None:
    t = tenant("acme")
    stranger = project_for(tenant("other"), "stranger-9", name="their-app")
    live = observed(stranger)
    assert missing_observations(fleet(t), live, PlanOptions()).marks == {"stranger-9"}
    live = observed(stranger, marks={"stranger-9": None})
    plan = plan_changes(fleet(t), live, PlanOptions())
    assert kinds(plan) == [("acme", "create")]
    assert plan.unmanaged_projects == 1


def test_lowering_a_limit_below_usage_is_flagged() -> None:
    t = tenant(
        "acme",
        values={"limits.compute_time": 3600, "limits.storage": GiB},
        units={"limits.compute_time": "h"},
    )
    live = converged(fleet(tenant("acme")))
    assert missing_observations(fleet(t), live, PlanOptions()).usage == {"proj-acme"}
    usage = ObservedUsage(compute_time_seconds=7200, logical_size_bytes=2 * GiB + GiB // 2)
    live = dataclasses.replace(live, usage={"proj-acme": usage})
    (update,) = plan_changes(fleet(t), live, PlanOptions()).actions
    assert update.warnings == (
        "limits.storage 1GiB is at or below current usage 2.5GiB: Neon blocks writes at once",
        "limits.compute_time 1h is at or below current usage 2h: Neon suspends computes at once",
    )


def test_targets_limit_the_plan_to_named_tenants() -> None:
    desired = fleet(tenant("acme"), tenant("globex"))
    plan = plan_changes(desired, observed(), PlanOptions(targets=frozenset({"globex"})))
    assert kinds(plan) == [("globex", "create")]
    assert plan.targeted == ("globex",)


def test_adopted_project_is_matched_by_id_and_keeps_its_name() -> None:
    t = tenant("acme", project_id="legacy-42")
    p = project_for(t, "legacy-42", name="Legacy ACME DB")
    live = observed(p, endpoints={"legacy-42": [endpoint_for(t, "legacy-42")]})
    plan = plan_changes(fleet(t), live, PlanOptions())
    assert plan.actions == ()
    assert plan.in_sync == ("acme",)


def test_settings_the_project_list_does_not_report_are_not_compared_but_still_sent() -> None:
    from controller.reconcile.requests import project_update_request

    t = tenant("acme", values={"limits.storage": GiB, "history_retention": 604800})
    live = converged(fleet(tenant("acme")))
    values = dict(live.projects[0].values)
    for key in ("history_retention", "compute.min_cu", "compute.max_cu"):
        del values[key]
    unreported = dataclasses.replace(live.projects[0], values=values)
    live = dataclasses.replace(live, projects=(unreported,))
    (update,) = plan_changes(fleet(t), live, PlanOptions()).actions
    assert [c.field for c in update.changes] == ["limits.storage"]
    request = project_update_request(update)
    assert request is not None
    assert request.history_retention_seconds == 604800
    assert request.default_endpoint_settings is not None
    assert request.default_endpoint_settings.autoscaling_limit_max_cu == 2.0
    assert request.name is None  # the name is only sent when it changes


def test_orphans_are_only_reported_when_the_fleet_name_was_not_declared() -> None:
    gone = converged(fleet(tenant("gone")))
    undeclared = dataclasses.replace(fleet(), fleet_declared=False)
    plan = plan_changes(undeclared, gone, PlanOptions())
    assert plan.actions == ()
    (orphan,) = plan.orphans
    assert orphan.held is not None
    assert orphan.held.startswith("not suspended: this fleet has no `fleet:` name")


def test_a_renamed_fleet_is_one_problem_not_one_conflict_per_tenant() -> None:
    tenants = [tenant(name) for name in ("a1", "a2", "a3")]
    live = converged(fleet(*tenants, name="old-name"))
    plan = plan_changes(fleet(*tenants, name="new-name"), live, PlanOptions())
    assert plan.conflicts == ()
    (problem,) = plan.problems
    assert problem.startswith(
        "the fleet is named 'new-name' (tenantctl.yaml), but the projects of 3 tenant(s) "
        "(a1, a2, a3) carry ownership marks of fleet 'old-name'."
    )
    assert "set `fleet: old-name` back in tenantctl.yaml" in problem
    assert not plan.has_changes
    assert plan.summary().endswith("0 to delete, 1 conflict.")


def test_an_idle_cycle_reads_only_the_list_and_claims_nothing_it_did_not_read() -> None:
    """`PlanOptions(deep=frozenset())`: the controller loop's idle cycle."""
    acme, globex, old = tenant("acme"), tenant("globex"), tenant("old")
    desired = fleet(acme, globex)
    drifted = project_for(globex, values={"limits.storage": GiB})  # the list shows this
    orphan = project_for(old)
    live = observed(
        project_for(acme),
        drifted,
        orphan,
        marks={
            "proj-acme": OwnershipMark(FLEET, "acme"),
            "proj-globex": OwnershipMark(FLEET, "globex"),
            "proj-old": OwnershipMark(FLEET, "old"),
        },
    )
    idle = PlanOptions(deep=frozenset())
    # Computes are read only where the list shows drift.
    assert missing_observations(desired, live, idle) == MissingObservations(
        endpoints=frozenset({"proj-globex"})
    )
    full = converged(desired)
    seen = dataclasses.replace(live, endpoints={"proj-globex": full.endpoints["proj-globex"]})
    plan = plan_changes(desired, seen, idle)
    assert kinds(plan) == [("globex", "update")]
    assert plan.list_level_only == ("acme",)
    assert plan.in_sync == ()
    (held,) = plan.orphans
    assert held.held is not None
    assert held.held.startswith("not checked beyond the project list")
    # Planned in full for the orphan's tenant, its running computes are suspended.
    deep = PlanOptions(deep=frozenset({"old"}))
    assert missing_observations(desired, seen, deep).endpoints == {"proj-old"}
