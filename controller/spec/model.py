"""The desired fleet as the rest of tenantctl sees it: resolved, immutable, in plain units.

Fleet files are read and checked elsewhere; what leaves the spec package is only these types.
Every value is concrete and in Neon's encoding (bytes, seconds, CU; a quota of 0 is no cap;
the registry in `managed.py` says how each is spelled and compared), every mapping is ordered
by name so that iteration is the same whatever the file order, and every resolved tenant says
which layer (Neon's default, its pricing plan, or the tenant file) set each value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import TypeVar

from controller.spec.issues import SpecIssue
from controller.spec.managed import LIMIT_NAMES
from controller.spec.values import Value

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
    """A pricing plan as written: the managed values it sets, by YAML path (see `managed`)."""

    name: str
    description: str
    source: str  # path of the plan file, relative to the fleet directory
    values: Mapping[str, Value]  # only the settings the plan writes, in Neon's encoding
    units: Mapping[str, str] = field(default_factory=dict)  # unit as written, by key

    def limit(self, name: str) -> int | None:
        """A limit a tenant without overrides gets, in bytes or seconds; None for no cap."""
        return self.values.get(f"limits.{name}") or None

    def limits(self) -> dict[str, int | None]:
        """Every limit by name (`storage`, ...), in the documented order; None for no cap."""
        return {name: self.limit(name) for name in LIMIT_NAMES}


@dataclass(frozen=True, slots=True)
class ResolvedTenant:
    """One tenant's effective settings: defaults, then plan, then the tenant's own values.

    `values` holds every managed setting by YAML path (`limits.storage`, `compute.min_cu`...)
    in Neon's encoding (a quota of 0 is unlimited; None: not managed). `provenance` says which
    layer set each (same keys, plus `state`); `units` the unit the user wrote, where one was.
    """

    id: str
    plan: str
    state: TenantState
    project_id: str | None  # set by `tenantctl adopt`: bind to this existing project
    project_name: str  # fleet prefix + id
    values: Mapping[str, Value]
    provenance: Mapping[str, Layer]
    units: Mapping[str, str] = field(default_factory=dict)

    def value(self, key: str) -> Value:
        """The value of a managed setting by YAML path."""
        return self.values[key]

    def layer_of(self, key: str) -> Layer:
        """The layer that set a value, by YAML path (`region`, `limits.storage`...)."""
        return self.provenance[key]

    def limits(self) -> dict[str, int | None]:
        """Every limit by name (`storage`, ...), in bytes or seconds; None for no cap."""
        return {name: self.values[f"limits.{name}"] or None for name in LIMIT_NAMES}


@dataclass(frozen=True, slots=True)
class DesiredFleet:
    """Everything git says the fleet should be, validated and resolved."""

    settings: FleetSettings
    plans: Mapping[str, PricingPlan]  # ordered by plan name
    tenants: Mapping[str, ResolvedTenant]  # ordered by tenant id
    sources: Mapping[str, str]  # tenant id -> tenant file, relative to the fleet directory
    # tenant id -> project id, from adopted.yaml (see controller.spec.ledger); it includes
    # tenants whose file is gone, so that their adopted project is not forgotten.
    adopted: Mapping[str, str] = field(default_factory=dict)

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
    return MappingProxyType(dict(sorted(items.items())))  # keys are unique: values never compared
