"""Field-by-field differences between a tenant's desired project and the live one (pure).

Iterates the registry of managed settings (`controller.spec.managed.FIELDS`): every field is
compared where Neon keeps it (on the project, on each compute it applies to), with its kind's
notion of equality (an IP list is a set), and every change is named by its YAML path and keeps
the layer that wants it and the unit the user wrote. Immutable fields and one-way fields turned
off are conflicts, never acted on. Read replicas are counted by the names tenantctl gives them;
read-only computes made out of band are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from controller.reconcile.changeplan import PROJECT_TARGET, ActionKind, ComputeSpec, FieldChange
from controller.reconcile.observed import ObservedEndpoint, ObservedProject
from controller.spec.managed import (
    BY_KEY,
    FIELDS,
    PROJECT_FIELDS,
    RESTARTS_COMPUTE,
    ComputeRole,
    Level,
    ManagedField,
    Mutability,
    replica_index,
    replica_name,
)
from controller.spec.model import ResolvedTenant, TenantState
from controller.spec.values import Value

NAME_FIELD = "name"  # the project's name: identity, not a managed setting
DISABLED_FIELD = "disabled"  # a compute's on/off switch: the tenant's state, not a setting
REPLICA_COUNT = "read_replicas.count"
_COMPUTE_FIELDS = tuple(f for f in FIELDS if f.compute_path is not None)


@dataclass(frozen=True)
class ChangeGroup:
    """The changes of one action kind for a matched tenant, and what else the action does."""

    kind: ActionKind
    changes: tuple[FieldChange, ...]
    reason: str
    replicas: tuple[ComputeSpec, ...] = ()
    branch_id: str | None = None
    effects: tuple[str, ...] = ()


def compute_path_key(field: ManagedField) -> str:
    """A compute setting's key in `ObservedEndpoint.values`: its path on the compute, dotted."""
    assert field.compute_path is not None
    return ".".join(field.compute_path)


def wanted_project_values(tenant: ResolvedTenant) -> dict[str, Value]:
    """Every managed project setting the tenant wants (None: not managed), sent whole."""
    return {f.key: tenant.value(f.key) for f in PROJECT_FIELDS}


def immutable_changes(tenant: ResolvedTenant, live: ObservedProject) -> tuple[FieldChange, ...]:
    """Differences Neon cannot make: fixed-at-creation fields, and one-way fields turned off."""
    found = []
    for field in FIELDS:
        wanted = tenant.value(field.key)
        if wanted is None or field.key not in live.values:
            continue
        old = live.values[field.key]
        fixed = field.mutability is Mutability.IMMUTABLE and not field.kind.same(old, wanted)
        one_way = field.mutability is Mutability.ONE_WAY and old is True and wanted is False
        if fixed or one_way:
            found.append(_change(tenant, PROJECT_TARGET, field, old, wanted))
    return tuple(found)


def project_changes(
    tenant: ResolvedTenant, live: ObservedProject, *, manage_name: bool
) -> tuple[FieldChange, ...]:
    """Managed project settings whose live value differs, in registry order.

    A value Neon did not report is not compared: it cannot be known to differ. Every project
    update sends all managed settings, so it still lands with the next.
    """
    found = []
    if manage_name and live.name != tenant.project_name:
        found.append(FieldChange(target=PROJECT_TARGET, field=NAME_FIELD, old=live.name,
                                 new=tenant.project_name))  # fmt: skip
    for field in PROJECT_FIELDS:
        if field.mutability is Mutability.IMMUTABLE:
            continue
        wanted = tenant.value(field.key)
        if wanted is None or field.key not in live.values:
            continue
        if not field.kind.same(live.values[field.key], wanted):
            found.append(_change(tenant, PROJECT_TARGET, field, live.values[field.key], wanted))
    return tuple(found)


def differs_in_list(tenant: ResolvedTenant, live: ObservedProject, *, manage_name: bool) -> bool:
    """Whether what the project list reports already shows a change for the tenant: its
    project to delete, a fixed setting, a project setting or its name."""
    if tenant.state is TenantState.DELETED or immutable_changes(tenant, live):
        return True
    return bool(project_changes(tenant, live, manage_name=manage_name))


def compute_role(endpoint: ObservedEndpoint) -> ComputeRole | None:
    """What a compute is to tenantctl: the primary, one of its replicas, or none of its own."""
    if endpoint.type == "read_write":
        return ComputeRole.READ_WRITE
    if endpoint.type == "read_only" and replica_index(endpoint.name) is not None:
        return ComputeRole.REPLICA
    return None


def endpoint_changes(tenant: ResolvedTenant, endpoint: ObservedEndpoint) -> tuple[FieldChange, ...]:
    """Compute settings that differ on one compute (none on computes made out of band)."""
    role = compute_role(endpoint)
    found = []
    for field in _COMPUTE_FIELDS:
        wanted = tenant.value(field.key)
        path = compute_path_key(field)
        if role not in field.computes or wanted is None or path not in endpoint.values:
            continue
        old = endpoint.values[path]
        if not field.kind.same(old, wanted):
            found.append(_change(tenant, endpoint.endpoint_id, field, old, wanted))
    return tuple(found)


def wants_disabled(state: TenantState) -> bool:
    """Suspended and to-be-deleted tenants keep their data but lose their computes."""
    return state is not TenantState.ACTIVE


def disabled_change(endpoint: ObservedEndpoint, disabled: bool) -> FieldChange | None:
    """The `disabled` flip a compute needs, if any."""
    if endpoint.disabled == disabled:
        return None
    return FieldChange(
        target=endpoint.endpoint_id, field=DISABLED_FIELD, old=endpoint.disabled, new=disabled
    )


def replica_spec(tenant: ResolvedTenant, index: int) -> ComputeSpec:
    """The read replica tenantctl creates as the tenant's `index`-th (1-based)."""
    return ComputeSpec(
        name=replica_name(index),
        min_cu=tenant.value("read_replicas.min_cu"),
        max_cu=tenant.value("read_replicas.max_cu"),
        suspend_timeout_seconds=tenant.value("compute.suspend_timeout"),
        pg_settings=tenant.value("compute.pg_settings") or {},
        disabled=wants_disabled(tenant.state),
    )


def replicas_to_create(tenant: ResolvedTenant, indexes: set[int]) -> tuple[ComputeSpec, ...]:
    """The replicas missing from `indexes` (the ones that exist) up to the wanted count."""
    wanted = tenant.value(REPLICA_COUNT)
    return tuple(replica_spec(tenant, i) for i in range(1, wanted + 1) if i not in indexes)


def own_replicas(endpoints: tuple[ObservedEndpoint, ...]) -> dict[int, ObservedEndpoint]:
    """tenantctl's read replicas by index."""
    return {
        index: e
        for e in endpoints
        if compute_role(e) is ComputeRole.REPLICA and (index := replica_index(e.name))
    }


def replicas_to_remove(
    tenant: ResolvedTenant, endpoints: tuple[ObservedEndpoint, ...]
) -> tuple[ObservedEndpoint, ...]:
    """tenantctl's replicas beyond the wanted count, highest index first."""
    wanted = tenant.value(REPLICA_COUNT)
    ours = own_replicas(endpoints)
    return tuple(ours[i] for i in sorted(ours, reverse=True) if i > wanted)


def foreign_computes(endpoints: tuple[ObservedEndpoint, ...]) -> tuple[ObservedEndpoint, ...]:
    """Read-only computes created out of band: reported, never resized or removed."""
    return tuple(e for e in endpoints if compute_role(e) is None)


def tenant_changes(
    tenant: ResolvedTenant,
    live: ObservedProject,
    endpoints: tuple[ObservedEndpoint, ...],
    *,
    manage_name: bool,
) -> list[ChangeGroup]:
    """Every change a matched tenant needs, grouped by action kind with the reason for each.

    Adopted projects (matched by `project_id`) keep their own name: identity does not hang on it.
    Tenants to be deleted only lose their computes; their settings no longer matter.
    """
    groups: list[ChangeGroup] = []
    if tenant.state is not TenantState.DELETED:
        update = _update_group(tenant, live, endpoints, manage_name=manage_name)
        if update is not None:
            groups.append(update)
    disabled = wants_disabled(tenant.state)
    ours = [e for e in endpoints if compute_role(e) is not None]  # out-of-band: left alone
    flips = tuple(c for e in ours if (c := disabled_change(e, disabled)) is not None)
    if flips:
        kind = ActionKind.SUSPEND if disabled else ActionKind.RESUME
        effects = tuple(f"suspends compute {c.target}" for c in flips if disabled)
        groups.append(ChangeGroup(kind, flips, _state_reason(tenant.state), effects=effects))
    return groups


def _update_group(
    tenant: ResolvedTenant,
    live: ObservedProject,
    endpoints: tuple[ObservedEndpoint, ...],
    *,
    manage_name: bool,
) -> ChangeGroup | None:
    changes = project_changes(tenant, live, manage_name=manage_name)
    changes += tuple(c for e in endpoints for c in endpoint_changes(tenant, e))
    ours = own_replicas(endpoints)
    replicas = replicas_to_create(tenant, set(ours))
    if replicas:
        wanted = tenant.value(REPLICA_COUNT)
        layer = _layer(tenant, REPLICA_COUNT)
        count = FieldChange(
            target=PROJECT_TARGET, field=REPLICA_COUNT, old=len(ours), new=wanted, layer=layer
        )
        changes += (count,)
    if not changes:
        return None
    primary = next((e for e in endpoints if e.type == "read_write"), None)
    return ChangeGroup(
        ActionKind.UPDATE,
        changes,
        _update_reason(tenant, changes),
        replicas=replicas,
        branch_id=primary.branch_id if primary else None,
        effects=change_effects(changes),
    )


def change_effects(changes: tuple[FieldChange, ...]) -> tuple[str, ...]:
    """What the changes do to running computes, per Neon's documented behaviour."""
    effects: list[str] = []
    for change in changes:
        field = _field(change.field)
        if field is None or field.on_change is None:
            continue
        if change.target != PROJECT_TARGET and field.on_change == RESTARTS_COMPUTE:
            effect = f"restarts compute {change.target} ({change.field})"
        elif change.target == PROJECT_TARGET and field.level is Level.PROJECT and change.new:
            effect = f"{field.on_change} ({change.field})"
        else:
            continue
        if effect not in effects:
            effects.append(effect)
    return tuple(effects)


def _field(key: str) -> ManagedField | None:
    return BY_KEY.get(key)


def _layer(tenant: ResolvedTenant, key: str) -> str | None:
    layer = tenant.provenance.get(key)
    return layer.value if layer is not None else None


def _change(
    tenant: ResolvedTenant, target: str, field: ManagedField, old: Value, new: Value
) -> FieldChange:
    return FieldChange(
        target=target,
        field=field.key,
        old=field.kind.canonical(old),
        new=field.kind.canonical(new),
        layer=_layer(tenant, field.key),
        unit=tenant.units.get(field.key),
    )


def _update_reason(tenant: ResolvedTenant, changes: tuple[FieldChange, ...]) -> str:
    reasons = []
    rename = next((c for c in changes if c.field == NAME_FIELD), None)
    if rename is not None:
        reasons.append(_rename_reason(tenant, str(rename.old)))
    if any(c.field != NAME_FIELD for c in changes):
        reasons.append(f"live settings differ from pricing plan {tenant.plan!r} and overrides")
    return "; ".join(reasons)


def _rename_reason(tenant: ResolvedTenant, live_name: str) -> str:
    """A prefix change is a planned rename; any other difference was made out of band."""
    prefix = tenant.project_name.removesuffix(tenant.id)
    if live_name.endswith(tenant.id) and tenant.project_name.endswith(tenant.id):
        was = live_name.removesuffix(tenant.id)
        return (
            f"planned rename: the fleet's project_name_prefix is {prefix!r} (the project "
            f"was named with {was!r}); found by its ownership mark"
        )
    return "project renamed out of band (found by its ownership mark); renamed back"


def _state_reason(state: TenantState) -> str:
    if state is TenantState.SUSPENDED:
        return "tenant state is suspended: computes disabled, data kept"
    if state is TenantState.DELETED:
        return "tenant state is deleted: computes disabled until the project is deleted"
    return "tenant state is active: computes enabled again"


def change_satisfied(
    change: FieldChange, live: ObservedProject, endpoints: tuple[ObservedEndpoint, ...]
) -> bool:
    """Whether the live state already holds a change's new value (a re-run of a saved plan)."""
    if change.target == PROJECT_TARGET:
        if change.field == NAME_FIELD:
            return live.name == change.new
        if change.field == REPLICA_COUNT:
            return len(own_replicas(endpoints)) >= int(str(change.new))
        field = BY_KEY[change.field]
        return change.field in live.values and field.kind.same(
            live.values[change.field], change.new
        )
    endpoint = next((e for e in endpoints if e.endpoint_id == change.target), None)
    if endpoint is None:
        return False
    if change.field == DISABLED_FIELD:
        return endpoint.disabled == change.new
    field = BY_KEY[change.field]
    path = compute_path_key(field)
    return path in endpoint.values and field.kind.same(endpoint.values[path], change.new)
