"""`tenantctl usage`: each tenant's consumption against its pricing plan's limits.

The third step of Neon's partner guide: watch consumption so that the partner can warn customers,
offer upgrades and bill. Functional core, imperative shell (see docs/usage.md):

- core (pure): `metrics` (the five limited metrics), `projection` (rate, period-end use, the
  date a limit is reached), `upgrade` (the smallest plan that fits), `history` (daily series),
  `assess` (statuses per metric and tenant), `report` (the run's report and exit rule), and the
  views `documents` (JSON, CSV), `table` (terminal, Markdown), `chart` (daily history);
- shell: `collect` (read-only Neon calls within budget), `server_clock` (Neon's time from the
  `Date` header), `cache` (no second call to Neon within 15 minutes).
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
