"""Small constructors for usage tests: plans, tenants and readings from a few numbers.

Times are UTC; the default billing period is June 2025 (30 days), so a day is 1/30 of a period
and the expected percentages and dates of a test can be worked out by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType

from controller.spec.model import (
    DesiredFleet,
    FleetSettings,
    PricingPlan,
    ResolvedTenant,
)
from controller.usage.metrics import METRIC_NAMES
from controller.usage.readings import DailyUsage, History, ProjectReading, TenantReading

HOUR = 3600
DAY = 86_400
GB = 1000**3
GiB = 1024**3
ONE_DAY = timedelta(days=1)
JUNE_1 = datetime(2025, 6, 1, tzinfo=UTC)
JULY_1 = datetime(2025, 7, 1, tzinfo=UTC)


def june(day: int, hour: int = 0) -> datetime:
    return datetime(2025, 6, day, hour, tzinfo=UTC)


def _limit_values(limits: Mapping[str, int | None]) -> dict[str, int]:
    """Limits by name (None: no cap) as the managed values `limits.<name>` (0: no cap)."""
    return {f"limits.{name}": cap or 0 for name, cap in limits.items()}


def plan(name: str, **limits: int | None) -> PricingPlan:
    return PricingPlan(
        name=name,
        description=f"{name} plan",
        source=f"plans/{name}.yaml",
        values=MappingProxyType(_limit_values(limits)),
    )


def plans(*items: PricingPlan) -> Mapping[str, PricingPlan]:
    return MappingProxyType({p.name: p for p in items})


def tenant(tenant_id: str, plan_name: str, **limits: int | None) -> ResolvedTenant:
    from tests.reconcile.builders import tenant as resolved

    return resolved(tenant_id, plan=plan_name, values=_limit_values(limits))


def reading(
    *,
    at: datetime,
    used: Mapping[str, int] | None = None,
    quota: Mapping[str, int | None] | None = None,
    created_at: datetime | None = None,
    period: tuple[datetime, datetime] | None = (JUNE_1, JULY_1),
    days: Mapping[date, Mapping[str, int]] | None = None,
    history: bool = True,
    since: date | None = None,
) -> ProjectReading:
    """A reading at `at` from legacy history read from `since` (default: the day before the
    period); metrics left out of `used` are zero, of `quota` unlimited."""
    counters = dict.fromkeys(METRIC_NAMES, 0) | dict(used or {})
    daily = tuple(DailyUsage(day=d, values=v) for d, v in sorted((days or {}).items()))
    return ProjectReading(
        project_id="quiet-field-12345678",
        project_name="acme",
        observed_at=at,
        clock="server",
        created_at=created_at or JUNE_1 - timedelta(days=90),
        period_start=period[0] if period else None,
        period_end=period[1] if period else None,
        used=counters,
        quota=dict.fromkeys(METRIC_NAMES) | dict(quota or {}),
        history=History(
            available=True, days=daily, since=since or (period or (JUNE_1,))[0].date() - ONE_DAY
        )
        if history
        else History(available=False, note="no history (403)", source="counters"),
        source="legacy" if history else "counters",
    )


def tenant_reading(tenant_id: str, found: ProjectReading | None = None) -> TenantReading:
    if found is None:
        return TenantReading(tenant_id=tenant_id, problem="no project yet", no_project=True)
    return TenantReading(tenant_id=tenant_id, reading=found)


def fleet(tenants: list[ResolvedTenant], offered: Mapping[str, PricingPlan]) -> DesiredFleet:
    return DesiredFleet(
        settings=FleetSettings(fleet="example"),
        plans=offered,
        tenants=MappingProxyType({t.id: t for t in tenants}),
        sources=MappingProxyType({t.id: f"tenants/{t.id}.yaml" for t in tenants}),
    )
