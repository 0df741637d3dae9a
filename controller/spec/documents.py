"""The shape of each fleet file, as pydantic models: plans, tenants and fleet settings.

These models are the user-facing contract. They accept exactly the documented keys
(`extra="forbid"`), validate each value with the types of `fields`, and are also the source of
the JSON Schema that editors use (`tenantctl schema`), so the schema cannot drift from what
validation accepts. Values stay unresolved here: a field left out is simply not in
`model_fields_set`, which is how resolution tells "not given" from "given".
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from controller.spec import neon_rules as neon
from controller.spec.fields import (
    AddressList,
    ByteQuota,
    ClockTime,
    ComputeUnits,
    DatabaseName,
    Description,
    Flag,
    FleetName,
    HistoryRetention,
    NamePrefix,
    PgSettings,
    PgVersion,
    PlanName,
    PlanRef,
    ProjectId,
    Region,
    ReplicaCount,
    RoleName,
    State,
    SuspendTimeout,
    TenantId,
    TimeQuota,
    Weekdays,
    fail,
)
from controller.spec.model import TenantState


class _FileModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class LimitsBlock(_FileModel):
    """Consumption caps (Neon `settings.quota`); a limit left out has no cap."""

    storage: ByteQuota = Field(
        None, description="Logical size per branch (logical_size_bytes), e.g. 10GiB"
    )
    compute_time: TimeQuota = Field(
        None,
        description="CPU time per billing period (compute_time_seconds); 1h at 4 CU counts 4h",
    )
    active_time: TimeQuota = Field(
        None, description="Wall-clock active time per billing period (active_time_seconds)"
    )
    data_transfer: ByteQuota = Field(
        None, description="Egress per billing period (data_transfer_bytes), e.g. 50GiB"
    )
    written_data: ByteQuota = Field(
        None, description="Data written per billing period (written_data_bytes), e.g. 20GiB"
    )


class ComputeBlock(_FileModel):
    """The tenant's compute: autoscaling range and scale-to-zero delay."""

    min_cu: ComputeUnits = Field(
        None,  # not given
        description="Autoscaling minimum in CU (autoscaling_limit_min_cu); Neon's default 0.25",
    )
    max_cu: ComputeUnits = Field(
        None,
        description="Autoscaling maximum in CU (autoscaling_limit_max_cu); Neon's default 2",
    )
    suspend_timeout: SuspendTimeout = Field(
        None,
        description=(
            "Scale to zero after this much inactivity, 1m to 7d; `never` keeps the compute "
            "running, `default` is Neon's (5m)"
        ),
    )
    pg_settings: PgSettings = Field(
        None,
        description=(
            "Postgres settings (name: value) for the project's computes, e.g. work_mem: 64MB; "
            "applied to its default compute settings and to its existing computes"
        ),
    )


class NetworkBlock(_FileModel):
    """Who may connect: Neon's IP allow list and public access (project settings)."""

    allowed_ips: AddressList = Field(
        None,
        description=(
            "IP addresses, CIDR ranges (203.0.113.0/24) or ranges (a-b) allowed to connect; "
            "[] (the default) allows every address"
        ),
    )
    protected_branches_only: Flag = Field(
        None, description="Apply the allow list to protected branches only (default false)"
    )
    block_public_connections: Flag = Field(
        None, description="Refuse connections from the public internet (default false)"
    )
    block_vpc_connections: Flag = Field(
        None, description="Refuse connections through VPC endpoints (default false)"
    )


class MaintenanceWindowBlock(_FileModel):
    """When Neon may restart computes for maintenance, in UTC."""

    weekdays: Weekdays = Field(description="Days, 1 (Monday) to 7 (Sunday), e.g. [6, 7]")
    start: ClockTime = Field(description='Start, "HH:MM" in UTC (quote it)')
    end: ClockTime = Field(description='End, "HH:MM" in UTC (quote it)')

    @model_validator(mode="after")
    def _length(self) -> MaintenanceWindowBlock:
        if (problem := neon.check_window(self.start, self.end)) is not None:
            fail(problem)
        return self

    def to_neon(self) -> dict[str, Any]:
        """Neon's `settings.maintenance_window` object."""
        return {"weekdays": self.weekdays, "start_time": self.start, "end_time": self.end}


class ReadReplicasBlock(_FileModel):
    """Read-only computes tenantctl keeps on the tenant's default branch."""

    count: ReplicaCount = Field(None, description="How many (default 0)")
    min_cu: ComputeUnits = Field(None, description="Autoscaling minimum in CU (default 0.25)")
    max_cu: ComputeUnits = Field(None, description="Autoscaling maximum in CU (default 2)")


_LIMITS = "Consumption caps (Neon settings.quota); a limit left out has no cap"
_COMPUTE = "Autoscaling range and scale-to-zero delay of the tenant's compute"
_HISTORY = "Point-in-time restore window (history_retention_seconds), at most 30d; default 1d"
_NETWORK = "IP allow list and public access"
_LOGICAL = (
    "Enable logical replication (one-way: Neon cannot turn it off again; enabling it suspends "
    "active computes). Left out: not managed"
)
_WINDOW = 'Weekly maintenance window in UTC, e.g. {weekdays: [6, 7], start: "01:00", end: "03:00"}'
_REPLICAS = "Read replicas on the default branch: {count, min_cu, max_cu}"


def _unset_block(block: type[_FileModel], description: str) -> Any:
    """A block left out: one shared empty instance (blocks are frozen), not a factory called
    for every file, which made validating a fleet of short tenant files several times slower.
    The JSON Schema shows no default for it, as with a factory."""
    return Field(default=block(), description=description, json_schema_extra=_without_default)


def _without_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


class _PlanSettings(_FileModel):
    """The settings a plan gives its tenants and a tenant may override."""

    limits: LimitsBlock = _unset_block(LimitsBlock, _LIMITS)
    compute: ComputeBlock = _unset_block(ComputeBlock, _COMPUTE)
    history_retention: HistoryRetention = Field(None, description=_HISTORY)
    network: NetworkBlock = _unset_block(NetworkBlock, _NETWORK)
    logical_replication: Flag = Field(None, description=_LOGICAL)
    maintenance_window: MaintenanceWindowBlock | None = Field(None, description=_WINDOW)

    @field_validator("maintenance_window", mode="before")
    @classmethod
    def _no_null_window(cls, value: object) -> object:
        if value is None:
            fail("expected {weekdays, start, end}, got null; leave the key out to not manage it")
        return value

    read_replicas: ReadReplicasBlock = _unset_block(ReadReplicasBlock, _REPLICAS)


class _PlanIdentity(_FileModel):
    """What a plan file says about itself, before the settings it gives its tenants."""

    name: PlanName = Field(
        None,
        description="Defaults to the file name without .yaml; must match it if given",
    )
    description: Description = Field("", description="Shown to people, never sent to Neon")
    region: Region = Field(
        None,
        description="Region of new projects on this plan; Neon's default aws-us-east-2",
    )
    pg_version: PgVersion = Field(
        None,
        description="Postgres major version of new projects; Neon's default 17",
    )


class PlanFile(_PlanSettings, _PlanIdentity):
    """`plans/<name>.yaml`: a pricing plan (its identity first, then its settings)."""


class OverridesBlock(_PlanSettings):
    """A tenant's own settings over its plan's (same keys as a plan's settings)."""


class TenantFile(_FileModel):
    """`tenants/<id>.yaml`: one tenant, one Neon project."""

    id: TenantId = Field(
        None,
        description="Defaults to the file name without .yaml; must match it if given",
    )
    plan: PlanRef = Field(description="The pricing plan: the name of a file in plans/")
    state: State = Field(
        TenantState.ACTIVE,
        description="active (default), suspended (computes disabled, data kept) or deleted",
    )
    project_id: ProjectId = Field(
        None,
        description="Set by `tenantctl adopt`: the existing Neon project this tenant owns",
    )
    region: Region = Field(
        None,
        description="Overrides the plan's region; fixed once the project exists",
    )
    pg_version: PgVersion = Field(
        None,
        description="Overrides the plan's Postgres version; fixed once the project exists",
    )
    database: DatabaseName = Field(
        None,
        description="Name of the default database; Neon's default neondb",
    )
    role: RoleName = Field(
        None,
        description="Owner role of the default database; Neon's default {database}_owner",
    )
    overrides: OverridesBlock = _unset_block(
        OverridesBlock, "The tenant's own settings over its plan's: limits, compute, network..."
    )


class SettingsFile(_FileModel):
    """`tenantctl.yaml` at the fleet root: fleet-wide settings."""

    project_name_prefix: NamePrefix = Field(
        "", description="Put before each tenant id to name its Neon project (default: none)"
    )
    fleet: FleetName = Field(
        "default",
        description=(
            "This fleet's name, written into ownership marks so that two fleets sharing a "
            "Neon organization never claim each other's projects"
        ),
    )
