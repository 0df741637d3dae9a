"""`tenantctl usage`: each tenant's consumption against its pricing plan's limits.

The third step of Neon's partner guide: watch consumption so that the partner can warn customers,
offer upgrades and bill. Functional core, imperative shell (see docs/usage.md):

- core (pure): `metrics` (the five limited metrics), `billing` (the eight v2 billing metrics),
  `query` (what a run asks for, ranges checked against Neon's limits), `frames` (Neon's two
  consumption answers in one shape), `projection` (rate, period-end use, the date a limit is
  reached, too early to tell), `upgrade` (the smallest plan that fits), `history` (daily
  series, baseline, trailing days), `assess` (statuses per metric and tenant), `totals` (per
  plan and fleet), `report` (the run's report and exit rule), `series` (history rows), and the
  views `documents` (JSON, CSV), `table` (terminal, Markdown), `chart` (histories), `export`
  (the monthly billing file);
- shell: `collect` (read-only Neon calls within budget, through the planner's observer),
  `consumption` (which consumption API the account has, and its reads), `server_clock` (Neon's
  time from the `Date` header), `cache` (no second call to Neon within 15 minutes).
"""

from controller.usage.assess import MetricUsage, Status, TenantUsage, assess_tenant
from controller.usage.cache import UsageCache, cache_path, cached_readings, tenant_identity
from controller.usage.collect import UsageReader
from controller.usage.readings import DailyUsage, History, ProjectReading, TenantReading
from controller.usage.report import UsageReport, build_report
from controller.usage.server_clock import DateRecordingTransport, ServerClock
from controller.usage.upgrade import UpgradePath, upgrade_path

__all__ = [
    "DailyUsage",
    "DateRecordingTransport",
    "History",
    "MetricUsage",
    "ProjectReading",
    "ServerClock",
    "Status",
    "TenantReading",
    "TenantUsage",
    "UpgradePath",
    "UsageCache",
    "UsageReader",
    "UsageReport",
    "assess_tenant",
    "build_report",
    "cache_path",
    "cached_readings",
    "tenant_identity",
    "upgrade_path",
]
