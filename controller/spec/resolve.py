"""Plan + tenant -> effective settings, each value tagged with the layer that set it.

Three layers, lowest first: Neon's defaults, the tenant's pricing plan, the tenant file (its own
fields, then its `overrides`). A value is taken from the highest layer that gives it; "gives"
means the key is written in the file, so `unlimited` in a tenant override really lifts the plan's
cap. Each resolved value keeps where it was written (`Origin`), so that a rule broken by a
combination of layers can be reported at the tenant's value, naming the plan's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from controller.spec import neon_rules as neon
from controller.spec.documents import PlanFile, TenantFile
from controller.spec.model import (
    ComputeSettings,
    Layer,
    Limits,
    PlanCompute,
    PricingPlan,
    ResolvedTenant,
    TenantState,
    frozen_mapping,
)
from controller.spec.yaml_source import Loc, Position, YamlDocument

LIMIT_NAMES: tuple[str, ...] = tuple(Limits.__dataclass_fields__)


@dataclass(frozen=True, slots=True)
class PlanSource:
    """A validated plan file: its name, path (relative to the fleet), document and model."""

    name: str
    path: str
    document: YamlDocument
    model: PlanFile


@dataclass(frozen=True, slots=True)
class TenantSource:
    """A validated tenant file: its id, path (relative to the fleet), document and model."""

    id: str
    path: str
    document: YamlDocument
    model: TenantFile


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a value was written: file, key path within it, and position."""

    path: str
    loc: Loc
    position: Position


@dataclass(frozen=True, slots=True)
class Setting:
    """One resolved value, the layer that set it, and where (None for Neon's defaults)."""

    value: Any
    layer: Layer
    origin: Origin | None
    plan: str | None = None  # the plan's name when layer is PLAN


@dataclass(frozen=True, slots=True)
class _Field:
    key: str  # provenance key: a dotted path of ResolvedTenant
    default: Any
    plan_loc: Loc | None  # where a plan file sets it, if plans may
    tenant_loc: Loc | None  # where a tenant file sets it


_FIELDS: tuple[_Field, ...] = (
    _Field("region", neon.DEFAULT_REGION, ("region",), ("region",)),
    _Field("pg_version", neon.DEFAULT_PG_VERSION, ("pg_version",), ("pg_version",)),
    _Field("state", TenantState.ACTIVE, None, ("state",)),
    _Field("database", neon.DEFAULT_DATABASE, None, ("database",)),
    *(
        _Field(f"limits.{name}", None, ("limits", name), ("overrides", "limits", name))
        for name in LIMIT_NAMES
    ),
    _Field(
        "compute.min_cu",
        neon.DEFAULT_MIN_CU,
        ("compute", "min_cu"),
        ("overrides", "compute", "min_cu"),
    ),
    _Field(
        "compute.max_cu",
        neon.DEFAULT_MAX_CU,
        ("compute", "max_cu"),
        ("overrides", "compute", "max_cu"),
    ),
    _Field(
        "compute.suspend_timeout_seconds",
        neon.SUSPEND_DEFAULT,
        ("compute", "suspend_timeout"),
        ("overrides", "compute", "suspend_timeout"),
    ),
    _Field(
        "history_retention_seconds",
        neon.DEFAULT_HISTORY_RETENTION_SECONDS,
        ("history_retention",),
        ("overrides", "history_retention"),
    ),
)


def resolve_settings(plan: PlanSource | None, tenant: TenantSource | None) -> dict[str, Setting]:
    """Every field's effective setting; with no tenant, what the plan alone gives."""
    settings: dict[str, Setting] = {}
    for field in _FIELDS:
        setting = Setting(field.default, Layer.DEFAULT, None)
        if plan is not None and field.plan_loc is not None:
            setting = _given(plan, field.plan_loc) or setting
        if tenant is not None and field.tenant_loc is not None:
            setting = _given(tenant, field.tenant_loc) or setting
        settings[field.key] = setting
    settings["role"] = _role(settings["database"], tenant)
    return settings


def build_tenant(
    source: TenantSource, settings: Mapping[str, Setting], project_name: str
) -> ResolvedTenant:
    """The resolved tenant from its settings (see `resolve_settings`)."""

    def value(key: str) -> Any:
        return settings[key].value

    return ResolvedTenant(
        id=source.id,
        plan=source.model.plan,
        state=value("state"),
        project_id=source.model.project_id,
        project_name=project_name,
        region=value("region"),
        pg_version=value("pg_version"),
        database=value("database"),
        role=value("role"),
        limits=Limits(**{name: value(f"limits.{name}") for name in LIMIT_NAMES}),
        compute=ComputeSettings(
            min_cu=value("compute.min_cu"),
            max_cu=value("compute.max_cu"),
            suspend_timeout_seconds=value("compute.suspend_timeout_seconds"),
        ),
        history_retention_seconds=value("history_retention_seconds"),
        provenance=frozen_mapping({key: setting.layer for key, setting in settings.items()}),
    )


def build_plan(source: PlanSource) -> PricingPlan:
    """The plan as written, with None where it leaves Neon's default."""
    model = source.model
    return PricingPlan(
        name=source.name,
        description=model.description,
        source=source.path,
        region=model.region,
        pg_version=model.pg_version,
        limits=Limits(**{name: getattr(model.limits, name) for name in LIMIT_NAMES}),
        compute=PlanCompute(
            min_cu=model.compute.min_cu,
            max_cu=model.compute.max_cu,
            suspend_timeout_seconds=model.compute.suspend_timeout,
        ),
        history_retention_seconds=model.history_retention,
    )


def _given(source: PlanSource | TenantSource, loc: Loc) -> Setting | None:
    """The setting a file gives at `loc`, or None when the key is not written there."""
    current: Any = source.model
    for part in loc:
        if not isinstance(current, BaseModel) or part not in current.model_fields_set:
            return None
        current = getattr(current, str(part))
    origin = Origin(source.path, loc, source.document.position_of(loc))
    if isinstance(source, PlanSource):
        return Setting(current, Layer.PLAN, origin, source.name)
    return Setting(current, Layer.TENANT, origin)


def _role(database: Setting, tenant: TenantSource | None) -> Setting:
    if tenant is not None:
        given = _given(tenant, ("role",))
        if given is not None:
            return given
    # Neon's default owner role follows the database name; it is reported where that is set.
    return Setting(neon.default_role_for(database.value), Layer.DEFAULT, database.origin)
