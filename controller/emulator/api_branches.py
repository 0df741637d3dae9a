"""Branches and what lives on them: databases, roles, and connection URIs.

Why this exists: a tenant's data lives on its project's default branch, whose annotations are the
only key/value metadata Neon stores (set at creation, read back as an `annotations` map keyed by
branch id). Databases and roles are created per branch; Neon's naming rules apply (reserved
database names, protected role names, 63-byte role names, 500 of each per branch). Clients such
as neonctl build connection strings from a role's password (`reveal_password`).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from controller.emulator import ids, rules
from controller.emulator.api_computes import apply_fields, new_endpoint
from controller.emulator.bodies import (
    BranchCreateBody,
    BranchCreateFields,
    DatabaseCreateBody,
    RoleCreateBody,
    parse_body,
)
from controller.emulator.engine import Session
from controller.emulator.errors import ApiError, bad_request, not_found
from controller.emulator.lifecycle import OperationSpec
from controller.emulator.routing import JSON, ApiRequest, Reply
from controller.emulator.state import (
    BranchRecord,
    DatabaseRecord,
    EndpointRecord,
    ProjectRecord,
    RoleRecord,
)
from controller.emulator.timeutil import iso
from controller.emulator.views import (
    annotation_view,
    branch_view,
    connection_uri,
    database_view,
    endpoint_view,
    operation_view,
    role_view,
)

_SORT_KEYS = ("name", "created_at", "updated_at")


def find_branch(project: ProjectRecord, branch_id: str) -> BranchRecord:
    branch = project.branch(branch_id)
    if branch is None:
        raise not_found("branch", branch_id)
    return branch


def _encode_cursor(branch: BranchRecord, sort_by: str, sort_order: str) -> str:
    value: Any = getattr(branch, sort_by)
    token = {
        "branch_id": branch.id,
        "sort_by": sort_by,
        "sort_by_value": value if sort_by == "name" else iso(value),
        "sort_order": sort_order,
    }
    return base64.b64encode(json.dumps(token, separators=(",", ":")).encode()).decode()


def _decode_cursor(cursor: str) -> str:
    try:
        token = json.loads(base64.b64decode(cursor, validate=True))
        return str(token["branch_id"])
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise bad_request(
            'invalid request: query parameter "cursor": not a branch cursor'
        ) from None


def list_branches(session: Session, request: ApiRequest) -> Reply:
    project = session.project(request.params["project_id"])
    query = request.query
    sort_by = query.text("sort_by") or "updated_at"
    sort_order = (query.text("sort_order") or "desc").lower()
    if sort_by not in _SORT_KEYS or sort_order not in ("asc", "desc"):
        raise bad_request("invalid request: sort_by or sort_order has an unsupported value")
    limit = query.integer("limit", 10_000, 1, 10_000)
    search = (query.text("search") or "").lower()
    branches = sorted(
        (b for b in project.branches if search in b.name.lower() or search in b.id),
        key=lambda b: (getattr(b, sort_by), b.id),
        reverse=sort_order == "desc",
    )
    cursor = query.text("cursor")
    if cursor:
        after = _decode_cursor(cursor)
        positions = [i for i, b in enumerate(branches) if b.id == after]
        branches = branches[positions[0] + 1 :] if positions else []
    page = branches[:limit]
    body: JSON = {
        "branches": [branch_view(project, b, session.now) for b in page],
        "annotations": {b.id: annotation_view(b) for b in page if b.annotations},
        "pagination": {"sort_by": sort_by, "sort_order": sort_order.upper()},
    }
    if page:
        body["pagination"]["next"] = _encode_cursor(page[-1], sort_by, sort_order.upper())
    return 200, body


def get_branch(session: Session, request: ApiRequest) -> Reply:
    project = session.project(request.params["project_id"])
    branch = find_branch(project, request.params["branch_id"])
    return 200, {
        "branch": branch_view(project, branch, session.now),
        "annotation": annotation_view(branch),
    }


def _new_branch(
    project: ProjectRecord, body: BranchCreateBody, parent: BranchRecord, now: float
) -> BranchRecord:
    fields = body.branch or BranchCreateFields()
    branch_id = ids.branch_id(project.region_id)
    return BranchRecord(
        id=branch_id,
        name=fields.name or branch_id,
        parent_id=parent.id,
        protected=bool(fields.protected),
        state_changed_at=now,
        annotations=body.annotation_value,
        created_at=now,
        updated_at=now,
    )


def _inherit(
    project: ProjectRecord, parent: BranchRecord, branch: BranchRecord
) -> tuple[list[RoleRecord], list[DatabaseRecord]]:
    """A child branch starts with its parent's roles and databases, as in Neon."""
    roles = [
        r.model_copy(update={"branch_id": branch.id})
        for r in project.roles
        if r.branch_id == parent.id
    ]
    databases = [
        d.model_copy(update={"branch_id": branch.id, "id": ids.database_id()})
        for d in project.databases
        if d.branch_id == parent.id
    ]
    project.roles.extend(roles)
    project.databases.extend(databases)
    return roles, databases


def create_branch(session: Session, request: ApiRequest) -> Reply:
    body = parse_body(BranchCreateBody, request.body, required=False)
    project = session.project(request.params["project_id"])
    parent_id = body.branch.parent_id if body.branch else None
    parent = find_branch(project, parent_id or project.default_branch().id)
    options = body.endpoints or []
    if sum(1 for o in options if o.type == "read_write") > 1:
        raise bad_request("endpoints: a branch can have at most one read_write endpoint")
    session.require_unlocked(project)
    now = session.now
    branch = _new_branch(project, body, parent, now)
    endpoints = [new_endpoint(project, branch.id, o.type, now) for o in options]
    for endpoint, option in zip(endpoints, options, strict=True):
        apply_fields(endpoint, option)
    project.branches.append(branch)
    project.endpoints.extend(endpoints)
    roles, databases = _inherit(project, parent, branch)
    specs = [OperationSpec("create_branch", branch.id, effect="branch_ready")]
    specs += [
        OperationSpec("start_compute", branch.id, e.id, effect="endpoint_active") for e in endpoints
    ]
    operations = session.schedule(project, specs)
    session.save(project)
    return 201, {
        "branch": branch_view(project, branch, now),
        "endpoints": [endpoint_view(project, e, now, read=False) for e in endpoints],
        "operations": [operation_view(op, project.id, now) for op in operations],
        "roles": [role_view(r) for r in roles],
        "databases": [database_view(d) for d in databases],
    }


def _check_room(branch: BranchRecord, kind: str, name: str, taken: list[str]) -> None:
    """A new role or database: its name is free on the branch, which has room for one more."""
    if name in taken:
        raise bad_request(f"{kind} {name!r} already exists on branch {branch.id}")
    if len(taken) >= rules.MAX_PER_BRANCH:
        raise bad_request(f"branch {branch.id} already has {rules.MAX_PER_BRANCH} {kind}s")


def _created(
    session: Session, project: ProjectRecord, branch: BranchRecord, key: str, view: JSON
) -> Reply:
    """201 for a new role or database, with the `apply_config` operation that creates it."""
    writer = next((e for e in project.endpoints if e.branch_id == branch.id), None)
    spec = OperationSpec("apply_config", branch.id, writer.id if writer else None)
    operations = session.schedule(project, [spec])
    session.save(project)
    return 201, {
        key: view,
        "operations": [operation_view(op, project.id, session.now) for op in operations],
    }


def list_databases(session: Session, request: ApiRequest) -> Reply:
    project = session.project(request.params["project_id"])
    branch = find_branch(project, request.params["branch_id"])
    databases = [d for d in project.databases if d.branch_id == branch.id]
    return 200, {"databases": [database_view(d) for d in databases]}


def create_database(session: Session, request: ApiRequest) -> Reply:
    fields = parse_body(DatabaseCreateBody, request.body).database
    project = session.project(request.params["project_id"])
    branch = find_branch(project, request.params["branch_id"])
    rules.check_database_name(fields.name)
    _check_room(
        branch,
        "database",
        fields.name,
        [d.name for d in project.databases if d.branch_id == branch.id],
    )
    if not any(r.branch_id == branch.id and r.name == fields.owner_name for r in project.roles):
        raise bad_request(f"owner_name: role {fields.owner_name!r} does not exist on {branch.id}")
    session.require_unlocked(project)
    database = DatabaseRecord(
        id=ids.database_id(),
        branch_id=branch.id,
        name=fields.name,
        owner_name=fields.owner_name,
        created_at=session.now,
        updated_at=session.now,
    )
    project.databases.append(database)
    return _created(session, project, branch, "database", database_view(database))


def list_roles(session: Session, request: ApiRequest) -> Reply:
    project = session.project(request.params["project_id"])
    branch = find_branch(project, request.params["branch_id"])
    return 200, {"roles": [role_view(r) for r in project.roles if r.branch_id == branch.id]}


def create_role(session: Session, request: ApiRequest) -> Reply:
    fields = parse_body(RoleCreateBody, request.body).role
    project = session.project(request.params["project_id"])
    branch = find_branch(project, request.params["branch_id"])
    rules.check_role_name(fields.name)
    _check_room(
        branch, "role", fields.name, [r.name for r in project.roles if r.branch_id == branch.id]
    )
    session.require_unlocked(project)
    role = RoleRecord(
        branch_id=branch.id,
        name=fields.name,
        password=ids.password(),
        no_login=bool(fields.no_login),
        created_at=session.now,
        updated_at=session.now,
    )
    project.roles.append(role)
    return _created(session, project, branch, "role", role_view(role, with_password=True))


def reveal_role_password(session: Session, request: ApiRequest) -> Reply:
    """A role's password; 412 when the project does not store passwords [SPEC]."""
    project = session.project(request.params["project_id"])
    branch = find_branch(project, request.params["branch_id"])
    name = request.params["role_name"]
    role = next((r for r in project.roles if r.branch_id == branch.id and r.name == name), None)
    if role is None:
        raise not_found("role", repr(name[:80]))
    if not project.store_passwords:
        raise ApiError(
            412, f"project {project.id} does not store passwords (store_passwords is false)"
        )
    return 200, {"password": role.password}


def _uri_endpoint(
    project: ProjectRecord, branch_id: str | None, endpoint_id: str | None
) -> EndpointRecord:
    """The compute a connection URI points at: the one named, or the branch's read_write one."""
    if endpoint_id is not None:
        endpoint = project.endpoint(endpoint_id)
        if endpoint is None:
            raise not_found("endpoint", endpoint_id)
        return endpoint
    branch = find_branch(project, branch_id or project.default_branch().id)
    writers = [e for e in project.endpoints if e.branch_id == branch.id and e.type == "read_write"]
    if not writers:
        raise not_found("read_write endpoint on branch", branch.id)
    return writers[0]


def get_connection_uri(session: Session, request: ApiRequest) -> Reply:
    query = request.query
    project = session.project(request.params["project_id"])
    database_name = query.text("database_name", required=True) or ""
    role_name = query.text("role_name", required=True) or ""
    endpoint = _uri_endpoint(
        project, query.identifier("branch_id"), query.identifier("endpoint_id")
    )
    on_branch = endpoint.branch_id
    role = next(
        (r for r in project.roles if r.branch_id == on_branch and r.name == role_name), None
    )
    if role is None:
        raise not_found("role", role_name)
    if not any(d.branch_id == on_branch and d.name == database_name for d in project.databases):
        raise not_found("database", database_name)
    pooled = query.boolean("pooled")
    return 200, {"uri": connection_uri(project, endpoint, role, database_name, pooled=pooled)}
