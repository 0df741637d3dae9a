"""Builders and a model of Neon's effects, for planner tests that need no server.

`simulate_apply` applies a ChangePlan to an ObservedFleet the way the executor applies it to
Neon; the end-to-end tests check the executor against the real emulator instead.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable, Mapping

from controller.reconcile.changeplan import PROJECT_TARGET, ActionKind, ChangePlan
from controller.reconcile.desired import QUOTA_FIELDS, DesiredFleetState, DesiredTenant
from controller.reconcile.observed import (
    ObservedEndpoint,
    ObservedFleet,
    ObservedProject,
    ObservedUsage,
    OwnershipMark,
)
from controller.reconcile.ownership import parse_mark
from controller.spec.model import TenantState

FLEET = "default"
_ids = itertools.count(1)


def tenant(tenant_id: str = "acme", **fields: object) -> DesiredTenant:
    values: dict[str, object] = {
        "tenant_id": tenant_id,
        "plan": "pro",
        "state": TenantState.ACTIVE,
        "project_name": tenant_id,
        "region_id": "aws-us-east-2",
        "pg_version": 17,
        "database_name": "neondb",
        "role_name": "neondb_owner",
        "quota": dict.fromkeys(QUOTA_FIELDS, 0),
        "min_cu": 0.25,
        "max_cu": 2.0,
        "suspend_timeout_seconds": 0,
        "history_retention_seconds": 86400,
        "sources": {"settings.quota.logical_size_bytes": "plan"},
    }
    values.update(fields)
    return DesiredTenant(**values)  # type: ignore[arg-type]


def fleet(*tenants: DesiredTenant, name: str = FLEET) -> DesiredFleetState:
    return DesiredFleetState(fleet=name, tenants={t.tenant_id: t for t in tenants})


def project_for(
    t: DesiredTenant, project_id: str | None = None, **fields: object
) -> ObservedProject:
    """The live project a converged tenant has."""
    values: dict[str, object] = {
        "project_id": project_id or f"proj-{t.tenant_id}",
        "name": t.project_name,
        "region_id": t.region_id,
        "pg_version": t.pg_version,
        "quota": dict(t.quota),
        "history_retention_seconds": t.history_retention_seconds,
        "default_min_cu": t.min_cu,
        "default_max_cu": t.max_cu,
        "default_suspend_timeout_seconds": t.suspend_timeout_seconds,
    }
    values.update(fields)
    return ObservedProject(**values)  # type: ignore[arg-type]


def endpoint_for(t: DesiredTenant, project_id: str, **fields: object) -> ObservedEndpoint:
    values: dict[str, object] = {
        "endpoint_id": f"ep-{project_id}",
        "branch_id": f"br-{project_id}",
        "type": "read_write",
        "min_cu": t.min_cu,
        "max_cu": t.max_cu,
        "suspend_timeout_seconds": t.suspend_timeout_seconds,
        "disabled": t.state is not TenantState.ACTIVE,
    }
    values.update(fields)
    return ObservedEndpoint(**values)  # type: ignore[arg-type]


def observed(
    *projects: ObservedProject,
    endpoints: Mapping[str, Iterable[ObservedEndpoint]] | None = None,
    marks: Mapping[str, OwnershipMark | None] | None = None,
    usage: Mapping[str, ObservedUsage] | None = None,
) -> ObservedFleet:
    return ObservedFleet(
        projects=tuple(projects),
        endpoints={k: tuple(v) for k, v in (endpoints or {}).items()},
        marks=dict(marks or {}),
        usage=dict(usage or {}),
    )


def converged(desired: DesiredFleetState) -> ObservedFleet:
    """Live state exactly as desired, marks and computes already read."""
    projects, endpoints, marks = [], {}, {}
    for t in desired.tenants.values():
        if t.state is TenantState.DELETED:
            continue
        p = project_for(t, t.project_id)
        projects.append(p)
        endpoints[p.project_id] = (endpoint_for(t, p.project_id),)
        marks[p.project_id] = None if t.project_id else OwnershipMark(desired.fleet, t.tenant_id)
    return observed(*projects, endpoints=endpoints, marks=marks)


def simulate_apply(plan: ChangePlan, live: ObservedFleet) -> ObservedFleet:
    """Apply every runnable action of a plan to a model of Neon, like the executor does."""
    projects = {p.project_id: p for p in live.projects}
    endpoints = {k: list(v) for k, v in live.endpoints.items()}
    marks = dict(live.marks)
    for action in plan.actions:
        if not action.runnable:
            continue
        if action.kind is ActionKind.CREATE:
            assert action.create is not None
            spec, pid = action.create, f"new-{next(_ids)}"
            s = spec.settings
            projects[pid] = ObservedProject(
                project_id=pid,
                name=s.name,
                region_id=spec.region_id,
                pg_version=spec.pg_version,
                quota=dict(s.quota),
                history_retention_seconds=s.history_retention_seconds,
                default_min_cu=s.min_cu,
                default_max_cu=s.max_cu,
                default_suspend_timeout_seconds=s.suspend_timeout_seconds,
            )
            endpoints[pid] = [
                ObservedEndpoint(
                    f"ep-{pid}",
                    f"br-{pid}",
                    "read_write",
                    s.min_cu,
                    s.max_cu,
                    s.suspend_timeout_seconds,
                    spec.suspended,
                )
            ]
            marks[pid] = parse_mark(spec.annotations)
            continue
        assert action.project_id is not None
        pid = action.project_id
        if action.kind is ActionKind.DELETE:
            projects.pop(pid)
            endpoints.pop(pid, None)
            marks.pop(pid, None)
            continue
        for change in action.changes:
            if change.target == PROJECT_TARGET:
                projects[pid] = _set_project_field(projects[pid], change.field, change.new)
            else:
                endpoints[pid] = [
                    _set_endpoint_field(e, change.field, change.new)
                    if e.endpoint_id == change.target
                    else e
                    for e in endpoints[pid]
                ]
    return ObservedFleet(
        projects=tuple(projects.values()),
        endpoints={k: tuple(v) for k, v in endpoints.items()},
        marks=marks,
        usage=live.usage,
    )


def _set_project_field(p: ObservedProject, field: str, value: object) -> ObservedProject:
    if field.startswith("settings.quota."):
        quota = dict(p.quota)
        quota[field.removeprefix("settings.quota.")] = value  # type: ignore[assignment]
        return dataclasses.replace(p, quota=quota)
    names = {
        "default_endpoint_settings.autoscaling_limit_min_cu": "default_min_cu",
        "default_endpoint_settings.autoscaling_limit_max_cu": "default_max_cu",
        "default_endpoint_settings.suspend_timeout_seconds": "default_suspend_timeout_seconds",
    }
    return dataclasses.replace(p, **{names.get(field, field): value})


def _set_endpoint_field(e: ObservedEndpoint, field: str, value: object) -> ObservedEndpoint:
    names = {
        "autoscaling_limit_min_cu": "min_cu",
        "autoscaling_limit_max_cu": "max_cu",
        "suspend_timeout_seconds": "suspend_timeout_seconds",
        "disabled": "disabled",
    }
    return dataclasses.replace(e, **{names[field]: value})
