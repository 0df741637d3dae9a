"""The usage report of a run: every tenant's assessment, and what the run as a whole found.

Why this exists: the command's outputs (table, Markdown, CSV, JSON, the history chart) and its
exit code all derive from one value. `build_report` is pure: the fleet, the readings and the
threshold in, the report out.

The command's exit code is decided from `alerting` (any tenant at warning or exceeded: 3, so
that a scheduled job can alert) and `unknown` (a tenant whose project cannot be told apart:
1 when nothing alerts); see `controller.cli.cmd_usage.exit_code` and docs/usage.md.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from controller.reconcile.changeplan import PlanTarget
from controller.spec.model import DesiredFleet
from controller.usage.assess import Status, TenantUsage, assess_tenant
from controller.usage.query import SeriesRange
from controller.usage.readings import Source, TenantReading
from controller.usage.totals import Totals, report_totals


@dataclass(frozen=True)
class UsageReport:
    """Tenants in id order; `cached` names those whose reading came from the local cache.

    `requested` is the consumption source forced with `--source` (None: detected);
    `passed_over` says why sources tried before the one used were not (`v2: 403: ...`);
    `billing_range` is the `--from/--to` range billing metrics cover (None: each tenant's
    billing period so far).
    """

    target: PlanTarget  # the same shape as the change plan's and the apply report's
    warn_at: Fraction
    tenants: tuple[TenantUsage, ...]
    cached: frozenset[str] = frozenset()
    requested: Source | None = None
    passed_over: tuple[str, ...] = ()
    billing_range: SeriesRange | None = None

    @property
    def alerting(self) -> bool:
        return any(tenant.alerting for tenant in self.tenants)

    @property
    def unknown(self) -> tuple[TenantUsage, ...]:
        return tuple(t for t in self.tenants if t.status is Status.UNKNOWN)

    @property
    def observed_at(self) -> datetime | None:
        """The latest instant a reading was made at (None when nothing was read)."""
        moments = [t.observed_at for t in self.tenants if t.observed_at is not None]
        return max(moments, default=None)

    @property
    def clock(self) -> str | None:
        """`server` when every reading used Neon's clock, `local` when any used the local one."""
        clocks = {t.clock for t in self.tenants if t.clock is not None}
        if not clocks:
            return None
        return "local" if "local" in clocks else "server"

    @property
    def sources(self) -> tuple[Source, ...]:
        """The consumption sources the readings came from, in detection order."""
        used = {t.source for t in self.tenants if t.source is not None}
        return tuple(s for s in ("v2", "legacy", "counters") if s in used)

    def source_line(self) -> str:
        """`consumption history: v2 (detected)`, `legacy (forced with --source; ...)`."""
        used = ", ".join(self.sources) or "none read"
        how = "forced with --source" if self.requested else "detected"
        passed = f"; {', '.join(self.passed_over)}" if self.passed_over else ""
        return f"consumption history: {used} ({how}{passed})"

    def totals(self) -> tuple[tuple[Totals, ...], Totals]:
        """Per-plan subtotals and the fleet total (see `totals.py`)."""
        return report_totals(self.tenants)

    @property
    def history_note(self) -> str | None:
        """Why consumption history is missing, if it is for any tenant."""
        for tenant in self.tenants:
            if tenant.history is not None and not tenant.history.available:
                return tenant.history.note
        return None


def build_report(
    fleet: DesiredFleet,
    readings: Mapping[str, TenantReading],
    warn_at: Fraction,
    *,
    target: PlanTarget,
    cached: Collection[str] = (),
    requested: Source | None = None,
    passed_over: Collection[str] = (),
    billing_range: SeriesRange | None = None,
) -> UsageReport:
    """Assess every tenant that has a reading, in tenant-id order."""
    tenants = tuple(
        assess_tenant(fleet.tenants[tenant_id], readings[tenant_id], fleet.plans, warn_at)
        for tenant_id in sorted(readings)
    )
    return UsageReport(
        target=target,
        warn_at=warn_at,
        tenants=tenants,
        cached=frozenset(cached),
        requested=requested,
        passed_over=tuple(passed_over),
        billing_range=billing_range,
    )
