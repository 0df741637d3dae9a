"""Warnings for limits lowered below what a tenant already uses (pure).

Neon enforces a quota as soon as usage exceeds it: computes are suspended at once, except for
storage, where writes are blocked instead (each quota's `at_limit` in the registry). A plan
must say so, in the user's units, before apply does it to a paying customer.
"""

from __future__ import annotations

from collections.abc import Iterable

from controller.reconcile.changeplan import PROJECT_TARGET, FieldChange
from controller.reconcile.observed import ObservedUsage
from controller.spec.managed import BY_KEY, ManagedField
from controller.spec.values import Quota


def _quota(change: FieldChange) -> ManagedField | None:
    field = BY_KEY.get(change.field)
    if change.target != PROJECT_TARGET or field is None or field.counter is None:
        return None
    return field


def _lowered(change: FieldChange) -> bool:
    if _quota(change) is None:
        return False
    old, new = change.old, change.new
    if not isinstance(new, int) or new == 0:
        return False  # unlimited never lowers anything
    return old == 0 or old is None or (isinstance(old, int) and new < old)


def lowers_a_limit(changes: Iterable[FieldChange]) -> bool:
    """Whether any quota change makes a limit stricter, so usage must be checked."""
    return any(_lowered(change) for change in changes)


def lowered_limit_warnings(changes: Iterable[FieldChange], usage: ObservedUsage) -> tuple[str, ...]:
    """One warning per limit lowered to or below current usage, saying what Neon will do:
    `limits.storage 10GiB is at or below current usage 12.5GiB: Neon blocks writes`."""
    warnings = []
    for change in changes:
        field = _quota(change)
        if field is None or not _lowered(change):
            continue
        assert field.counter is not None
        assert isinstance(change.new, int)
        used = getattr(usage, field.counter, 0)
        if used < change.new:
            continue
        kind = field.kind
        assert isinstance(kind, Quota)
        unit = change.unit or kind.shared_unit(change.new, used)
        warnings.append(
            f"{field.key} {kind.amount(change.new, unit)} is at or below current usage "
            f"{kind.amount(used, unit)}: Neon {field.at_limit} at once"
        )
    return tuple(warnings)
