"""The fleet inventory behind `tenantctl status`: each tenant's live project, state and health.

Why this exists: after the first apply a platform needs to know, per customer, which Neon
project it has, where, on which Postgres, whether it runs, and whether it works. That is what a
plan already observed; this module only reads it back out (pure): the same matching the planner
uses, the plan's conflicts, orphans and health issues, and the computes observation read. Its
rows are rendered as a table, CSV or versioned JSON by `controller.render.status`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import replace as _replace
from enum import StrEnum

from controller.reconcile.changeplan import ActionKind, ChangePlan, HealthIssue, Orphan
from controller.reconcile.desired import DesiredFleetState
from controller.reconcile.matching import TenantMatch, match_fleet, with_adoption_ledger
from controller.reconcile.observed import ObservedEndpoint, ObservedFleet, ObservedProject


class LiveState(StrEnum):
    """What a tenant's project is on Neon right now."""

    ACTIVE = "active"  # it exists and its computes are enabled
    SUSPENDED = "suspended"  # it exists and every compute is disabled
    MISSING = "missing"  # no project (not created yet, or gone)
    ORPHANED = "orphaned"  # its tenant file is gone: suspended and kept by tenantctl
    CONFLICT = "conflict"  # tenantctl cannot tell or cannot fix which project is the tenant's


BOUND_BY_LEDGER = "adopted.yaml"


@dataclass(frozen=True)
class ComputeStatus:
    endpoint_id: str
    type: str
    state: str
    disabled: bool


@dataclass(frozen=True)
class TenantStatus:
    """One row of the inventory: a tenant of the fleet, or an orphaned project."""

    tenant: str
    live_state: LiveState
    plan: str | None = None
    wanted_state: str | None = None
    project_id: str | None = None
    project_name: str | None = None
    region: str | None = None
    pg_version: int | None = None
    bound_by: str | None = None  # mark, project_id, adopted.yaml, or name (mark not yet read)
    computes: tuple[ComputeStatus, ...] | None = None  # None: not read
    health: tuple[HealthIssue, ...] = ()
    conflict: str | None = None
    pending: tuple[str, ...] = ()  # what apply would do to it
    held: str | None = None  # an orphan only reported, not suspended, and why

    @property
    def healthy(self) -> bool:
        return not self.health


@dataclass(frozen=True)
class Inventory:
    """Every tenant in scope, the orphans, and how many projects the fleet does not manage."""

    tenants: tuple[TenantStatus, ...]
    orphans: tuple[TenantStatus, ...]
    unmanaged_projects: int


def build_inventory(
    desired: DesiredFleetState, observed: ObservedFleet, plan: ChangePlan
) -> Inventory:
    """The inventory for a plan made from exactly this desired and observed fleet."""
    matching = match_fleet(desired, observed)
    in_scope = plan.targeted if plan.targeted is not None else tuple(matching.tenants)
    by_id = {p.project_id: p for p in observed.projects}
    tenants = tuple(
        _tenant_status(matching.tenants[tid], observed, plan) for tid in sorted(in_scope)
    )
    orphans = tuple(_orphan_status(o, by_id[o.project_id], desired, observed) for o in plan.orphans)
    return Inventory(tenants, orphans, plan.unmanaged_projects)


def named_only(desired: DesiredFleetState, observed: ObservedFleet) -> frozenset[str]:
    """Projects matched to a tenant by name alone (their mark not read yet): `status` reads
    those marks so that a namesake is never reported as a tenant's project."""
    matching = match_fleet(desired, observed)
    return frozenset(
        m.project.project_id
        for m in matching.tenants.values()
        if m.project is not None and not m.verified and m.conflict is None
    )


def unmanaged_projects(
    desired: DesiredFleetState, observed: ObservedFleet
) -> tuple[ObservedProject, ...]:
    """Projects no tenant claims and that carry no mark (nor a ledger entry) of any fleet: what
    `tenantctl import` may bring under management. Marks must have been read (a full plan's
    observation reads every unclaimed project's mark)."""
    viewed = with_adoption_ledger(desired, observed)
    unclaimed = match_fleet(desired, viewed).unclaimed
    return tuple(
        p for p in unclaimed if p.project_id in viewed.marks and viewed.marks[p.project_id] is None
    )


def _tenant_status(match: TenantMatch, observed: ObservedFleet, plan: ChangePlan) -> TenantStatus:
    tenant = match.tenant
    actions = [a for a in plan.actions if a.tenant == tenant.id]
    conflict = match.conflict or next(
        (a.reason for a in actions if a.kind is ActionKind.CONFLICT), None
    )
    pending = tuple(dict.fromkeys(a.kind.value for a in actions if a.runnable))
    base = TenantStatus(
        tenant=tenant.id,
        live_state=LiveState.MISSING,
        plan=tenant.plan,
        wanted_state=tenant.state.value,
        conflict=conflict,
        pending=pending,
        health=tuple(h for h in plan.health if h.tenant == tenant.id),
    )
    project = match.project
    if project is None:
        state = LiveState.CONFLICT if conflict else LiveState.MISSING
        return _replace(base, live_state=state, project_id=tenant.project_id)
    bound_by = match.matched_by.value if match.matched_by else None
    endpoints = observed.endpoints.get(project.project_id)
    row = _with_project(base, project, endpoints, bound_by)
    return _replace(row, live_state=LiveState.CONFLICT) if conflict else row


def _orphan_status(
    orphan: Orphan,
    project: ObservedProject,
    desired: DesiredFleetState,
    observed: ObservedFleet,
) -> TenantStatus:
    ledger = desired.adopted.get(orphan.tenant) == orphan.project_id
    base = TenantStatus(tenant=orphan.tenant, live_state=LiveState.ORPHANED, held=orphan.held)
    endpoints = observed.endpoints.get(orphan.project_id)
    return _with_project(base, project, endpoints, BOUND_BY_LEDGER if ledger else "mark")


def _with_project(
    row: TenantStatus,
    project: ObservedProject,
    endpoints: tuple[ObservedEndpoint, ...] | None,
    bound_by: str | None,
) -> TenantStatus:
    computes = None
    state = row.live_state
    if endpoints is not None:
        computes = tuple(
            ComputeStatus(e.endpoint_id, e.type, e.current_state, e.disabled) for e in endpoints
        )
        if row.live_state is LiveState.MISSING:
            off = bool(endpoints) and all(e.disabled for e in endpoints)
            state = LiveState.SUSPENDED if off else LiveState.ACTIVE
    elif row.live_state is LiveState.MISSING:
        state = LiveState.ACTIVE
    values: Mapping[str, object] = project.values
    pg = values.get("pg_version")
    return _replace(
        row,
        live_state=state,
        project_id=project.project_id,
        project_name=project.name,
        region=str(values["region"]) if "region" in values else None,
        pg_version=pg if isinstance(pg, int) else None,
        bound_by=bound_by,
        computes=computes,
    )
