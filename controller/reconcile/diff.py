"""Field-by-field differences between a tenant's desired project and the live one (pure).

The one place that knows which Neon fields tenantctl manages, how they map to the fleet's
layers, and which are immutable. deepdiff is not needed here: the compared shape is flat and
fixed, and explicit comparisons keep old -> new and the responsible layer together.
"""

from __future__ import annotations

from controller.reconcile.changeplan import (
    DEFAULTS_PREFIX,
    PROJECT_TARGET,
    QUOTA_PREFIX,
    ActionKind,
    FieldChange,
    ProjectSettings,
)
from controller.reconcile.desired import QUOTA_FIELDS, DesiredTenant
from controller.reconcile.observed import ObservedEndpoint, ObservedProject
from controller.spec.model import TenantState


def desired_settings(tenant: DesiredTenant) -> ProjectSettings:
    """The project-level settings a tenant wants, as sent on create and update."""
    return ProjectSettings(
        name=tenant.project_name,
        quota={name: tenant.quota.get(name, 0) for name in QUOTA_FIELDS},
        min_cu=tenant.min_cu,
        max_cu=tenant.max_cu,
        suspend_timeout_seconds=tenant.suspend_timeout_seconds,
        history_retention_seconds=tenant.history_retention_seconds,
    )


def immutable_changes(tenant: DesiredTenant, live: ObservedProject) -> tuple[FieldChange, ...]:
    """Region and Postgres version differences: conflicts, never replacements."""
    pairs = (
        ("region_id", live.region_id, tenant.region_id),
        ("pg_version", live.pg_version, tenant.pg_version),
    )
    return tuple(
        FieldChange(
            target=PROJECT_TARGET, field=name, old=old, new=new, layer=tenant.layer_of(name)
        )
        for name, old, new in pairs
        if old != new
    )


def project_changes(tenant: DesiredTenant, live: ObservedProject) -> tuple[FieldChange, ...]:
    """Managed project fields whose live value differs from the wanted one, in a fixed order.

    A value the project list does not report (None) is not compared: it cannot be known to
    differ. Every project update sends all managed settings, so it still lands with the next.
    """
    wanted = desired_settings(tenant)
    pairs: list[tuple[str, object, object]] = [("name", live.name, wanted.name)]
    pairs += [
        (f"{QUOTA_PREFIX}{name}", live.quota.get(name, 0), wanted.quota[name])
        for name in QUOTA_FIELDS
    ]
    pairs += [
        (f"{DEFAULTS_PREFIX}autoscaling_limit_min_cu", live.default_min_cu, wanted.min_cu),
        (f"{DEFAULTS_PREFIX}autoscaling_limit_max_cu", live.default_max_cu, wanted.max_cu),
        (
            f"{DEFAULTS_PREFIX}suspend_timeout_seconds",
            live.default_suspend_timeout_seconds,
            wanted.suspend_timeout_seconds,
        ),
        (
            "history_retention_seconds",
            live.history_retention_seconds,
            wanted.history_retention_seconds,
        ),
    ]
    return tuple(
        _change(PROJECT_TARGET, name, old, new, tenant)
        for name, old, new in pairs
        if old is not None and not _same(old, new)
    )


def endpoint_changes(tenant: DesiredTenant, endpoint: ObservedEndpoint) -> tuple[FieldChange, ...]:
    """Autoscaling and scale-to-zero differences on an existing compute (not `disabled`)."""
    pairs = (
        ("autoscaling_limit_min_cu", endpoint.min_cu, tenant.min_cu),
        ("autoscaling_limit_max_cu", endpoint.max_cu, tenant.max_cu),
        (
            "suspend_timeout_seconds",
            endpoint.suspend_timeout_seconds,
            tenant.suspend_timeout_seconds,
        ),
    )
    return tuple(
        _change(endpoint.endpoint_id, name, old, new, tenant, source=f"{DEFAULTS_PREFIX}{name}")
        for name, old, new in pairs
        if not _same(old, new)
    )


def wants_disabled(state: TenantState) -> bool:
    """Suspended and to-be-deleted tenants keep their data but lose their computes."""
    return state is not TenantState.ACTIVE


def disabled_change(endpoint: ObservedEndpoint, disabled: bool) -> FieldChange | None:
    """The `disabled` flip an endpoint needs, if any."""
    if endpoint.disabled == disabled:
        return None
    return FieldChange(
        target=endpoint.endpoint_id, field="disabled", old=endpoint.disabled, new=disabled
    )


def _change(
    target: str,
    name: str,
    old: object,
    new: object,
    tenant: DesiredTenant,
    source: str | None = None,
) -> FieldChange:
    return FieldChange(
        target=target,
        field=name,
        old=_scalar(old),
        new=_scalar(new),
        layer=tenant.layer_of(source or name),
    )


def _same(old: object, new: object) -> bool:
    if isinstance(old, int | float) and isinstance(new, int | float) and not isinstance(old, bool):
        return float(old) == float(new)
    return old == new


def _scalar(value: object) -> str | int | float | bool | None:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"not a scalar field value: {value!r}")


def tenant_changes(
    tenant: DesiredTenant,
    live: ObservedProject,
    endpoints: tuple[ObservedEndpoint, ...],
    *,
    manage_name: bool,
) -> list[tuple[ActionKind, tuple[FieldChange, ...], str]]:
    """Every change a matched tenant needs, grouped by action kind with the reason for each.

    Adopted projects (matched by `project_id`) keep their own name: identity does not hang on it.
    Tenants to be deleted only lose their computes; their settings no longer matter.
    """
    grouped: list[tuple[ActionKind, tuple[FieldChange, ...], str]] = []
    if tenant.state is not TenantState.DELETED:
        project_level = tuple(
            c for c in project_changes(tenant, live) if manage_name or c.field != "name"
        )
        compute_level = tuple(c for e in endpoints for c in endpoint_changes(tenant, e))
        if project_level or compute_level:
            changes = project_level + compute_level
            grouped.append((ActionKind.UPDATE, changes, _update_reason(tenant, changes)))
    disabled = wants_disabled(tenant.state)
    flips = tuple(c for e in endpoints if (c := disabled_change(e, disabled)) is not None)
    if flips:
        kind = ActionKind.SUSPEND if disabled else ActionKind.RESUME
        grouped.append((kind, flips, _state_reason(tenant.state)))
    return grouped


def _update_reason(tenant: DesiredTenant, changes: tuple[FieldChange, ...]) -> str:
    reasons = []
    if any(c.field == "name" for c in changes):
        reasons.append("project renamed out of band (found by its ownership mark)")
    if any(c.field != "name" for c in changes):
        reasons.append(f"live settings differ from pricing plan {tenant.plan!r} and overrides")
    return "; ".join(reasons)


def _state_reason(state: TenantState) -> str:
    if state is TenantState.SUSPENDED:
        return "tenant state is suspended: computes disabled, data kept"
    if state is TenantState.DELETED:
        return "tenant state is deleted: computes disabled until the project is deleted"
    return "tenant state is active: computes enabled again"
