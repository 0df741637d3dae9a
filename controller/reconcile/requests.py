"""Turn plan actions into Neon request bodies (pure).

Project settings are always sent whole: whether Neon merges or replaces a partial
`settings.quota` is not documented, and sending every managed field lands on the wanted values
either way.
Endpoint updates carry only the fields that change: resizing restarts a compute, so unchanged
sizes are never re-sent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from controller.neon.models import Endpoint
from controller.neon.payloads import (
    BranchInput,
    DefaultEndpointSettingsInput,
    EndpointUpdate,
    ProjectCreate,
    ProjectSettingsInput,
    ProjectUpdate,
    QuotaInput,
)
from controller.reconcile.changeplan import PROJECT_TARGET, Action, CreateSpec, ProjectSettings


def _quota(settings: ProjectSettings) -> ProjectSettingsInput:
    return ProjectSettingsInput(quota=QuotaInput(**settings.quota))


def _defaults(settings: ProjectSettings) -> DefaultEndpointSettingsInput:
    return DefaultEndpointSettingsInput(
        autoscaling_limit_min_cu=settings.min_cu,
        autoscaling_limit_max_cu=settings.max_cu,
        suspend_timeout_seconds=settings.suspend_timeout_seconds,
    )


def create_request(spec: CreateSpec) -> ProjectCreate:
    """The POST /projects body for a new tenant project, ownership annotations included."""
    s = spec.settings
    return ProjectCreate(
        name=s.name,
        region_id=spec.region_id,
        pg_version=spec.pg_version,
        org_id=spec.org_id,
        settings=_quota(s),
        default_endpoint_settings=_defaults(s),
        history_retention_seconds=s.history_retention_seconds,
        branch=BranchInput(
            database_name=spec.database_name,
            role_name=spec.role_name,
            annotations=dict(spec.annotations),
        ),
    )


def project_update_request(action: Action) -> ProjectUpdate | None:
    """The PATCH /projects/{id} body for an action's project-level changes, if it has any.

    Every managed section is sent whole, changed or not: the project list does not report
    all of them (history retention), and partial quota objects have undocumented semantics.
    None of these settings restarts a compute. The name is sent only when it changes.
    """
    fields = {c.field for c in action.changes if c.target == PROJECT_TARGET}
    if not fields:
        return None
    assert action.settings is not None, "an update action carries the wanted settings"
    s = action.settings
    return ProjectUpdate(
        name=s.name if "name" in fields else None,
        settings=_quota(s),
        default_endpoint_settings=_defaults(s),
        history_retention_seconds=s.history_retention_seconds,
    )


def endpoint_requests(action: Action) -> list[tuple[str, EndpointUpdate]]:
    """One PATCH body per endpoint the action changes, with only the changed fields."""
    per_endpoint: dict[str, dict[str, object]] = defaultdict(dict)
    for change in action.changes:
        if change.target != PROJECT_TARGET:
            per_endpoint[change.target][change.field] = change.new
    return [
        (eid, EndpointUpdate.model_validate(fields)) for eid, fields in sorted(per_endpoint.items())
    ]


def endpoint_updates_after_create(
    spec: CreateSpec, endpoints: Sequence[Endpoint]
) -> Iterable[tuple[str, EndpointUpdate]]:
    """Bring a new project's computes to the tenant's sizes and state, where Neon differs."""
    s = spec.settings
    wanted: dict[str, object] = {
        "autoscaling_limit_min_cu": s.min_cu,
        "autoscaling_limit_max_cu": s.max_cu,
        "suspend_timeout_seconds": s.suspend_timeout_seconds,
        "disabled": spec.suspended,
    }
    for endpoint in sorted(endpoints, key=lambda e: e.id):
        live = {name: getattr(endpoint, name) for name in wanted}
        changed = {name: value for name, value in wanted.items() if live[name] != value}
        if changed:
            yield endpoint.id, EndpointUpdate.model_validate(changed)
