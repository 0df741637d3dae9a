"""Plan values as people read them: each field through its kind, in the unit the user wrote.

`limits.storage: 10GiB -> 20GiB (plan pro)`: the YAML path, both values in one unit (the one
the user wrote, else one that fits both), and who wants the change. Raw Neon values stay in the
JSON format; untrusted text is escaped by the caller for its medium.
"""

from __future__ import annotations

from pydantic import JsonValue

from controller.reconcile.changeplan import (
    PROJECT_TARGET,
    Action,
    ChangePlan,
    ComputeSpec,
    FieldChange,
)
from controller.spec.managed import BY_KEY

REPLICA_COUNT = "read_replicas.count"


def format_value(field: str, value: JsonValue, unit: str | None = None) -> str:
    """One field's value the way a fleet file would spell it."""
    managed = BY_KEY.get(field)
    if managed is not None:
        return managed.kind.show(value, unit)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "(none)" if value is None else str(value)


def format_change(change: FieldChange) -> str:
    """`10GiB -> 20GiB`, both in one unit (or what was added and removed, for sets and maps)."""
    managed = BY_KEY.get(change.field)
    if managed is not None:
        return managed.kind.show_change(change.old, change.new, change.unit)
    return f"{format_value(change.field, change.old)} -> {format_value(change.field, change.new)}"


def describe_field(target: str, field: str) -> str:
    """`limits.storage`, or `compute ep-x: compute.min_cu` for one compute's setting."""
    return field if target == PROJECT_TARGET else f"compute {target}: {field}"


def describe_layer(action: Action, change: FieldChange) -> str:
    """`plan pro`, `tenant` or `default`: who wants the new value ('' when nobody set it)."""
    if change.layer == "plan" and action.plan:
        return f"plan {action.plan}"
    return change.layer or ""


def create_rows(action: Action) -> list[tuple[str, str, str]]:
    """(YAML path, value, layer) of every managed setting a create sets, in registry order.

    Replica sizes are left out when the tenant wants no replica."""
    assert action.create is not None
    spec = action.create
    rows = []
    for key, field in BY_KEY.items():
        value = spec.values.get(key)
        if value is None:
            continue
        if key.startswith("read_replicas.") and key != REPLICA_COUNT and not spec.replicas:
            continue
        layer = spec.layers.get(key, "")
        shown_layer = f"plan {action.plan}" if layer == "plan" and action.plan else layer
        rows.append((key, field.kind.show(value, spec.units.get(key)), shown_layer))
    return rows


def create_summary(action: Action) -> list[tuple[str, str]]:
    """(section, `key value, ...`) lines of everything a create sets, grouped by YAML section."""
    sections: dict[str, list[str]] = {}
    for key, shown, _layer in create_rows(action):
        section, _, name = key.rpartition(".")
        sections.setdefault(section or "project", []).append(f"{name} {shown}")
    return [(section, ", ".join(parts)) for section, parts in sections.items()]


def describe_compute(spec: ComputeSpec) -> str:
    """`read replica tenantctl-replica-1`, or `primary compute (read-write)` for a repair."""
    if spec.compute_type == "read_write":
        return "primary compute (read-write)"
    return f"read replica {spec.name}"


NO_CHANGES = "No changes. Live Neon projects match the fleet."


def no_changes(plan: ChangePlan) -> str | None:
    """What a plan without actions says: no changes (as far as it was checked), or that tenants
    are unhealthy; nothing when fleet-wide problems stop it (they are shown instead)."""
    unhealthy = len({issue.tenant for issue in plan.health})
    if unhealthy:
        return unhealthy_line(unhealthy)
    if plan.problems:
        return None
    if plan.list_level_only:
        return "No changes found. Live Neon projects match the fleet as far as it was checked."
    return NO_CHANGES


def unhealthy_line(count: int) -> str:
    """What replaces "No changes" when tenants are unhealthy: the settings match, Neon does not
    work for them (see the unhealthy lines above it)."""
    tenants = "tenant is" if count == 1 else "tenants are"
    return f"No changes to settings, but {count} {tenants} unhealthy (see above)."
