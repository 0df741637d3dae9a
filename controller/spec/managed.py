"""The registry of managed settings: every Neon setting tenantctl manages, described once.

Why this exists: a setting travels from YAML (a plan, a tenant's overrides) through resolution,
the desired project, the observed one, the diff, the request bodies, and every view (plan, show,
usage, warnings). Each stage iterates `FIELDS` instead of naming settings itself, so one setting
has one name (its YAML path, `limits.storage`) and one value type (its `Kind`, in Neon's
encoding) from YAML to request body and back.

A field says:
- `key`: its YAML path in a plan file; also its key in provenance, changes, `show` and JSON.
  A tenant sets it at `tenant_loc` (`overrides.<key>` for plan-level settings).
- where Neon keeps it (`level` and paths): a project setting (`project_path` in the project
  object, the PATCH body and the project list), a compute setting (the project's default
  compute settings at `project_path`, and each compute of the roles in `computes` at
  `compute_path`), read replicas (their number), or a value given only at creation.
- `mutability`: whether Neon can change it after creation (an immutable difference is a
  conflict, never a replacement; a one-way setting can be enabled, never disabled).
- `default`: what applies when no layer sets it; `None` means "not managed unless set": what a
  project has stays. Security settings (network) and Postgres settings are not managed unless
  set, so that a fleet that never mentions them never loosens or restarts anything.
- `absent`: what Neon's answer means when it leaves the field out (`UNREPORTED`: unknown, so
  never compared).
- `at_limit` (quotas): what Neon does when use reaches the limit; `on_change`: what a change
  does to running computes, per Neon's documentation (docs/fleet-yaml.md cites the sources).

docs/adding-a-setting.md lists the steps to add one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from controller.spec import neon_rules as neon
from controller.spec.values import UNREPORTED as UNREPORTED
from controller.spec.values import (
    AddressList,
    ComputeUnits,
    Duration,
    Flag,
    Kind,
    Quota,
    SettingsMap,
    SuspendTimeout,
    Text,
    Value,
    Whole,
    Window,
    _Unreported,
)

Loc = tuple[str, ...]


class Level(StrEnum):
    """Where Neon keeps a setting."""

    CREATION = "creation"  # given when the project is created (region, Postgres, names)
    PROJECT = "project"  # a project setting: create, PATCH /projects/{id}, the project list
    COMPUTE = "compute"  # the project's default compute settings and each compute it names
    REPLICAS = "replicas"  # how many read replicas tenantctl keeps


class Mutability(StrEnum):
    MUTABLE = "mutable"
    IMMUTABLE = "immutable"  # fixed at creation: a difference is a conflict
    ONE_WAY = "one_way"  # can be turned on, never off: turning it off is a conflict


class ComputeRole(StrEnum):
    """Which computes a compute setting applies to."""

    READ_WRITE = "read_write"  # the tenant's primary compute(s)
    REPLICA = "replica"  # the read replicas tenantctl created


# What Neon does when a limit is reached [D-lim], NOTES §6.
SUSPENDS_COMPUTES = "suspends computes"
BLOCKS_WRITES = "blocks writes"
# What a change does to running computes [D-comp], [SPEC ProjectSettingsData], NOTES §2.
RESTARTS_COMPUTE = "restarts the compute (connections drop)"
SUSPENDS_ACTIVE_COMPUTES = "suspends active computes"


@dataclass(frozen=True)
class ManagedField:
    """One managed setting (see the module docstring)."""

    key: str
    label: str
    kind: Kind
    level: Level
    default: Value
    plan_loc: Loc | None
    tenant_loc: Loc | None
    project_path: Loc | None = None
    create_path: Loc | None = None  # where the create body takes it, when not project_path
    compute_path: Loc | None = None
    computes: frozenset[ComputeRole] = frozenset()
    mutability: Mutability = Mutability.MUTABLE
    absent: Value | _Unreported = UNREPORTED
    at_limit: str | None = None
    on_change: str | None = None
    counter: str | None = None  # the project's usage counter a quota limits

    @property
    def managed_by_default(self) -> bool:
        return self.default is not None

    @property
    def creation_path(self) -> Loc | None:
        return self.create_path or self.project_path


def _quota(name: str, label: str, base: str, counter: str, *, cumulative: bool) -> ManagedField:
    return ManagedField(
        key=f"limits.{name}",
        label=label,
        kind=Quota(base),
        level=Level.PROJECT,
        default=0,
        plan_loc=("limits", name),
        tenant_loc=("overrides", "limits", name),
        project_path=("settings", "quota", counter),
        absent=0,  # "a zero or empty quota value means unlimited" [SPEC ProjectQuota]
        at_limit=SUSPENDS_COMPUTES if cumulative else BLOCKS_WRITES,
        counter=counter,
    )


def _plan_level(*loc: str) -> tuple[Loc, Loc]:
    """Where a plan sets a plan-level setting, and where a tenant overrides it."""
    return loc, ("overrides", *loc)


_RW = frozenset({ComputeRole.READ_WRITE})
_ALL_COMPUTES = frozenset({ComputeRole.READ_WRITE, ComputeRole.REPLICA})
_REPLICAS = frozenset({ComputeRole.REPLICA})

FIELDS: tuple[ManagedField, ...] = (
    ManagedField(
        "region", "region", Text(), Level.CREATION, neon.DEFAULT_REGION,
        ("region",), ("region",), project_path=("region_id",),
        mutability=Mutability.IMMUTABLE,
    ),
    ManagedField(
        "pg_version", "Postgres version", Whole(), Level.CREATION, neon.DEFAULT_PG_VERSION,
        ("pg_version",), ("pg_version",), project_path=("pg_version",),
        mutability=Mutability.IMMUTABLE,
    ),
    ManagedField(
        "database", "database", Text(), Level.CREATION, neon.DEFAULT_DATABASE,
        None, ("database",), create_path=("branch", "database_name"),
        mutability=Mutability.IMMUTABLE,
    ),
    ManagedField(
        "role", "owner role", Text(), Level.CREATION, neon.default_role_for(neon.DEFAULT_DATABASE),
        None, ("role",), create_path=("branch", "role_name"),
        mutability=Mutability.IMMUTABLE,
    ),
    _quota("storage", "storage", "bytes", "logical_size_bytes", cumulative=False),
    _quota("compute_time", "compute time", "seconds", "compute_time_seconds", cumulative=True),
    _quota("active_time", "active time", "seconds", "active_time_seconds", cumulative=True),
    _quota("data_transfer", "data transfer", "bytes", "data_transfer_bytes", cumulative=True),
    _quota("written_data", "written data", "bytes", "written_data_bytes", cumulative=True),
    ManagedField(
        "compute.min_cu", "autoscaling minimum", ComputeUnits(), Level.COMPUTE,
        neon.DEFAULT_MIN_CU, *_plan_level("compute", "min_cu"),
        project_path=("default_endpoint_settings", "autoscaling_limit_min_cu"),
        compute_path=("autoscaling_limit_min_cu",), computes=_RW, on_change=RESTARTS_COMPUTE,
    ),
    ManagedField(
        "compute.max_cu", "autoscaling maximum", ComputeUnits(), Level.COMPUTE,
        neon.DEFAULT_MAX_CU, *_plan_level("compute", "max_cu"),
        project_path=("default_endpoint_settings", "autoscaling_limit_max_cu"),
        compute_path=("autoscaling_limit_max_cu",), computes=_RW, on_change=RESTARTS_COMPUTE,
    ),
    ManagedField(
        "compute.suspend_timeout", "scale to zero after", SuspendTimeout(), Level.COMPUTE,
        neon.SUSPEND_DEFAULT, *_plan_level("compute", "suspend_timeout"),
        project_path=("default_endpoint_settings", "suspend_timeout_seconds"),
        compute_path=("suspend_timeout_seconds",), computes=_ALL_COMPUTES,
    ),
    ManagedField(
        "compute.pg_settings", "Postgres settings", SettingsMap(), Level.COMPUTE, None,
        *_plan_level("compute", "pg_settings"),
        project_path=("default_endpoint_settings", "pg_settings"),
        compute_path=("settings", "pg_settings"), computes=_ALL_COMPUTES, absent={},
        on_change=RESTARTS_COMPUTE,
    ),
    ManagedField(
        "history_retention", "restore window", Duration(), Level.PROJECT,
        neon.DEFAULT_HISTORY_RETENTION_SECONDS,
        *_plan_level("history_retention"),
        project_path=("history_retention_seconds",),
    ),
    ManagedField(
        "network.allowed_ips", "IP allow list", AddressList(), Level.PROJECT, None,
        *_plan_level("network", "allowed_ips"),
        project_path=("settings", "allowed_ips", "ips"), absent=[],
    ),
    ManagedField(
        "network.protected_branches_only", "allow list on protected branches only", Flag(),
        Level.PROJECT, None,
        *_plan_level("network", "protected_branches_only"),
        project_path=("settings", "allowed_ips", "protected_branches_only"), absent=False,
    ),
    ManagedField(
        "network.block_public_connections", "block public connections", Flag(), Level.PROJECT,
        None,
        *_plan_level("network", "block_public_connections"),
        project_path=("settings", "block_public_connections"), absent=False,
    ),
    ManagedField(
        "network.block_vpc_connections", "block VPC connections", Flag(), Level.PROJECT, None,
        *_plan_level("network", "block_vpc_connections"),
        project_path=("settings", "block_vpc_connections"), absent=False,
    ),
    ManagedField(
        "logical_replication", "logical replication", Flag(), Level.PROJECT, None,
        *_plan_level("logical_replication"),
        project_path=("settings", "enable_logical_replication"), absent=False,
        mutability=Mutability.ONE_WAY, on_change=SUSPENDS_ACTIVE_COMPUTES,
    ),
    ManagedField(
        "maintenance_window", "maintenance window", Window(), Level.PROJECT, None,
        *_plan_level("maintenance_window"),
        project_path=("settings", "maintenance_window"),
    ),
    ManagedField(
        "read_replicas.count", "read replicas", Whole(), Level.REPLICAS, 0,
        *_plan_level("read_replicas", "count"),
    ),
    ManagedField(
        "read_replicas.min_cu", "read replica autoscaling minimum", ComputeUnits(),
        Level.COMPUTE, neon.DEFAULT_MIN_CU,
        *_plan_level("read_replicas", "min_cu"),
        compute_path=("autoscaling_limit_min_cu",), computes=_REPLICAS,
        on_change=RESTARTS_COMPUTE,
    ),
    ManagedField(
        "read_replicas.max_cu", "read replica autoscaling maximum", ComputeUnits(),
        Level.COMPUTE, neon.DEFAULT_MAX_CU,
        *_plan_level("read_replicas", "max_cu"),
        compute_path=("autoscaling_limit_max_cu",), computes=_REPLICAS,
        on_change=RESTARTS_COMPUTE,
    ),
)  # fmt: skip

BY_KEY: Mapping[str, ManagedField] = MappingProxyType({f.key: f for f in FIELDS})
KEYS: tuple[str, ...] = tuple(f.key for f in FIELDS)
QUOTAS: tuple[ManagedField, ...] = tuple(f for f in FIELDS if f.counter is not None)
LIMIT_NAMES: tuple[str, ...] = tuple(f.key.removeprefix("limits.") for f in QUOTAS)
# The fields on the project itself: sent whole with every project update.
PROJECT_FIELDS: tuple[ManagedField, ...] = tuple(
    f for f in FIELDS if f.level in (Level.PROJECT, Level.COMPUTE) and f.project_path
)
REPLICA_NAME_PREFIX = "tenantctl-replica-"


def field_of(key: str) -> ManagedField:
    """The field with this YAML path (KeyError names the unknown key)."""
    return BY_KEY[key]


def dig(data: Mapping[str, Value] | None, path: Loc) -> Value | _Unreported:
    """The value at `path` in a Neon object, or UNREPORTED when any part is missing."""
    current: Value = data
    for part in path:
        if not isinstance(current, Mapping) or part not in current:
            return UNREPORTED
        current = current[part]
    return current


def place(body: dict[str, Value], path: Loc, value: Value) -> None:
    """Put `value` at `path` in a nested request body, creating the objects on the way."""
    current = body
    for part in path[:-1]:
        current = current.setdefault(part, {})
    current[path[-1]] = value


def replica_name(index: int) -> str:
    """The name tenantctl gives its n-th read replica (1-based): how it recognises its own."""
    return f"{REPLICA_NAME_PREFIX}{index}"


def replica_index(name: str | None) -> int | None:
    """The index of a replica tenantctl created, from its name; None for any other compute."""
    if name is None or not name.startswith(REPLICA_NAME_PREFIX):
        return None
    digits = name.removeprefix(REPLICA_NAME_PREFIX)
    return int(digits) if digits.isdigit() and digits[0] != "0" else None
