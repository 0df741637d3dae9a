"""Which live project belongs to which tenant: the identity half of planning (pure).

Order of evidence, strongest first: the ownership mark on the project's root branch, written
by tenantctl at creation and immutable since; the tenant file's `project_id` (set by `adopt`)
for projects that carry no mark, and the adoption ledger (`adopted.yaml`), which stands in for
the mark an adopted project cannot carry; then the deterministic name. Until the mark has been
read a match is tentative, and anything the plan would do with it waits for that read. A project
whose mark names another tenant or fleet is never claimed, whatever points at it.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from controller.reconcile.desired import DesiredFleetState
from controller.reconcile.observed import ObservedFleet, ObservedProject, OwnershipMark
from controller.spec.model import ResolvedTenant, TenantState


class MatchedBy(StrEnum):
    PROJECT_ID = "project_id"
    MARK = "mark"
    NAME = "name"


@dataclass(frozen=True)
class TenantMatch:
    """A tenant's project (if any), how it was found, and whether that is certain.

    `verified` is True once the project's mark has been read and agrees (or, for an adopted
    project, is absent). `conflict` explains why the tenant cannot be reconciled; `project` is
    then the project shown in the conflict. `pending_marks` lists projects whose marks must be
    read before the tenant can be matched at all.
    """

    tenant: ResolvedTenant
    project: ObservedProject | None = None
    matched_by: MatchedBy | None = None
    verified: bool = False
    conflict: str | None = None
    pending_marks: tuple[str, ...] = ()
    twins: tuple[ObservedProject, ...] = ()  # every project carrying this tenant's mark
    other_fleet: str | None = None  # the project is this tenant's in a fleet of another name


@dataclass(frozen=True)
class Matching:
    """The identity of the whole fleet: each tenant's match, and the projects nobody claimed."""

    tenants: Mapping[str, TenantMatch]
    unclaimed: tuple[ObservedProject, ...]


@dataclass(frozen=True)
class _Index:
    """Lookups over the observed projects, built once per planning pass."""

    fleet: str
    by_id: Mapping[str, ObservedProject]
    by_name: Mapping[str, list[ObservedProject]]
    by_mark: Mapping[str, list[ObservedProject]]
    marks: Mapping[str, OwnershipMark | None]


def with_adoption_ledger(desired: DesiredFleetState, observed: ObservedFleet) -> ObservedFleet:
    """The observation with the ledger applied: a project listed in `adopted.yaml` whose mark
    was read and found empty counts as carrying its tenant's mark (Neon cannot mark it). A real
    mark always wins: a listed project marked for someone else is theirs. Idempotent."""
    synthetic = {
        project_id: OwnershipMark(fleet=desired.fleet, tenant_id=tenant_id)
        for tenant_id, project_id in desired.adopted.items()
        if project_id in observed.marks and observed.marks[project_id] is None
    }
    if not synthetic:
        return observed
    return dataclasses.replace(observed, marks={**observed.marks, **synthetic})


def adopted_by_ledger(desired: DesiredFleetState, project_id: str, tenant_id: str) -> bool:
    """Whether the ledger records `project_id` as adopted by `tenant_id`."""
    return desired.adopted.get(tenant_id) == project_id


def match_fleet(desired: DesiredFleetState, observed: ObservedFleet) -> Matching:
    """Match every tenant to at most one project, in tenant-id order (deterministic)."""
    observed = with_adoption_ledger(desired, observed)
    projects = sorted(observed.projects, key=lambda p: p.project_id)
    by_id = {p.project_id: p for p in projects}
    bound = {
        t.project_id
        for t in desired.tenants.values()
        if t.project_id in by_id and not _marked_for_other(observed.marks, t, desired.fleet)
    }
    by_name: dict[str, list[ObservedProject]] = defaultdict(list)
    by_mark: dict[str, list[ObservedProject]] = defaultdict(list)
    for project in projects:
        mark = observed.marks.get(project.project_id)
        if mark is not None and mark.fleet == desired.fleet:
            by_mark[mark.tenant_id].append(project)
        elif project.project_id not in bound:
            by_name[project.name].append(project)
    index = _Index(desired.fleet, by_id, by_name, by_mark, observed.marks)
    matches = {
        tenant_id: _match(desired.tenants[tenant_id], index)
        for tenant_id in sorted(desired.tenants)
    }
    claimed = {m.project.project_id for m in matches.values() if m.project is not None}
    unclaimed = tuple(p for p in projects if p.project_id not in claimed)
    return Matching(tenants=matches, unclaimed=unclaimed)


def _marked_for_other(
    marks: Mapping[str, OwnershipMark | None], tenant: ResolvedTenant, fleet: str
) -> bool:
    mark = marks.get(tenant.project_id or "")
    return mark is not None and (mark.fleet, mark.tenant_id) != (fleet, tenant.id)


def _match(tenant: ResolvedTenant, index: _Index) -> TenantMatch:
    if tenant.project_id:
        return _match_adopted(tenant, index)
    marked = index.by_mark.get(tenant.id, [])
    if len(marked) > 1:
        return TenantMatch(tenant, None, MatchedBy.MARK, verified=True, twins=tuple(marked))
    if marked:
        return TenantMatch(tenant, marked[0], MatchedBy.MARK, verified=True)
    return _match_by_name(tenant, index)


def _match_adopted(tenant: ResolvedTenant, index: _Index) -> TenantMatch:
    project = index.by_id.get(tenant.project_id or "")
    if project is None:
        if tenant.state is TenantState.DELETED:
            return TenantMatch(tenant)  # already gone, as wanted
        reason = (
            f"project {tenant.project_id} (project_id in the tenant file) does not exist; "
            "restore it, or remove project_id (and its line in adopted.yaml) to let tenantctl "
            "create a new project"
        )
        return TenantMatch(tenant, conflict=reason)
    if project.project_id not in index.marks:
        return TenantMatch(tenant, project, MatchedBy.PROJECT_ID, verified=False)
    mark = index.marks[project.project_id]
    if mark is not None and (mark.fleet, mark.tenant_id) != (index.fleet, tenant.id):
        reason = (
            f"project {project.project_id} (project_id in the tenant file) is marked as "
            f"{_describe(mark)}"
        )
        return TenantMatch(tenant, project, MatchedBy.PROJECT_ID, conflict=reason)
    return TenantMatch(tenant, project, MatchedBy.PROJECT_ID, verified=True)


def _match_by_name(tenant: ResolvedTenant, index: _Index) -> TenantMatch:
    named = index.by_name.get(tenant.project_name, [])
    unread = tuple(p.project_id for p in named if p.project_id not in index.marks)
    if len(named) > 1:
        if unread:
            return TenantMatch(tenant, pending_marks=unread)
        if tenant.state is TenantState.DELETED:
            return TenantMatch(tenant)  # namesakes that are not ours: nothing to delete
        ids = ", ".join(p.project_id for p in named)
        reason = (
            f"{len(named)} projects are named {tenant.project_name!r} ({ids}) and none carries "
            "this tenant's ownership mark; adopt one with tenantctl adopt"
        )
        return TenantMatch(tenant, named[0], MatchedBy.NAME, conflict=reason)
    if not named:
        return TenantMatch(tenant)
    project = named[0]
    if unread:
        return TenantMatch(tenant, project, MatchedBy.NAME, verified=False)
    if tenant.state is TenantState.DELETED:
        return TenantMatch(tenant)  # a namesake that is not ours: nothing to delete
    mark = index.marks[project.project_id]
    if mark is None:
        reason = (
            f"project {project.project_id} named {project.name!r} exists but is not managed "
            f"by tenantctl; adopt it: tenantctl adopt {tenant.id} "
            f"--project-id {project.project_id}"
        )
    else:
        reason = f"project {project.project_id} is marked as {_describe(mark)}"
        if mark.tenant_id == tenant.id:
            return TenantMatch(
                tenant, project, MatchedBy.NAME, conflict=reason, other_fleet=mark.fleet
            )
    return TenantMatch(tenant, project, MatchedBy.NAME, conflict=reason)


def _describe(mark: OwnershipMark) -> str:
    return f"tenant {mark.tenant_id!r} of fleet {mark.fleet!r}"
