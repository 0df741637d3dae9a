"""The shape of each fleet file, as pydantic models: plans, tenants and fleet settings.

These models are the user-facing contract. They accept exactly the documented keys
(`extra="forbid"`), validate each value with the types of `fields`, and are also the source of
the JSON Schema that editors use (`tenantctl schema`), so the schema cannot drift from what
validation accepts. Values stay unresolved here: a field left out is simply not in
`model_fields_set`, which is how resolution tells "not given" from "given".
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from controller.spec.fields import (
    ByteQuota,
    ComputeUnits,
    DatabaseName,
    Description,
    FleetName,
    HistoryRetention,
    NamePrefix,
    PgVersion,
    PlanName,
    PlanRef,
    ProjectId,
    Region,
    RoleName,
    State,
    SuspendTimeout,
    TenantId,
    TimeQuota,
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


_LIMITS = "Consumption caps (Neon settings.quota); a limit left out has no cap"
_COMPUTE = "Autoscaling range and scale-to-zero delay of the tenant's compute"
_HISTORY = "Point-in-time restore window (history_retention_seconds), at most 30d; default 1d"


class PlanFile(_FileModel):
    """`plans/<name>.yaml`: a pricing plan."""

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
    limits: LimitsBlock = Field(default_factory=LimitsBlock, description=_LIMITS)
    compute: ComputeBlock = Field(default_factory=ComputeBlock, description=_COMPUTE)
    history_retention: HistoryRetention = Field(None, description=_HISTORY)


class OverridesBlock(_FileModel):
    """A tenant's own limits, compute and retention, over its plan's."""

    limits: LimitsBlock = Field(default_factory=LimitsBlock, description=_LIMITS)
    compute: ComputeBlock = Field(default_factory=ComputeBlock, description=_COMPUTE)
    history_retention: HistoryRetention = Field(None, description=_HISTORY)


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
    overrides: OverridesBlock = Field(
        default_factory=OverridesBlock,
        description="The tenant's own limits, compute and history_retention, over its plan's",
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
