"""The machine formats of `tenantctl usage`: versioned JSON, and CSV with one row per metric.

Why this exists: billing scripts and dashboards read these, so their shape is a contract
(documented in docs/usage.md, `format_version` bumped on any incompatible change). Amounts are
plain bytes and seconds (billing metrics: Neon's own integers and units), times are RFC 3339
UTC, percentages are rounded down to two decimals, and a value that does not exist is null
(JSON) or empty (CSV), never a made-up zero. Totals are the sums of the tenant rows
(`totals.py`); JSON and CSV always carry the billing metrics a reading has.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from controller.usage.assess import MetricUsage, TenantUsage
from controller.usage.billing import BILLING_METRICS, BY_BILLING_NAME
from controller.usage.metrics import BY_NAME, METRICS
from controller.usage.quantities import percent_number
from controller.usage.readings import Granularity
from controller.usage.report import UsageReport
from controller.usage.series import COLUMNS, HistoryRows, Row, fleet_history, tenant_history
from controller.usage.totals import Totals

FORMAT_VERSION = 2
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
    "scope",
    "source",
    "range_start",
    "range_end",
    "too_early_to_project",
)
HISTORY_CSV_COLUMNS = (
    "scope",
    "tenant",
    "plan",
    "project_id",
    "timeframe_start",
    "timeframe_end",
    *COLUMNS,
)
UNITS: dict[str, str] = {
    **{m.name: m.unit for m in METRICS},
    **{m.name: m.unit for m in BILLING_METRICS},
}


def time_text(moment: datetime | None) -> str | None:
    """RFC 3339 UTC, to the second (None stays None)."""
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
        "limit_reached_at": time_text(projection.reaches_at) if projection else None,
        "limit_reached_within_period": projection.within_period if projection else None,
        "reached_on": _day(usage.reached_on),
        "neon_quota": usage.neon_quota,
        "too_early_to_project": usage.too_early,
        "trailing_days": projection.trailing_days if projection else 0,
    }


def billing_document(tenant: TenantUsage) -> dict[str, Any] | None:
    """The tenant's billing metrics over their range; None without (not v2, or no reading)."""
    if tenant.billing is None:
        return None
    return {
        "from": time_text(tenant.billing_since),
        "to": time_text(tenant.billing_until),
        "metrics": _billing_metrics(tenant.billing),
    }


def _billing_metrics(values: Mapping[str, int]) -> dict[str, Any]:
    return {m.name: {"unit": m.unit, "quantity": values.get(m.name, 0)} for m in BILLING_METRICS}


def tenant_document(tenant: TenantUsage, *, cached: bool) -> dict[str, Any]:
    period = tenant.period
    upgrade = tenant.upgrade
    return {
        "tenant": tenant.tenant_id,
        "plan": tenant.plan,
        "status": tenant.status.value,
        "project_id": tenant.project_id,
        "project_name": tenant.project_name,
        "observed_at": time_text(tenant.observed_at),
        "clock": tenant.clock,
        "from_cache": cached,
        "source": tenant.source,
        "period": None
        if period is None
        else {
            "start": time_text(period.start),
            "end": time_text(period.end),
            "assumed": period.assumed,
        },
        "metrics": {usage.metric.name: metric_document(usage) for usage in tenant.metrics},
        "billing": billing_document(tenant),
        "upgrade": None
        if upgrade is None
        else {
            "plan": upgrade.plan,
            "is_current_plan": upgrade.is_current,
            "too_early": upgrade.too_early,
        },
        "notes": list(tenant.notes),
    }


def totals_document(totals: Totals) -> dict[str, Any]:
    return {
        "tenants": totals.tenants,
        "metrics": {
            name: {"unit": BY_NAME[name].unit, "used": used} for name, used in totals.used.items()
        },
        "billed_tenants": totals.billed,
        "billing": None if totals.billing is None else _billing_metrics(totals.billing),
    }


def report_document(report: UsageReport) -> dict[str, Any]:
    """`tenantctl usage --format json`."""
    note = report.history_note
    by_plan, fleet = report.totals()
    wanted = report.billing_range
    return {
        "format_version": FORMAT_VERSION,
        "target": report.target.model_dump(mode="json"),
        "warn_at_percent": float(report.warn_at),
        "observed_at": time_text(report.observed_at),
        "clock": report.clock,
        "alert": report.alerting,
        "source": {
            "used": list(report.sources),
            "requested": report.requested,
            "passed_over": list(report.passed_over),
        },
        "consumption_history": {"available": note is None, "note": note},
        "billing_range": None
        if wanted is None
        else {
            "from": time_text(wanted.since),
            "to": time_text(wanted.until),
            "granularity": wanted.granularity,
        },
        "tenants": [
            tenant_document(tenant, cached=tenant.tenant_id in report.cached)
            for tenant in report.tenants
        ],
        "totals": {
            "plans": {totals.scope: totals_document(totals) for totals in by_plan},
            "fleet": totals_document(fleet),
        },
    }


def report_csv(report: UsageReport) -> str:
    """`tenantctl usage --format csv`: a row per tenant and metric (one row for a tenant
    without a reading), then the per-plan and fleet totals (`scope` plan / fleet)."""
    rows: list[dict[str, Any]] = []
    for tenant in report.tenants:
        rows += _tenant_rows(tenant, cached=tenant.tenant_id in report.cached)
    by_plan, fleet = report.totals()
    for totals in (*by_plan, fleet):
        rows += _totals_rows(totals)
    return csv_text(CSV_COLUMNS, rows)


def _tenant_rows(tenant: TenantUsage, *, cached: bool) -> list[dict[str, Any]]:
    base = {
        "scope": "tenant",
        "tenant": tenant.tenant_id,
        "plan": tenant.plan,
        "tenant_status": tenant.status.value,
        "project_id": tenant.project_id,
        "period_start": time_text(tenant.period.start) if tenant.period else None,
        "period_end": time_text(tenant.period.end) if tenant.period else None,
        "upgrade_plan": tenant.upgrade.plan if tenant.upgrade else None,
        "observed_at": time_text(tenant.observed_at),
        "from_cache": cached,
        "source": tenant.source,
    }
    if not tenant.metrics:
        return [base]
    rows = []
    for usage in tenant.metrics:
        document = metric_document(usage)
        document.pop("neon_quota")
        document.pop("trailing_days")
        rows.append({**base, "metric": usage.metric.name, **document})
    for name, quantity in (tenant.billing or {}).items():
        rows.append(
            {
                **base,
                "metric": name,
                "unit": BY_BILLING_NAME[name].unit,
                "used": quantity,
                "range_start": time_text(tenant.billing_since),
                "range_end": time_text(tenant.billing_until),
            }
        )
    return rows


def _totals_rows(totals: Totals) -> list[dict[str, Any]]:
    plan = None if totals.scope == "fleet" else totals.scope
    base = {"scope": "fleet" if plan is None else "plan", "plan": plan}
    rows = [
        {**base, "metric": name, "unit": BY_NAME[name].unit, "used": used}
        for name, used in totals.used.items()
    ]
    rows += [
        {**base, "metric": name, "unit": BY_BILLING_NAME[name].unit, "used": quantity}
        for name, quantity in (totals.billing or {}).items()
    ]
    return rows


def timeframe_document(row: Row) -> dict[str, Any]:
    return {
        "start": time_text(row["start"]),
        "end": time_text(row["end"]),
        **{name: row[name] for name in COLUMNS},
    }


def _history_head(history: HistoryRows) -> dict[str, Any]:
    return {
        "granularity": history.granularity,
        "from": time_text(history.since),
        "to": time_text(history.until),
        "units": dict(UNITS),
    }


def history_document(tenant: TenantUsage, *, cached: bool) -> dict[str, Any]:
    """`--tenant ID --history G --format json`: the tenant's document of the report
    (`from_cache` included), plus its timeframes."""
    found = tenant.history
    history = tenant_history(tenant)
    return {
        "format_version": FORMAT_VERSION,
        "scope": "tenant",
        **tenant_document(tenant, cached=cached),
        **_history_head(history),
        "consumption_history": {
            "available": found is not None and found.available,
            "note": found.note if found is not None else None,
        },
        "timeframes": [timeframe_document(row) for row in history.rows],
    }


def fleet_history_document(report: UsageReport, granularity: Granularity) -> dict[str, Any]:
    """`--history G --format json` without --tenant: the fleet's sums and each tenant's rows."""
    read = [t for t in report.tenants if t.metrics]
    fleet = fleet_history(read, granularity)
    return {
        "format_version": FORMAT_VERSION,
        "scope": "fleet",
        "target": report.target.model_dump(mode="json"),
        "observed_at": time_text(report.observed_at),
        "source": {"used": list(report.sources), "requested": report.requested},
        **_history_head(fleet),
        "timeframes": [timeframe_document(row) for row in fleet.rows],
        "tenants": [
            {
                "tenant": tenant.tenant_id,
                "plan": tenant.plan,
                "project_id": tenant.project_id,
                "timeframes": [timeframe_document(row) for row in tenant_history(tenant).rows],
            }
            for tenant in read
        ],
    }


def history_csv(tenant: TenantUsage) -> str:
    """`--tenant ID --history G --format csv`: a row per timeframe."""
    return csv_text(HISTORY_CSV_COLUMNS, _tenant_history_rows(tenant))


def fleet_history_csv(report: UsageReport, granularity: Granularity) -> str:
    """`--history G --format csv`: a row per tenant and timeframe, then a row per timeframe
    with the fleet's sums (`scope` fleet)."""
    read = [t for t in report.tenants if t.metrics]
    rows = [row for tenant in read for row in _tenant_history_rows(tenant)]
    fleet = fleet_history(read, granularity)
    rows += [{"scope": "fleet", **_timeframe_cells(row)} for row in fleet.rows]
    return csv_text(HISTORY_CSV_COLUMNS, rows)


def _tenant_history_rows(tenant: TenantUsage) -> list[dict[str, Any]]:
    base = {
        "scope": "tenant",
        "tenant": tenant.tenant_id,
        "plan": tenant.plan,
        "project_id": tenant.project_id,
    }
    return [{**base, **_timeframe_cells(row)} for row in tenant_history(tenant).rows]


def _timeframe_cells(row: Row) -> dict[str, Any]:
    document = timeframe_document(row)
    start, end = document.pop("start"), document.pop("end")
    return {"timeframe_start": start, "timeframe_end": end, **document}


def csv_text(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> str:
    """Rows as CSV with a header; None is an empty cell, booleans are true/false."""
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
