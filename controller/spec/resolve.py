"""Plan + tenant -> effective settings, each value tagged with the layer that set it.

Three layers, lowest first: Neon's defaults, the tenant's pricing plan, the tenant file (its own
fields, then its `overrides`), for every field of the registry (`managed.FIELDS`). A value is
taken from the highest layer that gives it; "gives" means the key is written in the file, so
`unlimited` in a tenant override really lifts the plan's cap. Each resolved value keeps where
it was written (`Origin`), so that a rule broken by a combination of layers can be reported at
the tenant's value, naming the plan's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel

from controller.spec import neon_rules as neon
from controller.spec.documents import PlanFile, TenantFile
from controller.spec.managed import FIELDS, KEYS
from controller.spec.model import Layer, PricingPlan, ResolvedTenant, TenantState, frozen_mapping
from controller.spec.yaml_source import Loc, Position, YamlDocument


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
    unit: str | None = None  # the unit suffix as written (`h` in `600h`), if any


_STATE_KEY = "state"
_TENANT_FIELDS = tuple(f for f in FIELDS if f.tenant_loc is not None)
_UNIT_SUFFIX = re.compile(r"^[0-9.]+ ?([A-Za-z]+)$")


def plan_layer(plan: PlanSource | None) -> dict[str, Setting]:
    """Every managed field's setting before the tenant's layer: Neon's default, or what the
    plan gives. The same for every tenant of the plan, so the loader computes it once per
    plan and passes it to `resolve_settings` (`layer=`)."""
    layer: dict[str, Setting] = {}
    for field in FIELDS:
        given = None
        if plan is not None and field.plan_loc is not None:
            given = _given(plan, field.plan_loc)
        layer[field.key] = given or Setting(field.default, Layer.DEFAULT, None)
    return layer


def resolve_settings(
    plan: PlanSource | None,
    tenant: TenantSource | None,
    *,
    layer: Mapping[str, Setting] | None = None,
) -> dict[str, Setting]:
    """Every managed field's effective setting (plus `state`); with no tenant, the plan's.

    `layer` is `plan_layer(plan)` when the caller already has it.
    """
    settings = dict(layer if layer is not None else plan_layer(plan))
    if tenant is not None:
        written = tenant.document.data  # only keys written in the file can set anything
        for field in _TENANT_FIELDS:
            assert field.tenant_loc is not None
            if field.tenant_loc[0] in written:
                settings[field.key] = _given(tenant, field.tenant_loc) or settings[field.key]
    settings["role"] = _role(settings["database"], tenant)
    state = _given(tenant, (_STATE_KEY,)) if tenant is not None else None
    settings[_STATE_KEY] = state or Setting(TenantState.ACTIVE, Layer.DEFAULT, None)
    return settings


def build_tenant(
    source: TenantSource, settings: Mapping[str, Setting], project_name: str
) -> ResolvedTenant:
    """The resolved tenant from its settings (see `resolve_settings`)."""
    return ResolvedTenant(
        id=source.id,
        plan=source.model.plan,
        state=settings[_STATE_KEY].value,
        project_id=source.model.project_id,
        project_name=project_name,
        values=MappingProxyType({key: settings[key].value for key in KEYS}),
        provenance=frozen_mapping({key: setting.layer for key, setting in settings.items()}),
        units=frozen_mapping({k: s.unit for k, s in settings.items() if s.unit is not None}),
    )


def build_plan(source: PlanSource) -> PricingPlan:
    """The plan as written: only the values it sets."""
    given = {key: s for key, s in plan_layer(source).items() if s.layer is Layer.PLAN}
    return PricingPlan(
        name=source.name,
        description=source.model.description,
        source=source.path,
        values=MappingProxyType({key: setting.value for key, setting in given.items()}),
        units=frozen_mapping({k: s.unit for k, s in given.items() if s.unit is not None}),
    )


def _given(source: PlanSource | TenantSource, loc: Loc) -> Setting | None:
    """The setting a file gives at `loc`, or None when the key is not written there."""
    raw: Any = source.document.data
    for part in loc:  # a quick "not written" from the parsed data, before the model's walk
        if not isinstance(raw, dict) or part not in raw:
            return None
        raw = raw[part]
    current: Any = source.model
    for part in loc:
        if not isinstance(current, BaseModel) or part not in current.model_fields_set:
            return None
        current = getattr(current, str(part))
    if isinstance(current, BaseModel):  # a block given whole, such as maintenance_window
        current = current.to_neon()  # type: ignore[attr-defined]
    origin = Origin(source.path, loc, source.document.position_of(loc))
    unit = _written_unit(source.document, loc)
    if isinstance(source, PlanSource):
        return Setting(current, Layer.PLAN, origin, source.name, unit)
    return Setting(current, Layer.TENANT, origin, unit=unit)


def _written_unit(document: YamlDocument, loc: Loc) -> str | None:
    """The unit suffix of a value as written (`GiB` in `10GiB`), for showing it back."""
    raw: Any = document.data
    for part in loc:
        if not isinstance(raw, dict) or part not in raw:
            return None
        raw = raw[part]
    found = _UNIT_SUFFIX.match(raw) if isinstance(raw, str) else None
    return found.group(1) if found else None


def _role(database: Setting, tenant: TenantSource | None) -> Setting:
    if tenant is not None:
        given = _given(tenant, ("role",))
        if given is not None:
            return given
    # Neon's default owner role follows the database name; it is reported where that is set.
    return Setting(neon.default_role_for(database.value), Layer.DEFAULT, database.origin)
