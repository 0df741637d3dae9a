"""Usage against limits, per tenant: the pure core of `tenantctl usage`.

Why this exists: from a tenant's limits (the fleet) and its project's reading (Neon), decide for
each metric how much is used, what share of the limit that is, its status, where it is heading,
and for tenants in trouble which plan would fit. No I/O, no clock: "now" is the reading's instant.

Statuses of a metric (a tenant takes its worst):
- `exceeded`: used >= limit, or >= the lower quota Neon still enforces until `apply` runs. Neon
  has suspended the project's computes (storage: it blocks writes; computes still run), until
  the period ends or the limit is raised.
- `warning`: used >= warn_at percent of the limit.
- `ok`: below that. `unlimited`: no limit, nothing to compare.
A tenant without a project yet is `no project`; one whose project cannot be told apart (an
identity conflict) is `unknown`. Percentages and thresholds are exact fractions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from fractions import Fraction

from controller.spec.model import PricingPlan, ResolvedTenant
from controller.usage.history import reached_on, storage_baseline, trailing
from controller.usage.metrics import METRICS, Metric
from controller.usage.projection import (
    BillingPeriod,
    Projection,
    Window,
    billing_period,
    measuring_window,
    project,
)
from controller.usage.readings import (
    ClockSource,
    History,
    ProjectReading,
    Series,
    Source,
    TenantReading,
)
from controller.usage.upgrade import UpgradePath, upgrade_path


class Status(StrEnum):
    OK = "ok"
    WARNING = "warning"
    EXCEEDED = "exceeded"
    UNLIMITED = "unlimited"
    NO_PROJECT = "no project"
    UNKNOWN = "unknown"


# Worst last; a tenant's status is the worst of its metrics'.
_SEVERITY = (
    Status.UNLIMITED,
    Status.OK,
    Status.NO_PROJECT,
    Status.UNKNOWN,
    Status.WARNING,
    Status.EXCEEDED,
)
ALERTING = frozenset({Status.WARNING, Status.EXCEEDED})


@dataclass(frozen=True)
class MetricUsage:
    """One metric of one tenant. `percent` is None without a limit; `projection` is None when
    the rate cannot be known (storage without consumption history). `unit` is the unit the
    limit was written in (`h` for `600h`), None when the fleet wrote none."""

    metric: Metric
    used: int
    limit: int | None
    percent: Fraction | None
    status: Status
    projection: Projection | None
    reached_on: date | None = None
    neon_quota: int | None = None
    unit: str | None = None

    @property
    def too_early(self) -> bool:
        return self.projection is not None and self.projection.too_early

    @property
    def projected(self) -> int:
        """Use expected by the end of the period (the current use when it cannot be projected)."""
        return (
            self.used if self.projection is None else max(self.used, self.projection.at_period_end)
        )


@dataclass(frozen=True)
class TenantUsage:
    """One tenant's line of the report."""

    tenant_id: str
    plan: str
    status: Status
    project_id: str | None = None
    project_name: str | None = None
    observed_at: datetime | None = None
    clock: ClockSource | None = None
    period: BillingPeriod | None = None
    measured_since: datetime | None = None  # the period's start, or the project's creation
    metrics: tuple[MetricUsage, ...] = ()
    upgrade: UpgradePath | None = None
    history: History | None = None
    notes: tuple[str, ...] = ()
    source: Source | None = None
    billing: Mapping[str, int] | None = None
    billing_since: datetime | None = None
    billing_until: datetime | None = None
    series: Series | None = None

    @property
    def alerting(self) -> bool:
        return self.status in ALERTING


def metric_status(
    used: int, limit: int | None, warn_at: Fraction, enforced: int | None = None
) -> Status:
    """`exceeded` at or over the limit, `warning` at or over warn_at percent, else `ok`.

    Also `exceeded` at or over `enforced`, the quota Neon enforces now, when it is lower than
    the limit (the fleet raised it and `apply` has not run): Neon suspends at its own quota."""
    if enforced is not None and used >= enforced:
        return Status.EXCEEDED
    if limit is None or limit <= 0:
        return Status.UNLIMITED
    if used >= limit:
        return Status.EXCEEDED
    if used * 100 >= warn_at * limit:
        return Status.WARNING
    return Status.OK


def worst(statuses: list[Status]) -> Status:
    return max(statuses, key=_SEVERITY.index, default=Status.OK)


def assess_tenant(
    tenant: ResolvedTenant,
    reading: TenantReading,
    plans: Mapping[str, PricingPlan],
    warn_at: Fraction,
) -> TenantUsage:
    """The tenant's usage against its limits (see the module docstring for the rules)."""
    if reading.reading is None:
        return _without_reading(tenant, reading)
    found = reading.reading
    period = billing_period(found.period_start, found.period_end, found.observed_at)
    window = measuring_window(period, found.created_at, found.observed_at)
    metrics = _metrics(tenant, found, period, window, warn_at)
    status = worst([usage.status for usage in metrics])
    upgrade = None
    if status in ALERTING:
        projected = {usage.metric.name: usage.projected for usage in metrics}
        # A metric not used yet projects to nothing whatever the rate: it cannot mislead.
        early = any(usage.too_early and usage.used > 0 for usage in metrics)
        upgrade = upgrade_path(plans, projected, tenant.plan, too_early=early)
    return TenantUsage(
        tenant_id=tenant.id,
        plan=tenant.plan,
        status=status,
        project_id=found.project_id,
        project_name=found.project_name,
        observed_at=found.observed_at,
        clock=found.clock,
        period=period,
        measured_since=window.since,
        metrics=metrics,
        upgrade=upgrade,
        history=found.history,
        notes=_notes(metrics, period),
        source=found.source,
        billing=found.billing,
        billing_since=found.billing_since,
        billing_until=found.billing_until,
        series=found.series,
    )


def _metrics(
    tenant: ResolvedTenant,
    found: ProjectReading,
    period: BillingPeriod,
    window: Window,
    warn_at: Fraction,
) -> tuple[MetricUsage, ...]:
    created_in_period = found.created_at is not None and found.created_at >= period.start
    limits = tenant.limits()
    return tuple(
        replace(
            _metric_usage(
                metric, found, limits[metric.name], period, window, created_in_period, warn_at
            ),
            unit=tenant.units.get(metric.key),
        )
        for metric in METRICS
    )


def _without_reading(tenant: ResolvedTenant, reading: TenantReading) -> TenantUsage:
    status = Status.NO_PROJECT if reading.no_project else Status.UNKNOWN
    notes = (reading.problem,) if reading.problem else ()
    return TenantUsage(tenant.id, tenant.plan, status, notes=notes)


def _metric_usage(
    metric: Metric,
    found: ProjectReading,
    limit: int | None,
    period: BillingPeriod,
    window: Window,
    created_in_period: bool,
    warn_at: Fraction,
) -> MetricUsage:
    used = found.used.get(metric.name, 0)
    limit = limit if limit else None  # 0 is Neon's "no limit"
    enforced = found.quota.get(metric.name) or None
    status = metric_status(used, limit, warn_at, enforced)
    baseline: int | None = 0
    if not metric.cumulative:
        baseline = storage_baseline(found.history, period, created_in_period)
    before = trailing(found.history, metric, window.since, found.created_at)
    projection = None if baseline is None else project(used, baseline, limit, window, before)
    reached = [cap for cap in (limit, enforced) if cap is not None and used >= cap]
    crossed = reached_on(found.history, metric, min(reached), period) if reached else None
    return MetricUsage(
        metric=metric,
        used=used,
        limit=limit,
        percent=None if limit is None else Fraction(used * 100, limit),
        status=status,
        projection=projection,
        reached_on=crossed,
        neon_quota=enforced,
    )


def _notes(metrics: tuple[MetricUsage, ...], period: BillingPeriod) -> tuple[str, ...]:
    notes = []
    if period.assumed:
        notes.append("Neon reports no billing period yet; the calendar month (UTC) is assumed")
    drifted = [m for m in metrics if m.neon_quota != m.limit]
    if drifted:
        listed = "; ".join(_drift(m) for m in drifted)
        notes.append(
            f"Neon enforces other limits than the fleet: {listed}; "
            "`tenantctl plan` shows the change and `tenantctl apply` makes it"
        )
    return tuple(notes)


def _drift(usage: MetricUsage) -> str:
    """`limits.storage 1GiB in Neon, 10GiB in the fleet`, in the unit the fleet wrote."""
    kind = usage.metric.kind
    unit = usage.unit or kind.shared_unit(usage.neon_quota, usage.limit)
    neon = kind.show(usage.neon_quota or 0, kind.fitting(usage.neon_quota, unit))
    fleet = kind.show(usage.limit or 0, unit)
    return f"{usage.metric.key} {neon} in Neon, {fleet} in the fleet"
