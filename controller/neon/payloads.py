"""Request bodies the client sends: project create/update and endpoint update.

Strict where response models are tolerant: an unknown field is a bug in the caller, so these
forbid extras, and bounds from Neon's contract are checked before anything is sent. Serialised
with unset (None) fields omitted, but a value of 0 always sent: a quota of 0 means "unlimited" to
Neon and must really reach it to clear a limit.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from controller.neon.routes import NEON_ID


class Payload(BaseModel):
    """Base of every request body part: strict, immutable, serialised without unset fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def wire(self) -> dict[str, Any]:
        """The JSON object sent to Neon (None fields omitted, zeros kept)."""
        return self.model_dump(mode="json", exclude_none=True)


class QuotaInput(Payload):
    """Per-project quotas; 0 = unlimited (and clears an earlier limit), None = leave as is."""

    active_time_seconds: int | None = Field(default=None, ge=0)
    compute_time_seconds: int | None = Field(default=None, ge=0)
    written_data_bytes: int | None = Field(default=None, ge=0)
    data_transfer_bytes: int | None = Field(default=None, ge=0)
    logical_size_bytes: int | None = Field(default=None, ge=0)


class AllowedIpsInput(Payload):
    """Neon's IP allow list; an empty list allows every address."""

    ips: list[str] | None = None
    protected_branches_only: bool | None = None


class MaintenanceWindowInput(Payload):
    """A weekly window in UTC: weekdays 1 (Monday) to 7, times as HH:MM."""

    weekdays: list[int] = Field(min_length=1)
    start_time: str = Field(pattern=r"^[0-9]{2}:[0-9]{2}$")
    end_time: str = Field(pattern=r"^[0-9]{2}:[0-9]{2}$")


class ProjectSettingsInput(Payload):
    """`settings` of a project create or update, every field of Neon's ProjectSettingsData.

    All are declared, so that managing one more of them needs no change here.
    """

    quota: QuotaInput | None = None
    allowed_ips: AllowedIpsInput | None = None
    enable_logical_replication: bool | None = None
    maintenance_window: MaintenanceWindowInput | None = None
    block_public_connections: bool | None = None
    block_vpc_connections: bool | None = None
    audit_log_level: str | None = None
    hipaa: bool | None = None
    preload_libraries: dict[str, Any] | None = None


class DefaultEndpointSettingsInput(Payload):
    """Compute defaults of a project (apply to computes created later)."""

    autoscaling_limit_min_cu: float | None = Field(default=None, ge=0.25)
    autoscaling_limit_max_cu: float | None = Field(default=None, ge=0.25)
    suspend_timeout_seconds: int | None = Field(default=None, ge=-1, le=604800)
    pg_settings: dict[str, str] | None = None


class BranchInput(Payload):
    """The default branch of a new project; `annotations` mark ownership (at most 50 keys)."""

    name: str | None = Field(default=None, min_length=1, max_length=256)
    database_name: str | None = Field(default=None, min_length=1)
    role_name: str | None = Field(default=None, min_length=1)
    annotations: dict[str, str] | None = Field(default=None, max_length=50)


class ProjectCreate(Payload):
    """Body of `POST /projects`. `org_id` defaults to the client's NEON_ORG_ID when unset."""

    name: str | None = Field(default=None, min_length=1, max_length=256)
    region_id: str | None = None
    pg_version: int | None = Field(default=None, ge=14, le=18)
    org_id: str | None = Field(default=None, pattern=NEON_ID.pattern)
    settings: ProjectSettingsInput | None = None
    default_endpoint_settings: DefaultEndpointSettingsInput | None = None
    history_retention_seconds: int | None = Field(default=None, ge=0, le=2592000)
    branch: BranchInput | None = None

    def body(self) -> dict[str, Any]:
        return {"project": self.wire()}


class ProjectUpdate(Payload):
    """Body of `PATCH /projects/{id}`; region, Postgres version and org cannot change."""

    name: str | None = Field(default=None, min_length=1, max_length=256)
    settings: ProjectSettingsInput | None = None
    default_endpoint_settings: DefaultEndpointSettingsInput | None = None
    history_retention_seconds: int | None = Field(default=None, ge=0, le=2592000)

    def body(self) -> dict[str, Any]:
        return {"project": self.wire()}


class EndpointSettingsInput(Payload):
    pg_settings: dict[str, str] | None = None


class EndpointUpdate(Payload):
    """Body of `PATCH /projects/{id}/endpoints/{endpoint_id}` (size changes restart the compute)."""

    name: str | None = Field(default=None, min_length=1, max_length=64)
    autoscaling_limit_min_cu: float | None = Field(default=None, ge=0.25)
    autoscaling_limit_max_cu: float | None = Field(default=None, ge=0.25)
    suspend_timeout_seconds: int | None = Field(default=None, ge=-1, le=604800)
    disabled: bool | None = None
    settings: EndpointSettingsInput | None = None

    def body(self) -> dict[str, Any]:
        return {"endpoint": self.wire()}


class EndpointCreate(EndpointUpdate):
    """Body of `POST /projects/{id}/endpoints`: a compute on a branch (read_write or read_only),
    with the same settings an update takes."""

    branch_id: str = Field(pattern=NEON_ID.pattern)
    type: Literal["read_write", "read_only"]
