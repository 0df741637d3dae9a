"""Projects: list, create, get, update, delete and recover, as Neon's API v2 serves them.

Why this exists: the project is what a tenant controller creates, observes and reconciles. Create
seeds what Neon seeds (the default branch, a database, its owner role, one read_write compute,
connection URIs) and returns 201 with `create_timeline` running and `start_compute` scheduled.
Deleted projects stay recoverable for 7 days. Settings merge on update: keys left out keep their
value, and a quota field goes back to unlimited only when set to 0 (Neon's quota semantics).
Settings follow Neon's rules (rules_settings.py); enabling logical replication, which cannot be
undone, suspends the project's active computes through `suspend_compute` operations.
"""

from __future__ import annotations

from typing import Any

from controller.emulator import ids, rules, rules_settings
from controller.emulator.api_computes import new_endpoint
from controller.emulator.bodies import (
    DefaultEndpointSettingsBody,
    NewProjectBranchBody,
    ProjectCreateBody,
    ProjectCreateFields,
    ProjectUpdateBody,
    SettingsBody,
    parse_body,
)
from controller.emulator.engine import RECOVERY_SECONDS, Session
from controller.emulator.lifecycle import OperationSpec, cancel_unfinished, deactivate, settle
from controller.emulator.routing import JSON, ApiRequest, Reply
from controller.emulator.state import (
    BranchRecord,
    DatabaseRecord,
    OperationRecord,
    ProjectRecord,
    RoleRecord,
)
from controller.emulator.store import ProjectQuery
from controller.emulator.views import (
    branch_view,
    connection_details,
    database_view,
    endpoint_view,
    operation_view,
    project_list_item,
    project_view,
    role_view,
)

DEFAULT_CU = 0.25
DEFAULT_HISTORY_RETENTION = 86_400


def list_projects(session: Session, request: ApiRequest) -> Reply:
    query = request.query
    query.integer("timeout", 30_000, 100, 30_000)  # accepted; the emulator never times out
    recoverable = query.boolean("recoverable")
    page = session.page(
        ProjectQuery(
            limit=query.integer("limit", 10, 1, 400),
            after=query.text("cursor"),
            search=query.text("search"),
            org_id=query.identifier("org_id"),
            deleted_since=session.now - RECOVERY_SECONDS if recoverable else None,
        )
    )
    body: JSON = {
        "projects": [project_list_item(p, session.now, RECOVERY_SECONDS) for p in page],
        "applications": {},
        "integrations": {},
    }
    if page:
        body["pagination"] = {"cursor": page[-1].id}
    return 200, body


def list_shared_projects(session: Session, request: ApiRequest) -> Reply:
    """Projects other accounts share with this one: none, the emulator has a single account."""
    query = request.query
    query.integer("limit", 10, 1, 400)
    query.integer("timeout", 30_000, 100, 30_000)
    query.text("cursor")
    query.text("search")
    return 200, {"projects": []}


def checked_settings(update: SettingsBody) -> SettingsBody:
    """The settings of a create or update, checked against Neon's rules; IP entries trimmed."""
    allowed = update.allowed_ips
    if allowed is not None and allowed.ips is not None:
        ips = rules_settings.normalize_allowed_ips(allowed.ips)
        update = update.model_copy(update={"allowed_ips": allowed.model_copy(update={"ips": ips})})
    window = update.maintenance_window
    if window is not None:
        rules_settings.check_maintenance_window(window.weekdays, window.start_time, window.end_time)
    return update


def merge_settings(current: dict[str, Any], update: SettingsBody) -> dict[str, Any]:
    """Keys present in the update replace; `quota` and `allowed_ips` merge field by field (so
    `allowed_ips.ips` replaces the list, as Neon documents: "you can only replace")."""
    patch = checked_settings(update).model_dump(exclude_none=True)
    merged = {**current, **patch}
    for nested in ("quota", "allowed_ips"):
        if nested in patch:
            merged[nested] = {**current.get(nested, {}), **patch[nested]}
    return merged


def merge_endpoint_defaults(
    current: dict[str, Any], update: DefaultEndpointSettingsBody
) -> dict[str, Any]:
    """New default compute settings, checked against Neon's compute-size rules."""
    if update.pg_settings is not None:
        rules_settings.check_pg_settings(
            "default_endpoint_settings.pg_settings", update.pg_settings
        )
    merged = {**current, **update.model_dump(exclude_none=True)}
    merged["autoscaling_limit_min_cu"], merged["autoscaling_limit_max_cu"] = rules.resolve_range(
        (current["autoscaling_limit_min_cu"], current["autoscaling_limit_max_cu"]),
        update.autoscaling_limit_min_cu,
        update.autoscaling_limit_max_cu,
    )
    rules.check_suspend_timeout(
        "default_endpoint_settings.suspend_timeout_seconds", merged["suspend_timeout_seconds"]
    )
    return merged


def _initial_endpoint_defaults(fields: ProjectCreateFields) -> dict[str, Any]:
    base: dict[str, Any] = {
        "autoscaling_limit_min_cu": DEFAULT_CU,
        "autoscaling_limit_max_cu": DEFAULT_CU,
        "suspend_timeout_seconds": 0,
    }
    requested = fields.default_endpoint_settings or DefaultEndpointSettingsBody()
    deprecated = {  # the top-level fields Neon still accepts
        "autoscaling_limit_min_cu": fields.autoscaling_limit_min_cu,
        "autoscaling_limit_max_cu": fields.autoscaling_limit_max_cu,
    }
    fallback = {
        k: v for k, v in deprecated.items() if v is not None and getattr(requested, k) is None
    }
    return merge_endpoint_defaults(base, requested.model_copy(update=fallback))


def _seed(project: ProjectRecord, spec: NewProjectBranchBody, now: float) -> None:
    """The default branch, its read_write compute, owner role and database."""
    database_name = spec.database_name if spec.database_name is not None else "neondb"
    role_name = spec.role_name if spec.role_name is not None else f"{database_name}_owner"
    rules.check_database_name(database_name)
    rules.check_role_name(role_name)
    branch = BranchRecord(
        id=ids.branch_id(project.region_id),
        name=spec.name or "main",
        default=True,
        state_changed_at=now,
        annotations=spec.annotations,
        created_at=now,
        updated_at=now,
    )
    project.branches.append(branch)
    project.endpoints.append(new_endpoint(project, branch.id, "read_write", now))
    project.roles.append(
        RoleRecord(
            branch_id=branch.id,
            name=role_name,
            password=ids.password(),
            created_at=now,
            updated_at=now,
        )
    )
    project.databases.append(
        DatabaseRecord(
            id=ids.database_id(),
            branch_id=branch.id,
            name=database_name,
            owner_name=role_name,
            created_at=now,
            updated_at=now,
        )
    )


def _new_project(project_id: str, fields: ProjectCreateFields, now: float) -> ProjectRecord:
    retention = fields.history_retention_seconds
    return ProjectRecord(
        id=project_id,
        name=fields.name or project_id,
        region_id=fields.region_id or rules.DEFAULT_REGION,
        pg_version=fields.pg_version or rules.DEFAULT_PG_VERSION,
        org_id=fields.org_id,
        store_passwords=True if fields.store_passwords is None else fields.store_passwords,
        history_retention_seconds=DEFAULT_HISTORY_RETENTION if retention is None else retention,
        provisioner=fields.provisioner or "k8s-neonvm",
        settings=merge_settings({}, fields.settings or SettingsBody()),
        default_endpoint_settings=_initial_endpoint_defaults(fields),
        created_at=now,
        updated_at=now,
        settled_at=now,
    )


def create_project(session: Session, request: ApiRequest) -> Reply:
    fields = parse_create(request.body)
    now = session.now
    project = _new_project(session.new_project_id(), fields, now)
    _seed(project, fields.branch or NewProjectBranchBody(), now)
    branch, endpoint = project.branches[0], project.endpoints[0]
    role, database = project.roles[0], project.databases[0]
    operations = session.schedule(
        project,
        [
            OperationSpec("create_timeline", branch.id, effect="branch_ready"),
            OperationSpec("start_compute", branch.id, endpoint.id, effect="endpoint_active"),
        ],
    )
    session.save(project)
    return 201, {
        "project": project_view(project, now, kind="create"),
        "connection_uris": [connection_details(project, endpoint, role, database.name)],
        "roles": [role_view(role, with_password=True)],
        "databases": [database_view(database)],
        "operations": [operation_view(op, project.id, now) for op in operations],
        "branch": branch_view(project, branch, now),
        "endpoints": [endpoint_view(project, endpoint, now, read=False)],
    }


def parse_create(raw: bytes) -> ProjectCreateFields:
    fields = parse_body(ProjectCreateBody, raw).project
    rules.check_region(fields.region_id or rules.DEFAULT_REGION)
    return fields


def get_project(session: Session, request: ApiRequest) -> Reply:
    project = session.project(request.params["project_id"])
    return 200, {"project": project_view(project, session.now, kind="get")}


def _enable_logical_replication(session: Session, project: ProjectRecord) -> list[OperationRecord]:
    """[SPEC] "All active endpoints will be suspended": one `suspend_compute` each."""
    session.require_unlocked(project)
    specs = [
        OperationSpec("suspend_compute", e.branch_id, e.id, effect="endpoint_idle")
        for e in project.endpoints
        if e.state == "active"
    ]
    return session.schedule(project, specs) if specs else []


def update_project(session: Session, request: ApiRequest) -> Reply:
    fields = parse_body(ProjectUpdateBody, request.body).project
    project = session.project(request.params["project_id"])
    operations: list[OperationRecord] = []
    if fields.name is not None:
        project.name = fields.name
    if fields.settings is not None:
        enabling = rules_settings.check_logical_replication(
            bool(project.settings.get("enable_logical_replication")),
            fields.settings.enable_logical_replication,
        )
        project.settings = merge_settings(project.settings, fields.settings)
        if enabling:
            operations = _enable_logical_replication(session, project)
    if fields.default_endpoint_settings is not None:
        project.default_endpoint_settings = merge_endpoint_defaults(
            project.default_endpoint_settings, fields.default_endpoint_settings
        )
    if fields.history_retention_seconds is not None:
        project.history_retention_seconds = fields.history_retention_seconds
    project.updated_at = session.now
    settle(project, session.now)  # a lowered quota suspends computes at once
    session.save(project)
    return 200, {
        "project": project_view(project, session.now, kind="change"),
        "operations": [operation_view(op, project.id, session.now) for op in operations],
    }


def delete_project(session: Session, request: ApiRequest) -> Reply:
    project = session.project(request.params["project_id"])
    cancel_unfinished(project, session.now)
    for endpoint in project.endpoints:
        deactivate(project, endpoint, session.now)
    project.deleted_at = session.now
    session.save(project)
    return 200, {"project": project_view(project, session.now, kind="change")}


def recover_project(session: Session, request: ApiRequest) -> Reply:
    project = session.deleted_project(request.params["project_id"])
    project.deleted_at = None
    project.updated_at = session.now
    session.save(project)
    return 200, {
        "project": project_view(project, session.now, kind="change"),
        "branches": [branch_view(project, b, session.now) for b in project.branches],
    }
