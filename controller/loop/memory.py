"""What the controller remembers between cycles, and nothing else.

Why this exists: the loop is stateless but for this: the revision in force (the last good one),
what was fetched and applied, the last cycle and the last success, each tenant's last result,
the invalid revision being reported, the last usage reading and the usage levels already
notified. /status, /readyz, the metrics and the notifications all read it; only the cycle and
the usage watch write it. It lives in memory: a restart starts from the fleet again (a full
plan), and may notify a usage level once more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from controller.loop.core import LoadedRevision
from controller.loop.records import (
    CycleOutcome,
    FleetError,
    PlanSummary,
    TenantRecord,
    UsageSnapshot,
)


@dataclass(frozen=True)
class CycleRecord:
    """One finished cycle."""

    number: int
    started_at: datetime
    finished_at: datetime
    outcome: CycleOutcome
    revision: str | None  # fetched this cycle (None when the source failed)
    applied_revision: str | None  # planned and applied this cycle (the one in force)
    full: bool
    full_reason: str
    plan: PlanSummary | None = None
    error: str | None = None

    @property
    def duration_seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()


@dataclass(frozen=True)
class TenantState:
    """A tenant's last result, the cycle and the revision that produced it."""

    record: TenantRecord
    at: datetime
    revision: str | None


@dataclass(frozen=True)
class InvalidRevision:
    revision: str
    errors: tuple[FleetError, ...]
    since: datetime


@dataclass
class Memory:
    """The controller's state between cycles (see the module docstring)."""

    started_at: datetime
    cycles: int = 0
    running_since: datetime | None = None
    in_force: LoadedRevision | None = None  # the last good revision
    fetched_revision: str | None = None
    applied_digest: str | None = None  # desired-state digest of the last successful apply
    last_full_at: datetime | None = None  # start of the last full plan applied successfully
    last_reconcile_ok: bool = True  # the last cycle planned and applied without failure
    last_cycle: CycleRecord | None = None
    last_success: CycleRecord | None = None
    invalid: InvalidRevision | None = None
    tenants: dict[str, TenantState] = field(default_factory=dict)
    cycle_failure_notified: bool = False
    usage: UsageSnapshot | None = None
    usage_error: str | None = None
    usage_levels: dict[tuple[str, str], str] = field(default_factory=dict)

    def tenant_records(self) -> dict[str, TenantRecord]:
        return {tenant: state.record for tenant, state in self.tenants.items()}

    def record_tenants(
        self, records: dict[str, TenantRecord], at: datetime, revision: str | None
    ) -> None:
        """Keep the newest result of each tenant of the revision in force; tenants it dropped
        are forgotten (an orphaned project is reported by the plan's `orphans`, not here)."""
        in_force = self.in_force
        kept = set(in_force.fleet.tenants) if in_force and in_force.fleet else set(self.tenants)
        states = {t: s for t, s in self.tenants.items() if t in kept}
        for tenant, record in records.items():
            if tenant in kept:
                states[tenant] = TenantState(record, at, revision)
        self.tenants = dict(sorted(states.items()))

    def finish(self, cycle: CycleRecord) -> None:
        self.cycles = cycle.number
        self.running_since = None
        self.last_cycle = cycle
        if cycle.outcome is CycleOutcome.SUCCESS:
            self.last_success = cycle
