"""Computes (Neon "endpoints"): list, get, create, update, delete, start and suspend.

Why this exists: computes are where a tenant's plan becomes real (size, autoscaling range,
scale-to-zero, Postgres settings, read replicas) and where suspension shows. Every change
schedules operations, so a second change before they finish gets 423. A branch has at most one
read_write compute and any number of read_only ones. A compute that is disabled, or whose project
reached a quota, is suspended and refuses to start, as in Neon. New Postgres settings reach a
running compute through `apply_config` (Neon reconfigures it in place); a new size restarts it.
"""

from __future__ import annotations

from typing import Any

from controller.emulator import ids, rules, rules_settings
from controller.emulator.bodies import (
    BranchEndpointOptions,
    EndpointCreateBody,
    EndpointFields,
    EndpointUpdateBody,
    parse_body,
)
from controller.emulator.engine import Session
from controller.emulator.errors import bad_request, not_found
from controller.emulator.lifecycle import OperationSpec, deactivate
from controller.emulator.routing import ApiRequest, Reply
from controller.emulator.state import EndpointRecord, EndpointType, ProjectRecord
from controller.emulator.usage import exceeded_quotas
from controller.emulator.views import endpoint_view, operation_view


def find_endpoint(project: ProjectRecord, endpoint_id: str) -> EndpointRecord:
    endpoint = project.endpoint(endpoint_id)
    if endpoint is None:
        raise not_found("endpoint", endpoint_id)
    return endpoint


def _reply(session: Session, project: ProjectRecord, endpoint: EndpointRecord, ops: Any) -> Reply:
    return 200, {
        "endpoint": endpoint_view(project, endpoint, session.now, read=False),
        "operations": [operation_view(op, project.id, session.now) for op in ops],
    }


def list_endpoints(session: Session, request: ApiRequest) -> Reply:
    project = session.project(request.params["project_id"])
    return 200, {"endpoints": [endpoint_view(project, e, session.now) for e in project.endpoints]}


def list_branch_endpoints(session: Session, request: ApiRequest) -> Reply:
    project = session.project(request.params["project_id"])
    branch_id = request.params["branch_id"]
    if project.branch(branch_id) is None:
        raise not_found("branch", branch_id)
    endpoints = [e for e in project.endpoints if e.branch_id == branch_id]
    return 200, {"endpoints": [endpoint_view(project, e, session.now) for e in endpoints]}


def get_endpoint(session: Session, request: ApiRequest) -> Reply:
    project = session.project(request.params["project_id"])
    endpoint = find_endpoint(project, request.params["endpoint_id"])
    return 200, {"endpoint": endpoint_view(project, endpoint, session.now)}


def new_endpoint(
    project: ProjectRecord, branch_id: str, kind: EndpointType, now: float
) -> EndpointRecord:
    """A compute sized and timed from the project's default compute settings."""
    defaults = project.default_endpoint_settings
    return EndpointRecord(
        id=ids.endpoint_id(project.region_id),
        branch_id=branch_id,
        type=kind,
        min_cu=defaults["autoscaling_limit_min_cu"],
        max_cu=defaults["autoscaling_limit_max_cu"],
        suspend_timeout_seconds=defaults["suspend_timeout_seconds"],
        settings={k: v for k, v in defaults.items() if k in ("pg_settings", "pgbouncer_settings")},
        created_at=now,
        updated_at=now,
    )


def apply_fields(endpoint: EndpointRecord, fields: EndpointFields | BranchEndpointOptions) -> None:
    """Copy requested settings onto a compute, checking Neon's size and timeout rules."""
    endpoint.min_cu, endpoint.max_cu = rules.resolve_range(
        (endpoint.min_cu, endpoint.max_cu),
        fields.autoscaling_limit_min_cu,
        fields.autoscaling_limit_max_cu,
    )
    if fields.suspend_timeout_seconds is not None:
        rules.check_suspend_timeout("suspend_timeout_seconds", fields.suspend_timeout_seconds)
        endpoint.suspend_timeout_seconds = fields.suspend_timeout_seconds
    if fields.settings is not None:
        if fields.settings.pg_settings is not None:
            rules_settings.check_pg_settings("settings.pg_settings", fields.settings.pg_settings)
        # Each map given (pg_settings...) replaces the compute's: a setting left out is removed.
        endpoint.settings = {**endpoint.settings, **fields.settings.model_dump(exclude_none=True)}
    for name in ("name", "provisioner", "disabled", "passwordless_access"):
        value = getattr(fields, name, None)
        if value is not None:
            setattr(endpoint, name, value)


def create_endpoint(session: Session, request: ApiRequest) -> Reply:
    fields = parse_body(EndpointCreateBody, request.body).endpoint
    project = session.project(request.params["project_id"])
    if project.branch(fields.branch_id) is None:
        raise not_found("branch", fields.branch_id)
    if fields.region_id is not None and fields.region_id != project.region_id:
        raise bad_request(f"region_id: the project is in {project.region_id}")
    siblings = [e for e in project.endpoints if e.branch_id == fields.branch_id]
    if fields.type == "read_write" and any(e.type == "read_write" for e in siblings):
        raise bad_request(f"branch {fields.branch_id} already has a read_write endpoint")
    session.require_unlocked(project)
    endpoint = new_endpoint(project, fields.branch_id, fields.type, session.now)
    apply_fields(endpoint, fields)
    project.endpoints.append(endpoint)
    spec = OperationSpec(
        "start_compute",
        endpoint.branch_id,
        endpoint.id,
        effect="endpoint_idle" if endpoint.disabled else "endpoint_active",
    )
    operations = session.schedule(project, [spec])
    session.save(project)
    return 201, _reply(session, project, endpoint, operations)[1]


def update_endpoint(session: Session, request: ApiRequest) -> Reply:
    fields = parse_body(EndpointUpdateBody, request.body).endpoint
    project = session.project(request.params["project_id"])
    endpoint = find_endpoint(project, request.params["endpoint_id"])
    if fields.branch_id is not None and fields.branch_id != endpoint.branch_id:
        raise bad_request("branch_id: moving a compute to another branch is not supported")
    session.require_unlocked(project)
    resized = (fields.autoscaling_limit_min_cu, fields.autoscaling_limit_max_cu) != (None, None)
    apply_fields(endpoint, fields)
    endpoint.updated_at = session.now
    specs = [
        OperationSpec(
            "apply_config",
            endpoint.branch_id,
            endpoint.id,
            effect="endpoint_restart" if resized else None,
        )
    ]
    if endpoint.disabled and endpoint.state != "idle":
        specs.append(
            OperationSpec(
                "suspend_compute", endpoint.branch_id, endpoint.id, effect="endpoint_idle"
            )
        )
    operations = session.schedule(project, specs)
    session.save(project)
    return _reply(session, project, endpoint, operations)


def start_endpoint(session: Session, request: ApiRequest) -> Reply:
    project = session.project(request.params["project_id"])
    endpoint = find_endpoint(project, request.params["endpoint_id"])
    if endpoint.disabled:
        raise bad_request(f"endpoint {endpoint.id} is disabled; enable it before starting it")
    exceeded = exceeded_quotas(project, session.now)
    if exceeded:
        raise bad_request(
            f"project {project.id} has reached its {', '.join(exceeded)} quota; its computes "
            "stay suspended until the quota is raised or cleared, or the period rolls over"
        )
    session.require_unlocked(project)
    spec = OperationSpec("start_compute", endpoint.branch_id, endpoint.id, effect="endpoint_active")
    operations = session.schedule(project, [spec])
    session.save(project)
    return _reply(session, project, endpoint, operations)


def suspend_endpoint(session: Session, request: ApiRequest) -> Reply:
    project = session.project(request.params["project_id"])
    endpoint = find_endpoint(project, request.params["endpoint_id"])
    session.require_unlocked(project)
    spec = OperationSpec("suspend_compute", endpoint.branch_id, endpoint.id, effect="endpoint_idle")
    operations = session.schedule(project, [spec])
    session.save(project)
    return _reply(session, project, endpoint, operations)


def delete_endpoint(session: Session, request: ApiRequest) -> Reply:
    project = session.project(request.params["project_id"])
    endpoint_id = request.params["endpoint_id"]
    if endpoint_id in project.deleted_endpoint_ids:
        return 204, None
    endpoint = find_endpoint(project, endpoint_id)
    session.require_unlocked(project)
    deactivate(project, endpoint, session.now)
    project.endpoints.remove(endpoint)
    project.deleted_endpoint_ids.append(endpoint.id)
    operations = session.schedule(
        project, [OperationSpec("suspend_compute", endpoint.branch_id, endpoint.id)]
    )
    session.save(project)
    return _reply(session, project, endpoint, operations)
