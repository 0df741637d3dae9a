"""The emulator's record of one Neon project, everything it owns, and its usage history.

Why this exists: one project and all it contains (branches, computes, roles, databases,
operations, usage) is the unit the emulator loads, changes and stores in one transaction. These
typed records are the storage format (one JSON document per project) and are never sent to
clients as they are: `views.py` renders Neon's JSON from them. Instants are float seconds since
the epoch in the emulator's clock.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

EndpointType = Literal["read_write", "read_only"]
EndpointStateName = Literal["init", "active", "idle"]
OperationOutcome = Literal["finished", "failed", "cancelled"]
# What a finished operation does to the project when it completes.
OperationEffect = Literal["branch_ready", "endpoint_active", "endpoint_idle", "endpoint_restart"]
UsageMetric = Literal[
    "active_time_seconds",
    "compute_time_seconds",
    "written_data_bytes",
    "data_transfer_bytes",
    "logical_size_bytes",
]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class OperationRecord(Record):
    """One operation: `scheduling` until `starts_at`, `running` until `ends_at`, then `outcome`."""

    id: str
    action: str
    branch_id: str | None = None
    endpoint_id: str | None = None
    created_at: float
    starts_at: float
    ends_at: float
    outcome: OperationOutcome = "finished"
    effect: OperationEffect | None = None
    applied: bool = False  # its effect (if any) has been applied to the project


class BranchRecord(Record):
    id: str
    name: str
    parent_id: str | None = None
    default: bool = False
    protected: bool = False
    state: Literal["init", "ready"] = "init"
    state_changed_at: float
    annotations: dict[str, str] | None = None
    created_at: float
    updated_at: float


class EndpointRecord(Record):
    id: str
    branch_id: str
    type: EndpointType
    name: str | None = None
    min_cu: float
    max_cu: float
    suspend_timeout_seconds: int = 0
    disabled: bool = False
    passwordless_access: bool = True
    provisioner: str = "k8s-neonvm"
    settings: dict[str, Any] = Field(default_factory=dict)
    state: EndpointStateName = "init"
    active_since: float | None = None
    last_active: float | None = None
    started_at: float | None = None
    suspended_at: float | None = None
    created_at: float
    updated_at: float


class RoleRecord(Record):
    branch_id: str
    name: str
    password: str
    no_login: bool = False
    created_at: float
    updated_at: float


class DatabaseRecord(Record):
    id: int
    branch_id: str
    name: str
    owner_name: str
    created_at: float
    updated_at: float


class ActivityInterval(Record):
    """A compute was active from `start` to `end` (None: still active) at `cu` compute units."""

    endpoint_id: str
    branch_id: str
    start: float
    end: float | None = None
    cu: float


class UsageEvent(Record):
    """Usage added at one instant (the control API); logical size is a running total."""

    at: float
    branch_id: str
    metric: UsageMetric
    amount: int


class ProjectRecord(Record):
    id: str
    name: str
    region_id: str
    pg_version: int
    org_id: str | None = None
    store_passwords: bool = True
    history_retention_seconds: int = 86_400
    provisioner: str = "k8s-neonvm"
    settings: dict[str, Any] = Field(default_factory=dict)
    default_endpoint_settings: dict[str, Any] = Field(default_factory=dict)
    created_at: float
    updated_at: float
    deleted_at: float | None = None
    settled_at: float  # the instant up to which time-driven changes have been applied
    branches: list[BranchRecord] = Field(default_factory=list)
    endpoints: list[EndpointRecord] = Field(default_factory=list)
    deleted_endpoint_ids: list[str] = Field(default_factory=list)
    roles: list[RoleRecord] = Field(default_factory=list)
    databases: list[DatabaseRecord] = Field(default_factory=list)
    operations: list[OperationRecord] = Field(default_factory=list)
    intervals: list[ActivityInterval] = Field(default_factory=list)
    events: list[UsageEvent] = Field(default_factory=list)

    def branch(self, branch_id: str) -> BranchRecord | None:
        return next((b for b in self.branches if b.id == branch_id), None)

    def default_branch(self) -> BranchRecord:
        return next(b for b in self.branches if b.default)

    def endpoint(self, endpoint_id: str) -> EndpointRecord | None:
        return next((e for e in self.endpoints if e.id == endpoint_id), None)

    def quota(self) -> dict[str, int]:
        """The quota fields set to a limit; 0 (or absent) means unlimited."""
        raw = self.settings.get("quota") or {}
        return {key: int(value) for key, value in raw.items() if value}
