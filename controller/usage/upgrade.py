"""The upgrade path: the smallest pricing plan whose limits fit a tenant's projected use.

Why this exists: a tenant about to be suspended is a sales conversation, and the partner needs to
know which plan to offer. "Smallest" must mean something definite, so plans are ordered by their
limits (an unlimited limit counts as infinitely large):

1. fewer unlimited limits first;
2. then the limits compared in a fixed order: storage, compute time, active time, data transfer,
   written data (the first that differs decides);
3. then the plan name, so that equal plans give a stable answer.

This order never ranks a plan above one whose every limit is at least as large as its own: when
plans nest (Free < Pro < Enterprise) the answer is the lowest plan that fits, whatever the names.
A plan fits when the projected use of the period stays strictly below each of its limits
(reaching a limit is what suspends computes). Plans below the tenant's own are never offered:
a tenant on Pro whose own overrides are tight gets "Pro fits", not a downgrade to Free. Pure
functions of the plans and the projection.

Early in a period a projection rests on too little (see `projection.py`): the projected use is
then the use so far, and the answer says so (`too_early`) rather than extrapolating a few hours
into "no plan fits".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from controller.spec.model import PricingPlan

# The tie-break order of rule 2 (limit names of the fleet YAML).
SIZE_ORDER: tuple[str, ...] = (
    "storage",
    "compute_time",
    "active_time",
    "data_transfer",
    "written_data",
)
# A limit as a sort key: (0, amount) for a cap, (1, 0) for none, so that no cap sorts last.
LimitKey = tuple[int, int]


@dataclass(frozen=True)
class UpgradePath:
    """The suggestion for one tenant.

    `plan` is the smallest fitting plan not below the tenant's own (None when none fits);
    `is_current` says it is the tenant's own plan (its overrides are tighter than the plan);
    `too_early` that it fits the use so far, too early in the period to project it.
    """

    plan: str | None
    is_current: bool = False
    too_early: bool = False


def _limit_key(limit: int | None) -> LimitKey:
    return (1, 0) if limit is None else (0, limit)


def size_key(plan: PricingPlan) -> tuple[int, tuple[LimitKey, ...], str]:
    """The sort key of a plan in the "smallest first" order described above."""
    limits = plan.limits()
    keys = tuple(_limit_key(limits[name]) for name in SIZE_ORDER)
    unlimited = sum(1 for name in SIZE_ORDER if limits[name] is None)
    return unlimited, keys, plan.name


def fits(caps: Mapping[str, int | None], projected: Mapping[str, int]) -> bool:
    """True when every projected amount stays below its limit (None: no limit)."""
    return all(_below(amount, caps[name]) for name, amount in projected.items())


def _below(amount: int, limit: int | None) -> bool:
    return limit is None or amount < limit


def upgrade_path(
    plans: Mapping[str, PricingPlan],
    projected: Mapping[str, int],
    current_plan: str,
    *,
    too_early: bool = False,
) -> UpgradePath:
    """The smallest plan in `plans`, not below `current_plan`, whose limits fit `projected`
    (use by metric name; `too_early`: that is the use so far, not a projection)."""
    current = plans.get(current_plan)
    floor = size_key(current) if current is not None else None
    fitting = [
        plan
        for plan in plans.values()
        if (floor is None or size_key(plan) >= floor) and fits(plan.limits(), projected)
    ]
    if not fitting:
        return UpgradePath(plan=None, too_early=too_early)
    smallest = min(fitting, key=size_key)
    return UpgradePath(
        plan=smallest.name, is_current=smallest.name == current_plan, too_early=too_early
    )
