"""Builders and a model of Neon's effects, for planner tests that need no server.

`simulate_apply` applies a ChangePlan to an ObservedFleet the way the executor applies it to
Neon; the end-to-end tests check the executor against the real emulator instead. Tenants are
built as the spec layer resolves them (`ResolvedTenant`, values keyed by YAML path).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from controller.reconcile.changeplan import (
    PROJECT_TARGET,
    ActionKind,
    ChangePlan,
    ComputeSpec,
    CreateSpec,
)
from controller.reconcile.desired import DesiredFleetState
from controller.reconcile.diff import DISABLED_FIELD, NAME_FIELD, REPLICA_COUNT, compute_path_key
from controller.reconcile.observed import (
    ObservedEndpoint,
    ObservedFleet,
    ObservedProject,
    ObservedUsage,
    OwnershipMark,
)
from controller.reconcile.ownership import mark_annotations, parse_mark
from controller.spec.managed import BY_KEY, FIELDS, ComputeRole
from controller.spec.model import Layer, ResolvedTenant, TenantState
from controller.spec.values import UNREPORTED

FLEET = "default"
_ids = itertools.count(1)
DEFAULT_VALUES: dict[str, Any] = {f.key: f.default for f in FIELDS}


def tenant(
    tenant_id: str = "acme",
    *,
    plan: str = "pro",
    state: TenantState = TenantState.ACTIVE,
    project_id: str | None = None,
    project_name: str | None = None,
    values: Mapping[str, Any] | None = None,
    layers: Mapping[str, Layer] | None = None,
    units: Mapping[str, str] | None = None,
) -> ResolvedTenant:
    """A resolved tenant: registry defaults, then `values` (set by the plan unless `layers`)."""
    given = dict(values or {})
    unknown = set(given) - set(DEFAULT_VALUES)
    assert not unknown, f"not managed settings: {unknown}"
    provenance = dict.fromkeys(DEFAULT_VALUES, Layer.DEFAULT)
    provenance.update(dict.fromkeys(given, Layer.PLAN))
    provenance.update(layers or {})
    provenance["state"] = Layer.TENANT
    return ResolvedTenant(
        id=tenant_id,
        plan=plan,
        state=state,
        project_id=project_id,
        project_name=project_name or tenant_id,
        values={**DEFAULT_VALUES, **given},
        provenance=provenance,
        units=dict(units or {}),
    )


def with_values(t: ResolvedTenant, **changes: Any) -> ResolvedTenant:
    """`t` with some values replaced; keys use `__` for dots (`limits__storage`)."""
    values = {**t.values, **{k.replace("__", "."): v for k, v in changes.items()}}
    return dataclasses.replace(t, values=values)


def fleet(*tenants: ResolvedTenant, name: str = FLEET) -> DesiredFleetState:
    return DesiredFleetState(fleet=name, tenants={t.id: t for t in tenants})


def neon_project_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """What Neon's project list reports for a project given these settings."""
    observed: dict[str, Any] = {}
    for field in FIELDS:
        if field.project_path is None:
            continue
        value = values.get(field.key)
        if value is None:
            value = field.absent
        if value is UNREPORTED:
            continue
        observed[field.key] = field.kind.canonical(value)
    return observed


def project_for(t: ResolvedTenant, project_id: str | None = None, **fields: Any) -> ObservedProject:
    """The live project a converged tenant has."""
    values = neon_project_values(t.values)
    values.update(fields.pop("values", {}))
    return ObservedProject(
        project_id=project_id or f"proj-{t.id}",
        name=fields.pop("name", t.project_name),
        values=values,
    )


def compute_values(values: Mapping[str, Any], role: ComputeRole) -> dict[str, Any]:
    """What Neon reports on a compute of this role given these settings."""
    observed: dict[str, Any] = {}
    for field in FIELDS:
        if field.compute_path is None or role not in field.computes:
            continue
        value = values.get(field.key)
        observed[compute_path_key(field)] = field.kind.canonical(
            value if value is not None else field.absent
        )
    return observed


def endpoint_for(t: ResolvedTenant, project_id: str, **fields: Any) -> ObservedEndpoint:
    values = compute_values(t.values, ComputeRole.READ_WRITE)
    values.update(fields.pop("values", {}))
    base: dict[str, Any] = {
        "endpoint_id": f"ep-{project_id}",
        "branch_id": f"br-{project_id}",
        "type": "read_write",
        "disabled": t.state is not TenantState.ACTIVE,
        "values": values,
    }
    base.update(fields)
    return ObservedEndpoint(**base)


def replica_for(t: ResolvedTenant, project_id: str, index: int) -> ObservedEndpoint:
    return ObservedEndpoint(
        endpoint_id=f"ep-{project_id}-r{index}",
        branch_id=f"br-{project_id}",
        type="read_only",
        disabled=t.state is not TenantState.ACTIVE,
        values=compute_values(t.values, ComputeRole.REPLICA),
        name=f"tenantctl-replica-{index}",
    )


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
        replicas = [replica_for(t, p.project_id, i) for i in range(1, t.value(REPLICA_COUNT) + 1)]
        endpoints[p.project_id] = (endpoint_for(t, p.project_id), *replicas)
        marks[p.project_id] = None if t.project_id else OwnershipMark(desired.fleet, t.id)
    return observed(*projects, endpoints=endpoints, marks=marks)


def _replica(pid: str, branch: str, spec: ComputeSpec) -> ObservedEndpoint:
    values = {
        "autoscaling_limit_min_cu": spec.min_cu,
        "autoscaling_limit_max_cu": spec.max_cu,
        "suspend_timeout_seconds": spec.suspend_timeout_seconds,
        "settings.pg_settings": dict(spec.pg_settings),
    }
    return ObservedEndpoint(
        endpoint_id=f"ep-{pid}-{spec.name}",
        branch_id=branch,
        type="read_only",
        disabled=spec.disabled,
        values=values,
        name=spec.name,
    )


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
            projects[pid] = ObservedProject(pid, spec.name, neon_project_values(spec.values))
            primary = ObservedEndpoint(
                f"ep-{pid}",
                f"br-{pid}",
                "read_write",
                spec.suspended,
                compute_values(spec.values, ComputeRole.READ_WRITE),
            )
            endpoints[pid] = [primary, *(_replica(pid, f"br-{pid}", r) for r in spec.replicas)]
            marks[pid] = parse_mark(spec.annotations)
            continue
        assert action.project_id is not None
        pid = action.project_id
        if action.kind is ActionKind.DELETE and action.endpoint_id is not None:
            endpoints[pid] = [e for e in endpoints[pid] if e.endpoint_id != action.endpoint_id]
            continue
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
        for replica in action.replicas:
            assert action.branch_id is not None
            endpoints[pid].append(_replica(pid, action.branch_id, replica))
    return ObservedFleet(
        projects=tuple(projects.values()),
        endpoints={k: tuple(v) for k, v in endpoints.items()},
        marks=marks,
        usage=live.usage,
    )


def _set_project_field(p: ObservedProject, field: str, value: object) -> ObservedProject:
    if field == NAME_FIELD:
        return dataclasses.replace(p, name=str(value))
    if field == REPLICA_COUNT:
        return p  # replicas are created from the action's `replicas`
    return dataclasses.replace(p, values={**p.values, field: value})


def _set_endpoint_field(e: ObservedEndpoint, field: str, value: object) -> ObservedEndpoint:
    if field == DISABLED_FIELD:
        return dataclasses.replace(e, disabled=bool(value))
    return dataclasses.replace(e, values={**e.values, compute_path_key(BY_KEY[field]): value})


def create_spec(t: ResolvedTenant, fleet_name: str = FLEET) -> CreateSpec:
    """What apply sends to create `t`'s project, ownership mark included."""
    return CreateSpec(
        name=t.project_name,
        values=dict(t.values),
        annotations=mark_annotations(fleet_name, t.id),
    )
