"""Turn plan actions into Neon request bodies (pure), by walking the registry's Neon paths.

Project settings are always sent whole: whether Neon merges or replaces a partial `settings`
object is not documented, and sending every managed field lands on the wanted values either
way. The exception is a setting whose change disrupts computes (enabling logical replication
suspends them): it is sent only when it changes. Compute updates carry only the fields that
change: resizing restarts a compute, so unchanged sizes are never re-sent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from controller.neon.models import Endpoint
from controller.neon.payloads import EndpointCreate, EndpointUpdate, ProjectCreate, ProjectUpdate
from controller.reconcile.changeplan import PROJECT_TARGET, Action, ComputeSpec, CreateSpec
from controller.reconcile.diff import DISABLED_FIELD, NAME_FIELD, REPLICA_COUNT
from controller.spec.managed import (
    BY_KEY,
    FIELDS,
    PROJECT_FIELDS,
    ComputeRole,
    Level,
    Mutability,
    dig,
    place,
)
from controller.spec.values import UNREPORTED, Value


def create_request(spec: CreateSpec) -> ProjectCreate:
    """The POST /projects body for a new tenant project, ownership annotations included."""
    body: dict[str, Value] = {"name": spec.name}
    if spec.org_id is not None:
        body["org_id"] = spec.org_id
    for field in FIELDS:
        value = spec.values.get(field.key)
        if value is not None and field.creation_path is not None:
            place(body, field.creation_path, value)
    place(body, ("branch", "annotations"), dict(spec.annotations))
    return ProjectCreate.model_validate(body)


def project_update_request(action: Action) -> ProjectUpdate | None:
    """The PATCH /projects/{id} body for an action's project-level changes, if it has any.

    None of these settings restarts a compute. The name is sent only when it changes.
    """
    changed = {c.field for c in action.changes if c.target == PROJECT_TARGET} - {REPLICA_COUNT}
    if not changed:
        return None
    assert action.wanted is not None, "an update action carries the wanted settings"
    body: dict[str, Value] = {}
    if NAME_FIELD in changed:
        body["name"] = next(c.new for c in action.changes if c.field == NAME_FIELD)
    for field in PROJECT_FIELDS:
        value = action.wanted.get(field.key)
        if value is None or field.mutability is Mutability.IMMUTABLE:
            continue
        if field.level is Level.PROJECT and field.on_change and field.key not in changed:
            continue  # a project setting that disrupts computes is only sent to change it
        assert field.project_path is not None
        place(body, field.project_path, value)
    return ProjectUpdate.model_validate(body)


def endpoint_requests(action: Action) -> list[tuple[str, EndpointUpdate]]:
    """One PATCH body per compute the action changes, with only the changed fields."""
    per_endpoint: dict[str, dict[str, Value]] = defaultdict(dict)
    for change in action.changes:
        if change.target == PROJECT_TARGET:
            continue
        if change.field == DISABLED_FIELD:
            per_endpoint[change.target][DISABLED_FIELD] = change.new
            continue
        path = BY_KEY[change.field].compute_path
        assert path is not None, f"{change.field} is not a compute setting"
        place(per_endpoint[change.target], path, change.new)
    return [
        (eid, EndpointUpdate.model_validate(fields)) for eid, fields in sorted(per_endpoint.items())
    ]


def replica_request(branch_id: str, replica: ComputeSpec) -> EndpointCreate:
    """The POST /projects/{id}/endpoints body for one read replica (or a missing primary)."""
    body: dict[str, Any] = {
        "branch_id": branch_id,
        "type": replica.compute_type,
        "autoscaling_limit_min_cu": replica.min_cu,
        "autoscaling_limit_max_cu": replica.max_cu,
        "suspend_timeout_seconds": replica.suspend_timeout_seconds,
    }
    if replica.name is not None:
        body["name"] = replica.name
    if replica.pg_settings:
        body["settings"] = {"pg_settings": dict(replica.pg_settings)}
    if replica.disabled:
        body["disabled"] = True
    return EndpointCreate.model_validate(body)


def endpoint_updates_after_create(
    spec: CreateSpec, endpoints: Sequence[Endpoint]
) -> Iterable[tuple[str, EndpointUpdate]]:
    """Bring a new project's primary computes to the tenant's settings and state, where Neon's
    seeded compute differs (it normally takes the project's default compute settings)."""
    for endpoint in sorted(endpoints, key=lambda e: e.id):
        if endpoint.type != "read_write":
            continue
        changed = _differences(spec.values, endpoint.model_dump(mode="json"))
        if endpoint.disabled != spec.suspended:
            changed[DISABLED_FIELD] = spec.suspended
        if changed:
            yield endpoint.id, EndpointUpdate.model_validate(changed)


def _differences(values: Mapping[str, Value], live: Mapping[str, Value]) -> dict[str, Value]:
    """The primary-compute settings whose live value differs from the wanted one, as a body."""
    body: dict[str, Value] = {}
    for field in FIELDS:
        wanted = values.get(field.key)
        if field.compute_path is None or wanted is None:
            continue
        if ComputeRole.READ_WRITE not in field.computes:
            continue
        found = dig(live, field.compute_path)
        if found is UNREPORTED or found is None:
            found = field.absent
        if found is UNREPORTED or not field.kind.same(found, wanted):
            place(body, field.compute_path, wanted)
    return body
