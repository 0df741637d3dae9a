"""Totals of a usage report: per pricing plan and for the whole fleet.

Why this exists: Neon's partner guide asks for usage totals across all projects, and a partner
reads its fleet by plan ("what do our Starter customers use?"). A total is the plain sum of the
tenants' own figures, over the tenants that have a reading (a tenant without a project adds
nothing), so that every total equals the sum of the rows it stands for: the per-plan subtotals
add up to the fleet total. Storage sums each tenant's size (the fleet's storage now). Billing
metrics are summed over the tenants whose reading has them (v2), and are None when none has.
Pure functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from controller.usage.assess import TenantUsage
from controller.usage.billing import BILLING_NAMES
from controller.usage.metrics import METRIC_NAMES

FLEET = "fleet"


@dataclass(frozen=True)
class Totals:
    """Sums over `tenants` tenants with a reading (`billed` of them with billing metrics)."""

    scope: str  # FLEET, or a plan's name
    tenants: int
    used: Mapping[str, int]
    billed: int
    billing: Mapping[str, int] | None


def total_of(scope: str, tenants: Iterable[TenantUsage]) -> Totals:
    """The sums of these tenants' use and billing metrics."""
    read = [t for t in tenants if t.metrics]
    used = dict.fromkeys(METRIC_NAMES, 0)
    for tenant in read:
        for usage in tenant.metrics:
            used[usage.metric.name] += usage.used
    billed = [t.billing for t in read if t.billing is not None]
    billing = None
    if billed:
        billing = {name: sum(values.get(name, 0) for values in billed) for name in BILLING_NAMES}
    return Totals(scope=scope, tenants=len(read), used=used, billed=len(billed), billing=billing)


def report_totals(tenants: Iterable[TenantUsage]) -> tuple[tuple[Totals, ...], Totals]:
    """The subtotal of each plan with tenants in the report (by plan name), and the fleet's."""
    listed = list(tenants)
    plans = sorted({t.plan for t in listed})
    by_plan = tuple(total_of(plan, (t for t in listed if t.plan == plan)) for plan in plans)
    return by_plan, total_of(FLEET, listed)
