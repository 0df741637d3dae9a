"""The desired fleet as the rest of tenantctl sees it: resolved, immutable, in plain units.

Fleet files are read and checked elsewhere; what leaves the spec package is only these types.
Every value is concrete (bytes, seconds, CU; None only for "no cap"), every mapping is ordered
by name so that iteration is the same whatever the file order, and every resolved tenant says
which layer (Neon's default, its pricing plan, or the tenant file) set each value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from types import MappingProxyType
from typing import TypeVar

from controller.spec.issues import SpecIssue

V = TypeVar("V")


class Layer(StrEnum):
    """Where a resolved value came from, lowest precedence first."""

    DEFAULT = "default"  # Neon's own default (or tenantctl's: no limit)
    PLAN = "plan"  # the tenant's pricing plan
    TENANT = "tenant"  # the tenant file: its own fields, then its `overrides`


class TenantState(StrEnum):
    """What the tenant's project should be: running, kept but unusable, or gone."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    DELETED = "deleted"


# The Neon `settings.quota` field behind each limit, and what the limit counts.
QUOTA_KEYS: Mapping[str, str] = MappingProxyType(
    {
        "storage": "logical_size_bytes",
        "compute_time": "compute_time_seconds",
        "active_time": "active_time_seconds",
        "data_transfer": "data_transfer_bytes",
        "written_data": "written_data_bytes",
    }
)
LIMIT_UNITS: Mapping[str, str] = MappingProxyType(
    {
        "storage": "bytes",
        "compute_time": "seconds",
        "active_time": "seconds",
        "data_transfer": "bytes",
        "written_data": "bytes",
    }
)


@dataclass(frozen=True, slots=True)
class Limits:
    """Consumption caps in bytes or seconds; None means no cap (Neon quota 0)."""

    storage: int | None = None
    compute_time: int | None = None
    active_time: int | None = None
    data_transfer: int | None = None
    written_data: int | None = None

    def as_dict(self) -> dict[str, int | None]:
        """Every limit by name, in the documented order."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class ComputeSettings:
    """A tenant's compute: autoscaling range in CU and Neon's suspend timeout encoding."""

    min_cu: float
    max_cu: float
    suspend_timeout_seconds: int  # -1 never suspend, 0 Neon's default (300 s), else seconds


@dataclass(frozen=True, slots=True)
class PlanCompute:
    """A plan's own compute settings; None where the plan leaves Neon's default."""

    min_cu: float | None = None
    max_cu: float | None = None
    suspend_timeout_seconds: int | None = None


@dataclass(frozen=True, slots=True)
class FleetSettings:
    """Fleet-wide settings from `tenantctl.yaml` (all optional).

    `fleet_declared` says the fleet name was written down rather than defaulted: two fleets
    that both default to `default` in one org would take each other's projects for orphans.
    """

    project_name_prefix: str = ""
    fleet: str = "default"
    fleet_declared: bool = False


@dataclass(frozen=True, slots=True)
class PricingPlan:
    """A pricing plan as written: its own values, None where it leaves Neon's default."""

    name: str
    description: str
    source: str  # path of the plan file, relative to the fleet directory
    region: str | None
    pg_version: int | None
    limits: Limits  # omitted limits are no cap: these are what a tenant without overrides gets
    compute: PlanCompute
    history_retention_seconds: int | None


@dataclass(frozen=True, slots=True)
class ResolvedTenant:
    """One tenant's effective settings: defaults, then plan, then the tenant's own values."""

    id: str
    plan: str
    state: TenantState
    project_id: str | None  # set by `tenantctl adopt`: bind to this existing project
    project_name: str  # fleet prefix + id
    region: str
    pg_version: int
    database: str
    role: str
    limits: Limits
    compute: ComputeSettings
    history_retention_seconds: int
    provenance: Mapping[str, Layer] = field(compare=True)  # dotted field path -> layer

    def layer_of(self, field_path: str) -> Layer:
        """The layer that set a value, by dotted path (`region`, `limits.storage`...)."""
        return self.provenance[field_path]


@dataclass(frozen=True, slots=True)
class DesiredFleet:
    """Everything git says the fleet should be, validated and resolved."""

    settings: FleetSettings
    plans: Mapping[str, PricingPlan]  # ordered by plan name
    tenants: Mapping[str, ResolvedTenant]  # ordered by tenant id
    sources: Mapping[str, str]  # tenant id -> tenant file, relative to the fleet directory

    def source_of(self, tenant_id: str) -> str:
        """The tenant's file, relative to the fleet directory (for messages and `adopt`)."""
        return self.sources[tenant_id]


@dataclass(frozen=True, slots=True)
class FleetLoadResult:
    """The outcome of loading a fleet: the fleet when there are no errors, and every issue."""

    fleet: DesiredFleet | None
    errors: tuple[SpecIssue, ...]
    warnings: tuple[SpecIssue, ...]

    @property
    def ok(self) -> bool:
        """True when the fleet loaded without errors (warnings allowed)."""
        return self.fleet is not None


def frozen_mapping(items: Mapping[str, V]) -> Mapping[str, V]:
    """A read-only copy ordered by key, so iteration never depends on discovery order."""
    return MappingProxyType(dict(sorted(items.items(), key=lambda item: item[0])))
