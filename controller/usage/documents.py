"""The machine formats of `tenantctl usage`: versioned JSON, and CSV with one row per metric.

Why this exists: billing scripts and dashboards read these, so their shape is a contract
(documented in docs/usage.md, `format_version` bumped on any incompatible change). Amounts are
plain bytes and seconds, times are RFC 3339 UTC, percentages are rounded down to two decimals,
and a value that does not exist is null (JSON) or empty (CSV), never a made-up zero.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

from controller.usage.assess import MetricUsage, TenantUsage
from controller.usage.history import period_days, series
from controller.usage.metrics import METRICS
from controller.usage.quantities import percent_number
from controller.usage.readings import utc_day
from controller.usage.report import UsageReport

FORMAT_VERSION = 1
CSV_COLUMNS = (
    "tenant",
    "plan",
    "tenant_status",
    "project_id",
    "period_start",
    "period_end",
    "metric",
    "unit",
    "used",
    "limit",
    "percent",
    "status",
    "effect_at_limit",
    "projected_at_period_end",
    "limit_reached_at",
    "limit_reached_within_period",
    "reached_on",
    "upgrade_plan",
    "observed_at",
    "from_cache",
)


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def metric_document(usage: MetricUsage) -> dict[str, Any]:
    projection = usage.projection
    return {
        "unit": usage.metric.unit,
        "used": usage.used,
        "limit": usage.limit,
        "percent": percent_number(usage.percent),
        "status": usage.status.value,
        "effect_at_limit": usage.metric.effect,
        "projected_at_period_end": None if projection is None else usage.projected,
        "limit_reached_at": _time(projection.reaches_at) if projection else None,
        "limit_reached_within_period": projection.within_period if projection else None,
        "reached_on": _day(usage.reached_on),
        "neon_quota": usage.neon_quota,
    }


def tenant_document(tenant: TenantUsage, *, cached: bool) -> dict[str, Any]:
    period = tenant.period
    upgrade = tenant.upgrade
    return {
        "tenant": tenant.tenant_id,
        "plan": tenant.plan,
        "status": tenant.status.value,
        "project_id": tenant.project_id,
        "project_name": tenant.project_name,
        "observed_at": _time(tenant.observed_at),
        "clock": tenant.clock,
        "from_cache": cached,
        "period": None
        if period is None
        else {"start": _time(period.start), "end": _time(period.end), "assumed": period.assumed},
        "metrics": {usage.metric.name: metric_document(usage) for usage in tenant.metrics},
        "upgrade": None
        if upgrade is None
        else {"plan": upgrade.plan, "is_current_plan": upgrade.is_current},
        "notes": list(tenant.notes),
    }


def report_document(report: UsageReport) -> dict[str, Any]:
    """`tenantctl usage --format json`."""
    note = report.history_note
    return {
        "format_version": FORMAT_VERSION,
        "target": report.target,
        "warn_at_percent": float(report.warn_at),
        "observed_at": _time(report.observed_at),
        "clock": report.clock,
        "alert": report.alerting,
        "consumption_history": {"available": note is None, "note": note},
        "tenants": [
            tenant_document(tenant, cached=tenant.tenant_id in report.cached)
            for tenant in report.tenants
        ],
    }


def report_csv(report: UsageReport) -> str:
    """`tenantctl usage --format csv`: a row per tenant and metric (one row for a tenant
    without a reading)."""
    rows = []
    for tenant in report.tenants:
        base = {
            "tenant": tenant.tenant_id,
            "plan": tenant.plan,
            "tenant_status": tenant.status.value,
            "project_id": tenant.project_id,
            "period_start": _time(tenant.period.start) if tenant.period else None,
            "period_end": _time(tenant.period.end) if tenant.period else None,
            "upgrade_plan": tenant.upgrade.plan if tenant.upgrade else None,
            "observed_at": _time(tenant.observed_at),
            "from_cache": tenant.tenant_id in report.cached,
        }
        if not tenant.metrics:
            rows.append(base)
        for usage in tenant.metrics:
            document = metric_document(usage)
            document.pop("neon_quota")
            rows.append({**base, "metric": usage.metric.name, **document})
    return _csv(CSV_COLUMNS, rows)


def history_days(tenant: TenantUsage) -> list[dict[str, Any]]:
    """One entry per day measured (from the period's start, or the project's creation day, to
    the day of the reading): each metric's value, or None where Neon's history has none."""
    if tenant.period is None or tenant.history is None or tenant.observed_at is None:
        return []
    since = tenant.measured_since or tenant.period.start
    # The day of the last instant measured: a reading at midnight measured nothing of its day.
    last = max(since, min(tenant.observed_at, tenant.period.end) - timedelta(microseconds=1))
    days = [d for d in period_days(tenant.period, utc_day(last)) if d >= utc_day(since)]
    columns = {m.name: series(tenant.history, m, days) for m in METRICS}
    return [
        {"day": day.isoformat(), **{name: values[index] for name, values in columns.items()}}
        for index, day in enumerate(days)
    ]


def history_document(tenant: TenantUsage, *, cached: bool) -> dict[str, Any]:
    """`tenantctl usage --tenant ID --history daily --format json`: the tenant's document of
    the report (`from_cache` included), plus the days."""
    document = tenant_document(tenant, cached=cached)
    history = tenant.history
    return {
        "format_version": FORMAT_VERSION,
        **document,
        "granularity": "daily",
        "consumption_history": {
            "available": history is not None and history.available,
            "note": history.note if history is not None else None,
        },
        "units": {m.name: m.unit for m in METRICS},
        "days": history_days(tenant),
    }


def history_csv(tenant: TenantUsage) -> str:
    """`--history daily --format csv`: a row per day, a column per metric."""
    return _csv(("day", *(m.name for m in METRICS)), history_days(tenant))


def _csv(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="raise", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _cell(row.get(key)) for key in columns})
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
