"""The planner: one pure function from (desired fleet, observed fleet) to a ChangePlan.

No I/O, no clock, no logging. Observation is incremental: `missing_observations` says which
further reads the plan depends on (computes of matched projects, ownership marks of projects
about to be changed or not yet claimed, usage of projects whose limits go down, and the recent
operations and usage of projects that look unhealthy: controller.reconcile.health). The shell reads
them and plans again; a plan is only final once nothing is missing.

Depth (`PlanOptions.deep`): a tenant outside `deep` is compared only on what the project list
reports (its project exists, is named right, has the wanted project settings). Where that shows
a difference, it is planned in full like any other; where it does not, its computes are not
read and it is reported as checked at list level only (`ChangePlan.list_level_only`), never as
in sync. Orphans outside `deep` are reported without reading their computes. This is what
`plan --changed-since` and the controller loop's idle cycles use; a plan's actions for the deep
tenants are the same as a full plan's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

from controller.reconcile import twins
from controller.reconcile.changeplan import (
    Action,
    ActionKind,
    ChangePlan,
    CreateSpec,
    FieldChange,
    HealthIssue,
    Note,
    Orphan,
)
from controller.reconcile.desired import DesiredFleetState
from controller.reconcile.diff import (
    ChangeGroup,
    compute_role,
    differs_in_list,
    disabled_change,
    foreign_computes,
    immutable_changes,
    replicas_to_create,
    replicas_to_remove,
    tenant_changes,
    wanted_project_values,
)
from controller.reconcile.health import check_health
from controller.reconcile.matching import (
    MatchedBy,
    Matching,
    TenantMatch,
    adopted_by_ledger,
    match_fleet,
    with_adoption_ledger,
)
from controller.reconcile.observed import ObservedEndpoint, ObservedFleet, ObservedProject
from controller.reconcile.observed import fingerprint as observed_fingerprint
from controller.reconcile.ownership import mark_annotations
from controller.reconcile.usage_flags import lowered_limit_warnings, lowers_a_limit
from controller.spec.managed import KEYS, Mutability, field_of
from controller.spec.model import ResolvedTenant, TenantState

UNDECLARED_FLEET = (
    "not suspended: this fleet has no `fleet:` name in tenantctl.yaml, so the project may "
    "belong to another fleet that also defaults to 'default'; name the fleet to let "
    "tenantctl suspend orphans"
)


LIST_LEVEL_ORPHAN = (
    "not checked beyond the project list (its computes were not read; a full plan suspends "
    "any that run)"
)


@dataclass(frozen=True)
class PlanOptions:
    """Choices that change the plan: deletion permission, the tenants in scope, and which of
    them get a deep check (computes, marks, usage reads; None: every tenant).

    `previous_plans` (tenant id -> pricing plan at the base revision of a pull request) only
    labels actions with the plan move they carry out; it never changes what is done."""

    allow_delete: bool = False
    max_deletes: int = 1
    targets: frozenset[str] | None = None
    deep: frozenset[str] | None = None
    previous_plans: Mapping[str, str] = field(default_factory=dict)

    def in_scope(self, tenant_id: str) -> bool:
        return self.targets is None or tenant_id in self.targets

    def is_deep(self, tenant_id: str) -> bool:
        return self.deep is None or tenant_id in self.deep


@dataclass(frozen=True)
class MissingObservations:
    """Reads the plan still depends on, by project id."""

    endpoints: frozenset[str] = frozenset()
    marks: frozenset[str] = frozenset()
    usage: frozenset[str] = frozenset()
    operations: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.endpoints or self.marks or self.usage or self.operations)


@dataclass
class _Analysis:
    """Accumulates one planning pass: actions, what is fine, and what is still unknown."""

    actions: list[Action] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    other_fleets: dict[str, list[str]] = field(default_factory=dict)  # fleet -> tenant ids
    in_sync: list[str] = field(default_factory=list)
    list_level: list[str] = field(default_factory=list)
    orphans: list[Orphan] = field(default_factory=list)
    unmanaged: int = 0
    endpoints: set[str] = field(default_factory=set)
    marks: set[str] = field(default_factory=set)
    usage: set[str] = field(default_factory=set)
    operations: set[str] = field(default_factory=set)
    health: list[HealthIssue] = field(default_factory=list)
    names: dict[str, list[str]] = field(default_factory=dict)

    def missing(self) -> int:
        return len(self.endpoints) + len(self.marks) + len(self.usage) + len(self.operations)


def missing_observations(
    desired: DesiredFleetState, observed: ObservedFleet, options: PlanOptions
) -> MissingObservations:
    """What to read before the plan for this desired/observed pair is final."""
    analysis = _analyse(desired, observed, options)
    return MissingObservations(
        endpoints=frozenset(analysis.endpoints),
        marks=frozenset(analysis.marks),
        usage=frozenset(analysis.usage),
        operations=frozenset(analysis.operations),
    )


def plan_changes(
    desired: DesiredFleetState, observed: ObservedFleet, options: PlanOptions
) -> ChangePlan:
    """The change plan. Call once `missing_observations` is empty for the same inputs."""
    analysis = _analyse(desired, observed, options)
    kinds = list(ActionKind)
    actions = sorted(
        analysis.actions, key=lambda a: (a.tenant, kinds.index(a.kind), a.project_id or "")
    )
    renamed = {tid for tenants in analysis.other_fleets.values() for tid in tenants}
    actions = [
        _with_plan_move(a, options.previous_plans)
        for a in actions
        if not (a.kind is ActionKind.CONFLICT and a.tenant in renamed)
    ]
    return ChangePlan(
        fleet=desired.fleet,
        actions=tuple(_gate_deletes(actions, options)),
        problems=tuple(
            _renamed_fleet(desired.fleet, old, tenants)
            for old, tenants in sorted(analysis.other_fleets.items())
        ),
        in_sync=tuple(sorted(analysis.in_sync)),
        orphans=tuple(sorted(analysis.orphans, key=lambda o: o.project_id)),
        notes=tuple(sorted(analysis.notes, key=lambda n: (n.tenant, n.text))),
        unmanaged_projects=analysis.unmanaged,
        targeted=tuple(sorted(options.targets)) if options.targets is not None else None,
        health=tuple(sorted(analysis.health, key=lambda h: (h.tenant, h.project_id, h.problem))),
        list_level_only=tuple(sorted(analysis.list_level)),
    )


def _with_plan_move(action: Action, previous_plans: Mapping[str, str]) -> Action:
    before = previous_plans.get(action.tenant)
    if action.plan is None or before is None or before == action.plan:
        return action
    return action.model_copy(update={"previous_plan": before})


def _analyse(
    desired: DesiredFleetState, observed: ObservedFleet, options: PlanOptions
) -> _Analysis:
    observed = with_adoption_ledger(desired, observed)  # adopted.yaml stands in for marks
    matching = match_fleet(desired, observed)
    analysis = _Analysis()
    for project in observed.projects:
        analysis.names.setdefault(project.name, []).append(project.project_id)
    in_scope = [m for tid, m in matching.tenants.items() if options.in_scope(tid)]
    for match in in_scope:
        if not options.is_deep(match.tenant.id) and _same_at_list_level(match):
            analysis.list_level.append(match.tenant.id)
            continue
        before = (analysis.missing(), len(analysis.health))
        actions = _tenant_actions(match, observed, desired, analysis)
        analysis.actions.extend(actions)
        if not actions and (analysis.missing(), len(analysis.health)) == before:
            analysis.in_sync.append(match.tenant.id)
    # Before creating, or concluding a project is someone else's, every project that might be
    # this tenant's (renamed, or wrongly bound by project_id) must show its mark.
    uncertain = any(
        (m.project is None and not m.twins) or m.conflict or m.pending_marks for m in in_scope
    )
    if options.targets is None or uncertain:
        analysis.marks.update(
            m.project.project_id
            for m in matching.tenants.values()
            if m.project is not None
            and m.matched_by is MatchedBy.PROJECT_ID
            and m.project.project_id not in observed.marks
        )
    _analyse_unclaimed(matching, observed, desired, options, analysis, read_marks=uncertain)
    if any(a.kind is ActionKind.CREATE for a in analysis.actions):
        # The mark cache saves reads but never causes a create: a project it says is not this
        # tenant's (renamed, perhaps) is read live before one is planned.
        analysis.marks.update(
            p.project_id for p in matching.unclaimed if p.project_id in observed.cached_marks
        )
    return analysis


def _same_at_list_level(match: TenantMatch) -> bool:
    """Whether the project list shows nothing to do for the tenant (its computes unread)."""
    if match.project is None or match.conflict is not None or match.pending_marks:
        return False
    adopted = match.matched_by is MatchedBy.PROJECT_ID
    return not differs_in_list(match.tenant, match.project, manage_name=not adopted)


def _tenant_actions(
    match: TenantMatch, observed: ObservedFleet, desired: DesiredFleetState, analysis: _Analysis
) -> list[Action]:
    tenant = match.tenant
    if match.pending_marks:
        analysis.marks.update(match.pending_marks)
        return []
    twin_deletes: list[Action] = []
    if match.twins:
        ids = {p.project_id for p in match.twins}
        if ids & observed.cached_marks:  # twins are judged on marks read live, never cached
            analysis.marks.update(ids & observed.cached_marks)
            return []
        if ids - observed.usage.keys():
            analysis.usage.update(ids - observed.usage.keys())
            return []
        decision = twins.decide(tenant.id, match.twins, observed.usage)
        if decision.keeper is None:
            assert decision.conflict is not None
            return [_conflict(tenant, None, (), decision.conflict, observed)]
        match = dataclasses.replace(match, project=decision.keeper, twins=())
        twin_deletes = [_twin_delete(tenant, twin, decision.keeper) for twin in decision.removable]
    if match.other_fleet is not None:
        analysis.other_fleets.setdefault(match.other_fleet, []).append(tenant.id)
    if match.conflict is not None:
        return [_conflict(tenant, match.project, (), match.conflict, observed)]
    if match.project is None:
        return [] if tenant.state is TenantState.DELETED else [_create(tenant, desired)]
    project = match.project
    endpoints = observed.endpoints.get(project.project_id)
    if endpoints is None:
        analysis.endpoints.add(project.project_id)
        return []
    actions = _project_actions(match, project, endpoints, analysis)
    if not any(a.kind is ActionKind.CONFLICT for a in actions):
        actions = _health(match, project, endpoints, observed, analysis) + actions
    analysis.notes.extend(
        Note(
            tenant=tenant.id,
            project_id=project.project_id,
            text=f"read-only compute {e.endpoint_id} was not created by tenantctl: left alone",
        )
        for e in foreign_computes(endpoints)
    )
    if actions and not match.verified:
        analysis.marks.add(project.project_id)
    if any(a.kind is ActionKind.CONFLICT for a in actions):
        twin_deletes = []  # nothing is deleted beside a keeper that cannot be reconciled
    return twin_deletes + [_with_usage_warnings(a, observed, analysis) for a in actions]


def _twin_delete(tenant: ResolvedTenant, twin: ObservedProject, keeper: ObservedProject) -> Action:
    """Delete an untouched twin (see `twins`); apply checks it is still untouched first."""
    return Action(
        tenant=tenant.id,
        kind=ActionKind.DELETE,
        project_id=twin.project_id,
        project_name=twin.name,
        plan=tenant.plan,
        reason=twins.TWIN_REASON.format(keeper=keeper.project_id),
        twin_of=keeper.project_id,
        fingerprint=observed_fingerprint(twin, ()),
    )


def _health(
    match: TenantMatch,
    project: ObservedProject,
    endpoints: tuple[ObservedEndpoint, ...],
    observed: ObservedFleet,
    analysis: _Analysis,
) -> list[Action]:
    """The hook into controller.reconcile.health: its reads, its issues, its repair action."""
    if match.tenant.state is TenantState.DELETED:
        return []
    # Found by name, its mark unread: a repair makes it an action, so the mark is read next.
    created = match.matched_by in (MatchedBy.MARK, MatchedBy.NAME)
    check = check_health(match.tenant, project, endpoints, observed, created_by_tenantctl=created)
    if check.needs_operations:
        analysis.operations.add(project.project_id)
    if check.needs_usage:
        analysis.usage.add(project.project_id)
    analysis.health.extend(check.issues)
    if check.repair is None:
        return []
    return [_action(check.repair, match.tenant, project, endpoints, adopted=False)]


def _project_actions(
    match: TenantMatch,
    project: ObservedProject,
    endpoints: tuple[ObservedEndpoint, ...],
    analysis: _Analysis,
) -> list[Action]:
    """Actions on a matched project, or one conflict when they cannot be carried out."""
    tenant, adopted = match.tenant, match.matched_by is MatchedBy.PROJECT_ID
    fixed = immutable_changes(tenant, project)
    if fixed:
        return [_conflict_on(tenant, project, endpoints, fixed, _fixed_reason(fixed))]
    groups = tenant_changes(tenant, project, endpoints, manage_name=not adopted)
    holders = [
        pid for pid in analysis.names.get(tenant.project_name, []) if pid != project.project_id
    ]
    renaming = any(c.field == "name" for group in groups for c in group.changes)
    if renaming and holders:
        reason = (
            f"project renamed to {project.name!r}, and its name "
            f"{tenant.project_name!r} is now held by project {', '.join(holders)}; rename one "
            "of them"
        )
        return [_conflict_on(tenant, project, endpoints, (), reason)]
    actions = [_action(group, tenant, project, endpoints, adopted) for group in groups]
    for replica in replicas_to_remove(tenant, endpoints):
        reason = f"read replica {replica.name} is beyond read_replicas.count"
        group = ChangeGroup(ActionKind.DELETE, (), reason)
        delete = _action(group, tenant, project, endpoints, adopted)
        actions.append(delete.model_copy(update={"endpoint_id": replica.endpoint_id}))
    if tenant.state is TenantState.DELETED:
        group = ChangeGroup(ActionKind.DELETE, (), "tenant state is deleted")
        actions.append(_action(group, tenant, project, endpoints, adopted))
    return actions


def _fixed_reason(fixed: tuple[FieldChange, ...]) -> str:
    """Why changes Neon cannot make stop the tenant: fixed at creation, or one-way."""
    reasons = []
    immutable = [c.field for c in fixed if field_of(c.field).mutability is Mutability.IMMUTABLE]
    if immutable:
        reasons.append(
            f"{' and '.join(immutable)} {'is' if len(immutable) == 1 else 'are'} fixed at "
            "creation; tenantctl never replaces a project"
        )
    for change in fixed:
        if field_of(change.field).mutability is Mutability.ONE_WAY:
            reasons.append(
                f"{change.field} is on for this project and Neon cannot turn it off; set "
                f"`{change.field}: true` (or remove it to stop managing it)"
            )
    return "; ".join(reasons)


def _with_usage_warnings(action: Action, observed: ObservedFleet, analysis: _Analysis) -> Action:
    if action.kind is not ActionKind.UPDATE or not lowers_a_limit(action.changes):
        return action
    assert action.project_id is not None
    usage = observed.usage.get(action.project_id)
    if usage is None:
        analysis.usage.add(action.project_id)
        return action
    return action.model_copy(update={"warnings": lowered_limit_warnings(action.changes, usage)})


def _action(
    group: ChangeGroup,
    tenant: ResolvedTenant,
    project: ObservedProject,
    endpoints: tuple[ObservedEndpoint, ...],
    adopted: bool,
) -> Action:
    update = group.kind is ActionKind.UPDATE
    return Action(
        tenant=tenant.id,
        kind=group.kind,
        project_id=project.project_id,
        project_name=project.name,
        plan=tenant.plan,
        reason=group.reason,
        changes=group.changes,
        effects=group.effects,
        wanted=wanted_project_values(tenant) if update else None,
        replicas=group.replicas,
        branch_id=group.branch_id if group.replicas else None,
        fingerprint=observed_fingerprint(project, endpoints),
        adopted=adopted,
    )


def _conflict(
    tenant: ResolvedTenant,
    project: ObservedProject | None,
    changes: tuple[FieldChange, ...],
    reason: str,
    observed: ObservedFleet,
) -> Action:
    if project is None:
        return Action(
            tenant=tenant.id,
            kind=ActionKind.CONFLICT,
            project_id=tenant.project_id,
            project_name=tenant.project_name,
            plan=tenant.plan,
            reason=reason,
        )
    endpoints = observed.endpoints.get(project.project_id, ())
    return _conflict_on(tenant, project, endpoints, changes, reason)


def _conflict_on(
    tenant: ResolvedTenant,
    project: ObservedProject,
    endpoints: tuple[ObservedEndpoint, ...],
    changes: tuple[FieldChange, ...],
    reason: str,
) -> Action:
    return Action(
        tenant=tenant.id,
        kind=ActionKind.CONFLICT,
        project_id=project.project_id,
        project_name=project.name,
        plan=tenant.plan,
        reason=reason,
        changes=changes,
        fingerprint=observed_fingerprint(project, endpoints),
    )


def _create(tenant: ResolvedTenant, desired: DesiredFleetState) -> Action:
    spec = CreateSpec(
        name=tenant.project_name,
        values={key: tenant.value(key) for key in KEYS},
        annotations=mark_annotations(desired.fleet, tenant.id),
        org_id=desired.org_id,
        suspended=tenant.state is TenantState.SUSPENDED,
        replicas=replicas_to_create(tenant, set()),
        units=dict(tenant.units),
        layers={key: tenant.layer_of(key).value for key in KEYS},
    )
    return Action(
        tenant=tenant.id,
        kind=ActionKind.CREATE,
        project_id=None,
        project_name=tenant.project_name,
        plan=tenant.plan,
        reason="no project exists for this tenant",
        create=spec,
        fingerprint=observed_fingerprint(None, ()),
    )


def _analyse_unclaimed(
    matching: Matching,
    observed: ObservedFleet,
    desired: DesiredFleetState,
    options: PlanOptions,
    analysis: _Analysis,
    *,
    read_marks: bool,
) -> None:
    """Orphans get suspended, unmanaged projects counted; nothing else is touched."""
    for project in matching.unclaimed:
        if project.project_id not in observed.marks:
            if read_marks or options.targets is None:
                analysis.marks.add(project.project_id)
            continue
        mark = observed.marks[project.project_id]
        if mark is None or mark.fleet != desired.fleet:
            analysis.unmanaged += 1
            continue
        tenant = desired.tenants.get(mark.tenant_id)
        if tenant is not None and tenant.project_id in (None, project.project_id):
            continue  # part of that tenant's conflict: shown there, left alone
        if options.targets is None:
            deep = options.is_deep(mark.tenant_id)
            _orphan(project, mark.tenant_id, tenant, desired, observed, analysis, deep=deep)


def _orphan(
    project: ObservedProject,
    tenant_id: str,
    tenant: ResolvedTenant | None,
    desired: DesiredFleetState,
    observed: ObservedFleet,
    analysis: _Analysis,
    *,
    deep: bool,
) -> None:
    held = None if desired.fleet_declared else UNDECLARED_FLEET
    if held is None and not deep:
        held = LIST_LEVEL_ORPHAN
    analysis.orphans.append(
        Orphan(
            project_id=project.project_id, project_name=project.name, tenant=tenant_id, held=held
        )
    )
    if held:
        return
    endpoints = observed.endpoints.get(project.project_id)
    if endpoints is None:
        analysis.endpoints.add(project.project_id)
        return
    ours = [e for e in endpoints if compute_role(e) is not None]
    changes = tuple(c for e in ours if (c := disabled_change(e, True)) is not None)
    if not changes:
        return
    adopted = adopted_by_ledger(desired, project.project_id, tenant_id)
    reason = _orphan_reason(tenant_id, tenant, adopted=adopted)
    analysis.actions.append(
        Action(
            tenant=tenant_id,
            kind=ActionKind.SUSPEND,
            project_id=project.project_id,
            project_name=project.name,
            reason=reason,
            changes=changes,
            effects=tuple(f"suspends compute {c.target}" for c in changes),
            fingerprint=observed_fingerprint(project, endpoints),
            adopted=adopted,
        )
    )


def _orphan_reason(tenant_id: str, tenant: ResolvedTenant | None, *, adopted: bool) -> str:
    if tenant is None and adopted:
        return (
            "orphaned: its tenant file is gone (adopted, recorded in adopted.yaml); suspended "
            "and kept, never deleted; delete its line in adopted.yaml to release it"
        )
    if tenant is None:
        return "orphaned: its tenant file is gone; suspended and kept, never deleted"
    return (
        f"superseded: tenant {tenant_id!r} is bound to project {tenant.project_id} by "
        "project_id; this project, created for it, is suspended and kept, never deleted"
    )


def _renamed_fleet(fleet: str, old: str, tenants: list[str]) -> str:
    """One message for every tenant whose project carries its mark under another fleet name."""
    shown = ", ".join(sorted(tenants)[:10]) + (", ..." if len(tenants) > 10 else "")
    return (
        f"the fleet is named {fleet!r} (tenantctl.yaml), but the projects of {len(tenants)} "
        f"tenant(s) ({shown}) carry ownership marks of fleet {old!r}. Marks are written when a "
        "project is created and Neon never lets them change, so a renamed fleet cannot claim "
        f"them: set `fleet: {old}` back in tenantctl.yaml (or bind each project to this fleet "
        "with `tenantctl adopt TENANT --project-id ID`)"
    )


def _gate_deletes(actions: list[Action], options: PlanOptions) -> list[Action]:
    """Deletes run only with --allow-delete, and at most --max-deletes of them (by tenant id)."""
    gated, allowed = [], 0
    for action in actions:
        if action.kind is ActionKind.DELETE and action.twin_of is not None:
            pass  # an untouched twin: its removal repairs a race, it deletes no data
        elif action.kind is ActionKind.DELETE and action.endpoint_id is not None:
            if not options.allow_delete:
                blocked = "removing a read replica needs --allow-delete"
                action = action.model_copy(update={"blocked": blocked})
        elif action.kind is ActionKind.DELETE:
            if not options.allow_delete:
                action = action.model_copy(update={"blocked": "deletion needs --allow-delete"})
            elif allowed >= options.max_deletes:
                blocked = f"over --max-deletes {options.max_deletes} for one run"
                action = action.model_copy(update={"blocked": blocked})
            else:
                allowed += 1
        gated.append(action)
    return gated
