"""Typed views of the Neon objects a controller reads: projects, branches, endpoints, operations.

Tolerant by design: unknown fields are ignored (Neon adds fields often) and every field the
controller can live without has a default, so a new or a missing optional field never breaks a
fleet run. Fields the controller cannot do without (ids, region, Postgres version...) stay
required: a response without them is a contract break and surfaces as InvalidResponseError.

Secrets are never kept: `CreatedProject` has no `connection_uris` and `Role` has no `password`,
so they are dropped while parsing and exist in no model, repr or log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

_ZERO_TIME_PREFIX = "0001-01-01"


def _zero_time_is_none(value: Any) -> Any:
    """Neon reports "no period yet" as 0001-01-01T00:00:00Z; model it as None."""
    if isinstance(value, str) and value.startswith(_ZERO_TIME_PREFIX):
        return None
    return value


Timestamp = Annotated[datetime | None, BeforeValidator(_zero_time_is_none)]


class NeonModel(BaseModel):
    """Base of every response model: ignore unknown fields, immutable once parsed."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class ProjectQuota(NeonModel):
    """Per-project consumption quotas; 0 or absent means unlimited."""

    active_time_seconds: int | None = None
    compute_time_seconds: int | None = None
    written_data_bytes: int | None = None
    data_transfer_bytes: int | None = None
    logical_size_bytes: int | None = None


class ProjectSettings(NeonModel):
    """A project's settings. Fields beyond these are kept (not ignored), so that observation
    can read any setting Neon reports by its path without a model change per setting."""

    model_config = ConfigDict(extra="allow", frozen=True)

    quota: ProjectQuota | None = None
    enable_logical_replication: bool | None = None


class DefaultEndpointSettings(NeonModel):
    """Settings new computes of the project get (existing computes are not changed by them).

    Unknown fields are kept, like `ProjectSettings`'."""

    model_config = ConfigDict(extra="allow", frozen=True)

    autoscaling_limit_min_cu: float | None = None
    autoscaling_limit_max_cu: float | None = None
    suspend_timeout_seconds: int | None = None
    pg_settings: dict[str, str] | None = None


class _ProjectCore(NeonModel):
    """The fields a project has both in the list and in the full read."""

    id: str
    name: str
    region_id: str
    pg_version: int
    platform_id: str | None = None
    proxy_host: str | None = None
    provisioner: str | None = None
    org_id: str | None = None
    settings: ProjectSettings | None = None
    default_endpoint_settings: DefaultEndpointSettings | None = None
    history_retention_seconds: int | None = None
    synthetic_storage_size: int | None = None
    compute_last_active_at: Timestamp = None
    created_at: Timestamp = None
    updated_at: Timestamp = None


class ProjectListItem(_ProjectCore):
    """A project as `GET /projects` lists it (no consumption counters but `active_time`)."""

    active_time: int | None = None
    deleted_at: Timestamp = None
    recoverable_until: Timestamp = None


class Project(_ProjectCore):
    """A project as `GET /projects/{id}` returns it, with the period's consumption counters."""

    owner_id: str | None = None
    store_passwords: bool | None = None
    branch_logical_size_limit_bytes: int | None = None
    active_time_seconds: int = 0
    compute_time_seconds: int = 0
    written_data_bytes: int = 0
    data_transfer_bytes: int = 0
    data_storage_bytes_hour: int = 0
    consumption_period_start: Timestamp = None
    consumption_period_end: Timestamp = None

    @property
    def quota(self) -> ProjectQuota:
        """The project's quota (all unlimited when Neon sent none)."""
        if self.settings is None or self.settings.quota is None:
            return ProjectQuota()
        return self.settings.quota


class Branch(NeonModel):
    id: str
    project_id: str
    name: str
    current_state: str
    pending_state: str | None = None
    parent_id: str | None = None
    default: bool = False
    primary: bool | None = None
    protected: bool = False
    logical_size: int | None = None
    active_time_seconds: int = 0
    compute_time_seconds: int = 0
    written_data_bytes: int = 0
    data_transfer_bytes: int = 0
    created_at: Timestamp = None
    updated_at: Timestamp = None


class AnnotationObject(NeonModel):
    type: str
    id: str


class BranchAnnotation(NeonModel):
    """Key/value annotations of one branch (Neon's only key/value metadata on a project)."""

    object: AnnotationObject | None = None
    value: dict[str, str] = Field(default_factory=dict)
    created_at: Timestamp = None
    updated_at: Timestamp = None


class BranchList(NeonModel):
    """A project's branches and their annotations, keyed by branch id."""

    branches: list[Branch]
    annotations: dict[str, BranchAnnotation] = Field(default_factory=dict)

    def annotations_of(self, branch_id: str) -> dict[str, str]:
        """The annotation values of one branch ({} when it has none)."""
        found = self.annotations.get(branch_id)
        return dict(found.value) if found is not None else {}

    @property
    def default_branch(self) -> Branch | None:
        return next((branch for branch in self.branches if branch.default), None)


class EndpointSettings(NeonModel):
    """A compute's own settings; unknown fields are kept, like `ProjectSettings`'."""

    model_config = ConfigDict(extra="allow", frozen=True)

    pg_settings: dict[str, str] | None = None


class Endpoint(NeonModel):
    """A compute endpoint; `current_state` is `init`, `active` or `idle`."""

    id: str
    project_id: str
    branch_id: str
    type: str
    current_state: str
    host: str | None = None
    region_id: str | None = None
    name: str | None = None
    pending_state: str | None = None
    autoscaling_limit_min_cu: float | None = None
    autoscaling_limit_max_cu: float | None = None
    suspend_timeout_seconds: int | None = None
    disabled: bool = False
    settings: EndpointSettings | None = None
    provisioner: str | None = None
    last_active: Timestamp = None
    started_at: Timestamp = None
    suspended_at: Timestamp = None
    created_at: Timestamp = None
    updated_at: Timestamp = None


SUCCESS_STATUSES = frozenset({"finished", "skipped"})
FAILURE_STATUSES = frozenset({"failed", "error", "cancelled"})


class Operation(NeonModel):
    """Asynchronous work Neon scheduled for a mutation; unknown statuses count as running."""

    id: str
    project_id: str
    action: str
    status: str
    branch_id: str | None = None
    endpoint_id: str | None = None
    error: str | None = None
    failures_count: int = 0
    retry_at: Timestamp = None
    total_duration_ms: int | None = None
    created_at: Timestamp = None
    updated_at: Timestamp = None

    @property
    def succeeded(self) -> bool:
        return self.status in SUCCESS_STATUSES

    @property
    def failed(self) -> bool:
        return self.status in FAILURE_STATUSES

    @property
    def is_terminal(self) -> bool:
        return self.succeeded or self.failed


class Database(NeonModel):
    id: int | None = None
    branch_id: str
    name: str
    owner_name: str


class Role(NeonModel):
    """A Postgres role; its password is deliberately not modelled and so never kept."""

    branch_id: str
    name: str
    protected: bool | None = None


class CreatedProject(NeonModel):
    """The 201 of `POST /projects`, without connection URIs or passwords."""

    project: Project
    branch: Branch
    endpoints: list[Endpoint] = Field(default_factory=list)
    databases: list[Database] = Field(default_factory=list)
    roles: list[Role] = Field(default_factory=list)
    operations: list[Operation] = Field(default_factory=list)


class ConsumptionTimeframe(NeonModel):
    """One granularity step of consumption; metrics not requested are None."""

    timeframe_start: datetime
    timeframe_end: datetime
    active_time_seconds: int | None = None
    compute_time_seconds: int | None = None
    written_data_bytes: int | None = None
    synthetic_storage_size_bytes: int | None = None
    data_storage_bytes_hour: int | None = None
    logical_size_bytes: int | None = None
    logical_size_bytes_hour: int | None = None


class ConsumptionPeriod(NeonModel):
    """One billing period; `period_end` is only set for past periods."""

    period_id: str
    period_plan: str | None = None
    period_start: datetime
    period_end: Timestamp = None
    consumption: list[ConsumptionTimeframe] = Field(default_factory=list)


class ProjectConsumptionHistory(NeonModel):
    project_id: str
    periods: list[ConsumptionPeriod] = Field(default_factory=list)


# -- consumption history v2 (usage-based plans) ------------------------------------------------


class ConsumptionMetricValue(NeonModel):
    """One metric of one timeframe, e.g. `compute_unit_seconds` = 3600."""

    metric_name: str
    value: int = 0


class ConsumptionTimeframeV2(NeonModel):
    """One granularity step of v2 consumption; `value_of` reads one metric (None if absent)."""

    timeframe_start: datetime
    timeframe_end: datetime
    metrics: list[ConsumptionMetricValue] = Field(default_factory=list)

    def value_of(self, metric_name: str) -> int | None:
        return next((m.value for m in self.metrics if m.metric_name == metric_name), None)

    def as_dict(self) -> dict[str, int]:
        """Metric name -> value (a name Neon repeats is summed)."""
        values: dict[str, int] = {}
        for metric in self.metrics:
            values[metric.metric_name] = values.get(metric.metric_name, 0) + metric.value
        return values


class ConsumptionPeriodV2(NeonModel):
    """One billing period of v2 consumption; `period_end` is only set for past periods."""

    period_id: str | None = None
    period_plan: str | None = None
    period_start: Timestamp = None
    period_end: Timestamp = None
    consumption: list[ConsumptionTimeframeV2] = Field(default_factory=list)


class ProjectConsumptionV2(NeonModel):
    """A project's v2 consumption (`GET /consumption_history/v2/projects`), oldest first."""

    project_id: str
    periods: list[ConsumptionPeriodV2] = Field(default_factory=list)
