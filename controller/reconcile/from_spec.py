"""Translate the resolved fleet (YAML terms) into the planner's desired state (Neon terms).

Units are already resolved by the spec layer; here limits become Neon quota fields (unlimited
becomes 0, Neon's "no quota"), and each value's provenance is re-keyed by the Neon field it
lands in, so that a plan can say which layer wants each change.
"""

from __future__ import annotations

from collections.abc import Mapping

from controller.reconcile.changeplan import DEFAULTS_PREFIX, QUOTA_PREFIX
from controller.reconcile.desired import DesiredFleetState, DesiredTenant
from controller.spec.model import QUOTA_KEYS, DesiredFleet, ResolvedTenant

_NEON_FIELD_OF: Mapping[str, str] = {
    **{f"limits.{name}": f"{QUOTA_PREFIX}{quota}" for name, quota in QUOTA_KEYS.items()},
    "compute.min_cu": f"{DEFAULTS_PREFIX}autoscaling_limit_min_cu",
    "compute.max_cu": f"{DEFAULTS_PREFIX}autoscaling_limit_max_cu",
    "compute.suspend_timeout_seconds": f"{DEFAULTS_PREFIX}suspend_timeout_seconds",
    "history_retention_seconds": "history_retention_seconds",
    "region": "region_id",
    "pg_version": "pg_version",
    "database": "database_name",
    "role": "role_name",
}


def desired_tenant(tenant: ResolvedTenant) -> DesiredTenant:
    """One resolved tenant as the planner wants it."""
    quota = {QUOTA_KEYS[name]: getattr(tenant.limits, name) or 0 for name in sorted(QUOTA_KEYS)}
    sources = {
        _NEON_FIELD_OF[path]: layer.value
        for path, layer in tenant.provenance.items()
        if path in _NEON_FIELD_OF
    }
    return DesiredTenant(
        tenant_id=tenant.id,
        plan=tenant.plan,
        state=tenant.state,
        project_name=tenant.project_name,
        region_id=tenant.region,
        pg_version=tenant.pg_version,
        database_name=tenant.database,
        role_name=tenant.role,
        quota=quota,
        min_cu=tenant.compute.min_cu,
        max_cu=tenant.compute.max_cu,
        suspend_timeout_seconds=tenant.compute.suspend_timeout_seconds,
        history_retention_seconds=tenant.history_retention_seconds,
        project_id=tenant.project_id,
        sources=sources,
    )


def desired_fleet(fleet: DesiredFleet, *, org_id: str | None = None) -> DesiredFleetState:
    """The whole fleet, keyed and ordered by tenant id."""
    return DesiredFleetState(
        fleet=fleet.settings.fleet,
        tenants={tid: desired_tenant(t) for tid, t in sorted(fleet.tenants.items())},
        org_id=org_id,
        fleet_declared=fleet.settings.fleet_declared,
    )
