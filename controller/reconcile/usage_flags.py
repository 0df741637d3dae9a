"""Warnings for limits lowered below what a tenant already uses (pure).

Neon enforces a quota as soon as usage exceeds it: computes are suspended at once, except for
storage (`logical_size_bytes`), where writes are blocked instead. A plan must say so before
apply does it to a paying customer.
"""

from __future__ import annotations

from collections.abc import Iterable

from controller.reconcile.changeplan import PROJECT_TARGET, QUOTA_PREFIX, FieldChange
from controller.reconcile.observed import ObservedUsage


def _lowered(change: FieldChange) -> bool:
    if change.target != PROJECT_TARGET or not change.field.startswith(QUOTA_PREFIX):
        return False
    old, new = change.old, change.new
    if not isinstance(new, int) or new == 0:
        return False  # unlimited never lowers anything
    return old == 0 or old is None or (isinstance(old, int) and new < old)


def lowers_a_limit(changes: Iterable[FieldChange]) -> bool:
    """Whether any quota change makes a limit stricter, so usage must be checked."""
    return any(_lowered(change) for change in changes)


def lowered_limit_warnings(changes: Iterable[FieldChange], usage: ObservedUsage) -> tuple[str, ...]:
    """One warning per quota lowered to or below current usage, saying what Neon will do."""
    warnings = []
    for change in changes:
        if not _lowered(change):
            continue
        name = change.field.removeprefix(QUOTA_PREFIX)
        used = getattr(usage, name, 0)
        assert isinstance(change.new, int)
        if used >= change.new:
            effect = (
                "will block writes"
                if name == "logical_size_bytes"
                else "will suspend computes at once"
            )
            warnings.append(
                f"{name} limit {change.new} is at or below current usage {used}: {effect}"
            )
    return tuple(warnings)
