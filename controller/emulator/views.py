"""Neon's JSON for each resource, rendered from the emulator's records at a given instant.

Why this exists: field sets, names and quirks follow the real responses (the recordings under
tests/fixtures/recordings and the contract), and they differ by call: a project from GET carries
its consumption period and owner, one from create/update/delete shows the zero time
`0001-01-01T00:00:00Z` there, a list item has `active_time` instead of the full counters, and a
role shows its password only when created. Keeping those rules in one module keeps handlers small.
"""

from __future__ import annotations

from typing import Any, Literal

from controller.emulator.lifecycle import operation_status
from controller.emulator.rules import platform_id, proxy_host
from controller.emulator.rules_settings import default_maintenance_window
from controller.emulator.state import (
    BranchRecord,
    DatabaseRecord,
    EndpointRecord,
    OperationRecord,
    ProjectRecord,
    RoleRecord,
)
from controller.emulator.timeutil import ZERO_TIME, iso, month_start, next_month_start
from controller.emulator.usage import byte_hours, logical_size, period_usage, storage_integral

JSON = dict[str, Any]
ProjectViewKind = Literal["get", "create", "change"]

OWNER_ID = "5d1c7b53-3f0a-4a8e-9b1e-2f7c6a0e4d21"
OWNER = {
    "email": "emulator@example.com",
    "name": "tenantctl emulator",
    "branches_limit": 25,
    "subscription_type": "scale",
}
NEVER_ACTIVE = "2000-01-01T00:00:00Z"  # `last_active` of a compute that never ran (recorded)
BRANCH_LOGICAL_SIZE_LIMIT_MIB = 512  # as recorded; no plan limit is enforced on it
_DEFAULT_SETTINGS: JSON = {
    "allowed_ips": {"ips": [], "protected_branches_only": False},
    "enable_logical_replication": False,
    "block_public_connections": False,
    "block_vpc_connections": False,
}


def compute_units(value: float) -> float | int:
    """1.0 prints as 1, as Neon prints it; 0.25 stays 0.25."""
    return int(value) if float(value).is_integer() else value


def settings_view(project: ProjectRecord) -> JSON:
    """The project's settings over Neon's defaults; every project reports a maintenance window
    (one Neon assigned when none was chosen, as real responses show)."""
    merged: JSON = {
        **_DEFAULT_SETTINGS,
        "maintenance_window": default_maintenance_window(project.id),
        **project.settings,
    }
    if "allowed_ips" in project.settings:
        merged["allowed_ips"] = {
            **_DEFAULT_SETTINGS["allowed_ips"],
            **project.settings["allowed_ips"],
        }
    return merged


def default_endpoint_settings_view(project: ProjectRecord) -> JSON:
    view = dict(project.default_endpoint_settings)
    for key in ("autoscaling_limit_min_cu", "autoscaling_limit_max_cu"):
        view[key] = compute_units(view[key])
    return view


def _last_active(project: ProjectRecord, now: float) -> float | None:
    ends = [now if i.end is None else i.end for i in project.intervals]
    return max(ends, default=None)


def _common_project_fields(project: ProjectRecord) -> JSON:
    fields: JSON = {
        "id": project.id,
        "platform_id": platform_id(project.region_id),
        "region_id": project.region_id,
        "name": project.name,
        "provisioner": project.provisioner,
        "default_endpoint_settings": default_endpoint_settings_view(project),
        "settings": settings_view(project),
        "pg_version": project.pg_version,
        "proxy_host": proxy_host(project.region_id),
        "branch_logical_size_limit": BRANCH_LOGICAL_SIZE_LIMIT_MIB,
        "branch_logical_size_limit_bytes": BRANCH_LOGICAL_SIZE_LIMIT_MIB * 1024 * 1024,
        "store_passwords": project.store_passwords,
        "creation_source": "console",
        # In the current contract's list items too (ProjectListItem); 2024-25 recordings predate it.
        "history_retention_seconds": project.history_retention_seconds,
        "created_at": iso(project.created_at),
        "updated_at": iso(project.updated_at),
        "owner_id": OWNER_ID,
    }
    if project.org_id is not None:
        fields["org_id"] = project.org_id
    return fields


def project_view(project: ProjectRecord, now: float, kind: ProjectViewKind = "get") -> JSON:
    """The full Project object, as GET (kind "get"), create or update/delete/recover return it."""
    used = period_usage(project, now)
    period_start = month_start(now)
    view: JSON = {
        "data_storage_bytes_hour": byte_hours(storage_integral(project, period_start, now)),
        "data_transfer_bytes": used.data_transfer_bytes,
        "written_data_bytes": used.written_data_bytes,
        "compute_time_seconds": used.compute_seconds,
        "active_time_seconds": used.active_seconds,
        "cpu_used_sec": used.compute_seconds,
        **_common_project_fields(project),
        "consumption_period_start": ZERO_TIME,
        "consumption_period_end": ZERO_TIME,
    }
    if kind != "create":
        view["synthetic_storage_size"] = logical_size(project, now)
    if kind == "get":
        view["consumption_period_start"] = iso(period_start)
        view["consumption_period_end"] = iso(next_month_start(now))
        view["quota_reset_at"] = view["consumption_period_end"]  # deprecated, still sent in 2024
        view["owner"] = dict(OWNER)
    last_active = _last_active(project, now)
    if last_active is not None:
        view["compute_last_active_at"] = iso(last_active)
    return view


def project_list_item(project: ProjectRecord, now: float, recovery_seconds: float) -> JSON:
    used = period_usage(project, now)
    item: JSON = {
        **_common_project_fields(project),
        "active_time": used.active_seconds,
        "cpu_used_sec": used.compute_seconds,
        "synthetic_storage_size": logical_size(project, now),
        "quota_reset_at": iso(next_month_start(now)),
    }
    last_active = _last_active(project, now)
    if last_active is not None:
        item["compute_last_active_at"] = iso(last_active)
    if project.deleted_at is not None:
        item["deleted_at"] = iso(project.deleted_at)
        item["recoverable_until"] = iso(project.deleted_at + recovery_seconds)
    return item


def _pending(project: ProjectRecord, now: float, target_id: str, attribute: str) -> str | None:
    targets = {"branch_ready": "ready", "endpoint_active": "active", "endpoint_idle": "idle"}
    for op in project.operations:
        if op.ends_at > now and getattr(op, attribute) == target_id and op.effect in targets:
            return targets[op.effect]
    return None


def branch_view(project: ProjectRecord, branch: BranchRecord, now: float) -> JSON:
    used = period_usage(project, now, branch_id=branch.id)
    view: JSON = {
        "id": branch.id,
        "project_id": project.id,
        "name": branch.name,
        "current_state": branch.state,
        "state_changed_at": iso(branch.state_changed_at),
        "logical_size": logical_size(project, now, branch.id),
        "creation_source": "console",
        "primary": branch.default,
        "default": branch.default,
        "protected": branch.protected,
        "cpu_used_sec": used.compute_seconds,
        "compute_time_seconds": used.compute_seconds,
        "active_time_seconds": used.active_seconds,
        "written_data_bytes": used.written_data_bytes,
        "data_transfer_bytes": used.data_transfer_bytes,
        "created_at": iso(branch.created_at),
        "updated_at": iso(branch.updated_at),
        "created_by": {"name": OWNER["name"], "image": ""},
    }
    if branch.parent_id is not None:
        view["parent_id"] = branch.parent_id
    pending = _pending(project, now, branch.id, "branch_id")
    if pending is not None and pending != branch.state:
        view["pending_state"] = pending
    return view


def annotation_view(branch: BranchRecord) -> JSON:
    return {
        "object": {"type": "console/branch", "id": branch.id},
        "value": dict(branch.annotations or {}),
        "created_at": iso(branch.created_at),
        "updated_at": iso(branch.created_at),
    }


def endpoint_view(
    project: ProjectRecord, endpoint: EndpointRecord, now: float, *, read: bool = True
) -> JSON:
    """A compute; `read` adds `last_active`, which GET/list show and mutation responses omit."""
    host = f"{endpoint.id}.{proxy_host(project.region_id)}"
    view: JSON = {
        "host": host,
        "id": endpoint.id,
        "project_id": project.id,
        "branch_id": endpoint.branch_id,
        "autoscaling_limit_min_cu": compute_units(endpoint.min_cu),
        "autoscaling_limit_max_cu": compute_units(endpoint.max_cu),
        "region_id": project.region_id,
        "type": endpoint.type,
        "current_state": endpoint.state,
        "settings": dict(endpoint.settings),
        "pooler_enabled": False,
        "pooler_mode": "transaction",
        "disabled": endpoint.disabled,
        "passwordless_access": endpoint.passwordless_access,
        "creation_source": "console",
        "created_at": iso(endpoint.created_at),
        "updated_at": iso(endpoint.updated_at),
        "proxy_host": proxy_host(project.region_id),
        "suspend_timeout_seconds": endpoint.suspend_timeout_seconds,
        "provisioner": endpoint.provisioner,
    }
    view.update(_endpoint_optional_fields(project, endpoint, now, read=read))
    return view


def _endpoint_optional_fields(
    project: ProjectRecord, endpoint: EndpointRecord, now: float, *, read: bool
) -> JSON:
    fields: JSON = {}
    if endpoint.name is not None:
        fields["name"] = endpoint.name
    pending = _pending(project, now, endpoint.id, "endpoint_id")
    if pending is not None and pending != endpoint.state:
        fields["pending_state"] = pending
    if read:
        last_active = endpoint.last_active
        fields["last_active"] = NEVER_ACTIVE if last_active is None else iso(last_active)
    for key in ("started_at", "suspended_at"):
        instant = getattr(endpoint, key)
        if instant is not None:
            fields[key] = iso(instant)
    return fields


def operation_view(operation: OperationRecord, project_id: str, now: float) -> JSON:
    status = operation_status(operation, now)
    if status == "scheduling":
        updated, duration = operation.created_at, 0.0
    elif status == "running":
        updated, duration = operation.starts_at, now - operation.starts_at
    else:
        updated, duration = operation.ends_at, operation.ends_at - operation.starts_at
    view: JSON = {"id": operation.id, "project_id": project_id}
    if operation.branch_id is not None:
        view["branch_id"] = operation.branch_id
    if operation.endpoint_id is not None:
        view["endpoint_id"] = operation.endpoint_id
    view.update(
        action=operation.action,
        status=status,
        failures_count=1 if status == "failed" else 0,
        created_at=iso(operation.created_at),
        updated_at=iso(max(updated, operation.created_at)),
        total_duration_ms=int(duration * 1000),
    )
    if status == "failed":
        view["error"] = f"{operation.action} failed (fault injected by the emulator)"
    return view


def role_view(role: RoleRecord, *, with_password: bool = False) -> JSON:
    view: JSON = {"branch_id": role.branch_id, "name": role.name}
    if with_password:
        view["password"] = role.password
    view.update(protected=False, created_at=iso(role.created_at), updated_at=iso(role.updated_at))
    return view


def database_view(database: DatabaseRecord) -> JSON:
    return {
        "id": database.id,
        "branch_id": database.branch_id,
        "name": database.name,
        "owner_name": database.owner_name,
        "created_at": iso(database.created_at),
        "updated_at": iso(database.updated_at),
    }


def connection_uri(
    project: ProjectRecord,
    endpoint: EndpointRecord,
    role: RoleRecord,
    database: str,
    *,
    pooled: bool,
) -> str:
    suffix = "-pooler" if pooled else ""
    host = f"{endpoint.id}{suffix}.{proxy_host(project.region_id)}"
    return f"postgresql://{role.name}:{role.password}@{host}/{database}?sslmode=require"


def connection_details(
    project: ProjectRecord, endpoint: EndpointRecord, role: RoleRecord, database: str
) -> JSON:
    host = f"{endpoint.id}.{proxy_host(project.region_id)}"
    return {
        "connection_uri": connection_uri(project, endpoint, role, database, pooled=False),
        "connection_parameters": {
            "database": database,
            "password": role.password,
            "role": role.name,
            "host": host,
            "pooler_host": f"{endpoint.id}-pooler.{proxy_host(project.region_id)}",
        },
    }
