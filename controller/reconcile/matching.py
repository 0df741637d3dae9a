"""Which live project belongs to which tenant: the identity half of planning (pure).

Order of evidence, strongest first: the tenant file's `project_id` (set by `adopt`), then the
ownership mark on the default branch, then the deterministic name. A name match is tentative
until the mark has been read; a project whose mark names nobody in this fleet is never claimed.
Everything here is a pure function of (desired, observed).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from controller.reconcile.desired import DesiredFleetState, DesiredTenant
from controller.reconcile.observed import ObservedFleet, ObservedProject, OwnershipMark
from controller.spec.model import TenantState


class MatchedBy(StrEnum):
    PROJECT_ID = "project_id"
    MARK = "mark"
    NAME = "name"


@dataclass(frozen=True)
class TenantMatch:
    """A tenant's project (if any), how it was found, and whether that is certain.

    `verified` is False for a name match whose mark has not been read yet. `conflict` explains
    why the tenant cannot be reconciled; `project` is then the project shown in the conflict.
    """

    tenant: DesiredTenant
    project: ObservedProject | None = None
    matched_by: MatchedBy | None = None
    verified: bool = False
    conflict: str | None = None


@dataclass(frozen=True)
class Matching:
    """The identity of the whole fleet: each tenant's match, and the projects nobody claimed."""

    tenants: Mapping[str, TenantMatch]
    unclaimed: tuple[ObservedProject, ...]


def match_fleet(desired: DesiredFleetState, observed: ObservedFleet) -> Matching:
    """Match every tenant to at most one project, in tenant-id order (deterministic)."""
    by_id = {p.project_id: p for p in observed.projects}
    claimed_by_id = {
        t.project_id for t in desired.tenants.values() if t.project_id and t.project_id in by_id
    }
    by_name: dict[str, list[ObservedProject]] = defaultdict(list)
    by_mark: dict[str, list[ObservedProject]] = defaultdict(list)
    for project in sorted(observed.projects, key=lambda p: p.project_id):
        if project.project_id in claimed_by_id:
            continue
        by_name[project.name].append(project)
        mark = observed.marks.get(project.project_id)
        if mark is not None and mark.fleet == desired.fleet:
            by_mark[mark.tenant_id].append(project)

    matches: dict[str, TenantMatch] = {}
    for tenant_id in sorted(desired.tenants):
        tenant = desired.tenants[tenant_id]
        if tenant.project_id:
            matches[tenant_id] = _match_adopted(
                tenant, by_id.get(tenant.project_id), observed, desired
            )
        else:
            matches[tenant_id] = _match_owned(
                tenant, by_mark, by_name, observed.marks, desired.fleet
            )

    claimed = {m.project.project_id for m in matches.values() if m.project is not None}
    unclaimed = tuple(
        p
        for p in sorted(observed.projects, key=lambda p: p.project_id)
        if p.project_id not in claimed
    )
    return Matching(tenants=matches, unclaimed=unclaimed)


def _match_adopted(
    tenant: DesiredTenant,
    project: ObservedProject | None,
    observed: ObservedFleet,
    desired: DesiredFleetState,
) -> TenantMatch:
    if project is None and tenant.state is TenantState.DELETED:
        return TenantMatch(tenant)  # already gone, as wanted
    if project is None:
        return TenantMatch(
            tenant,
            conflict=(
                f"project {tenant.project_id} (project_id in the tenant file) does not exist; "
                "restore it, or remove project_id to let tenantctl create a new project"
            ),
        )
    mark = observed.marks.get(project.project_id)
    if mark is not None and (mark.fleet, mark.tenant_id) != (desired.fleet, tenant.tenant_id):
        return TenantMatch(
            tenant,
            project,
            MatchedBy.PROJECT_ID,
            conflict=f"project {project.project_id} is marked as {_describe(mark)}",
        )
    return TenantMatch(tenant, project, MatchedBy.PROJECT_ID, verified=True)


def _match_owned(
    tenant: DesiredTenant,
    by_mark: Mapping[str, list[ObservedProject]],
    by_name: Mapping[str, list[ObservedProject]],
    marks: Mapping[str, OwnershipMark | None],
    fleet: str,
) -> TenantMatch:
    marked = by_mark.get(tenant.tenant_id, [])
    if len(marked) > 1:
        ids = ", ".join(p.project_id for p in marked)
        return TenantMatch(
            tenant,
            marked[0],
            MatchedBy.MARK,
            conflict=f"{len(marked)} projects carry this tenant's ownership mark ({ids})",
        )
    if marked:
        return TenantMatch(tenant, marked[0], MatchedBy.MARK, verified=True)
    named = by_name.get(tenant.project_name, [])
    if len(named) > 1:
        ids = ", ".join(p.project_id for p in named)
        return TenantMatch(
            tenant,
            named[0],
            MatchedBy.NAME,
            conflict=f"{len(named)} projects are named {tenant.project_name!r} ({ids})",
        )
    if not named:
        return TenantMatch(tenant)
    project = named[0]
    if project.project_id not in marks:
        return TenantMatch(tenant, project, MatchedBy.NAME, verified=False)
    mark = marks[project.project_id]
    if mark is None:
        return TenantMatch(
            tenant,
            project,
            MatchedBy.NAME,
            conflict=(
                f"project {project.project_id} named {project.name!r} exists but is not managed "
                f"by tenantctl; adopt it: tenantctl adopt {tenant.tenant_id} "
                f"--project-id {project.project_id}"
            ),
        )
    return TenantMatch(
        tenant,
        project,
        MatchedBy.NAME,
        conflict=f"project {project.project_id} is marked as {_describe(mark)}",
    )


def _describe(mark: OwnershipMark) -> str:
    return f"tenant {mark.tenant_id!r} of fleet {mark.fleet!r}"
