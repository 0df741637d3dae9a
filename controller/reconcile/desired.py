"""The desired state of each tenant's Neon project, in Neon's own terms.

The planner compares Neon-shaped values with Neon-shaped observations, so that it never
converts units or interprets YAML. `from_spec` builds these from the resolved fleet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from controller.spec.model import TenantState

QUOTA_FIELDS: tuple[str, ...] = (
    "active_time_seconds",
    "compute_time_seconds",
    "written_data_bytes",
    "data_transfer_bytes",
    "logical_size_bytes",
)


@dataclass(frozen=True)
class DesiredTenant:
    """One tenant's intended project. Quotas use Neon's encoding: 0 means unlimited.

    `sources` maps a Neon field path (`settings.quota.logical_size_bytes`,
    `default_endpoint_settings.autoscaling_limit_max_cu`, ...) to the layer that set it
    (`default`, `plan` or `tenant`), so that a change can say who wants it.
    """

    tenant_id: str
    plan: str
    state: TenantState
    project_name: str
    region_id: str
    pg_version: int
    database_name: str
    role_name: str
    quota: Mapping[str, int]
    min_cu: float
    max_cu: float
    suspend_timeout_seconds: int
    history_retention_seconds: int
    project_id: str | None = None
    sources: Mapping[str, str] = field(default_factory=dict)

    def layer_of(self, field_path: str) -> str | None:
        """The layer that set a field, or None when the field is not user-configurable."""
        return self.sources.get(field_path)


@dataclass(frozen=True)
class DesiredFleetState:
    """Every tenant the fleet directory declares, plus fleet-wide identity.

    Orphans are only suspended when the fleet's name was declared (`fleet_declared`).
    """

    fleet: str
    tenants: Mapping[str, DesiredTenant]
    org_id: str | None = None
    fleet_declared: bool = True
