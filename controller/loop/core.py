"""The loop's one door into tenantctl's core: load a revision, plan it, apply it, read usage.

Why this exists: controller mode is a thin shell over the same observe / plan / execute
functions as `tenantctl plan` and `apply` (and the same readings as `tenantctl usage`). This is
the only module of `controller.loop` that imports `controller.spec`, `controller.reconcile` or
`controller.usage`; it calls only their stable entry points (`load_fleet`, `desired_fleet`,
`make_plan`, `apply_plan`, `PlanOptions`, `ApplyOptions`, the usage cache, reader and report)
and hands the rest of the loop its own records (`controller.loop.records`). When the core's
internals change, this file changes and nothing else in the loop does.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from pathlib import Path

import httpx

from controller.loop.records import (
    IN_SYNC,
    NOT_RUN,
    FleetError,
    MetricUse,
    PlanSummary,
    Revision,
    TenantRecord,
    TenantUse,
    UsageSnapshot,
)
from controller.neon.client import NeonClient
from controller.neon.settings import NeonSettings
from controller.reconcile.apply_report import Outcome, TenantResult
from controller.reconcile.changeplan import PlanTarget
from controller.reconcile.desired import DesiredFleetState, desired_fleet
from controller.reconcile.executor import ApplyOptions
from controller.reconcile.mark_cache import MarkCache
from controller.reconcile.planner import PlanOptions
from controller.reconcile.run import PlannedRun, apply_plan, make_plan
from controller.spec import DesiredFleet, TenantState, load_fleet
from controller.usage.cache import UsageCache, cache_path, cached_readings, tenant_identity
from controller.usage.collect import UsageReader
from controller.usage.readings import TenantReading
from controller.usage.report import build_report
from controller.usage.server_clock import DateRecordingTransport, ServerClock

# Re-exported so that the rest of the loop names the core's types only through this module.
Target = PlanTarget
Marks = MarkCache


@dataclass(frozen=True)
class Safety:
    """What apply may do in one cycle, as `tenantctl apply` flags say it."""

    allow_delete: bool = False
    max_deletes: int = 1


@dataclass(frozen=True)
class LoadedRevision:
    """A revision read and validated: the fleet when valid, its errors when not.

    `digest` is a digest of the desired state (what the planner is given): two revisions with
    the same digest plan the same, whatever else their commits changed.
    """

    revision: Revision
    errors: tuple[FleetError, ...] = ()
    warnings: tuple[str, ...] = ()
    fleet_name: str | None = None
    digest: str | None = None
    tenant_states: dict[str, int] = field(default_factory=dict)
    fleet: DesiredFleet | None = field(default=None, repr=False, compare=False)
    desired: DesiredFleetState | None = field(default=None, repr=False, compare=False)

    @property
    def valid(self) -> bool:
        return self.desired is not None


@dataclass(frozen=True)
class Planned:
    """A change plan for a revision: its summary, its conflicts, and the run that made it."""

    summary: PlanSummary
    conflicts: dict[str, str]  # tenant -> why
    run: PlannedRun = field(repr=False, compare=False)


@dataclass(frozen=True)
class Applied:
    """What apply did: one record per tenant that had actions; `ok` as apply's exit code 0."""

    results: tuple[TenantRecord, ...]
    ok: bool


def load_revision(revision: Revision, *, org_id: str | None) -> LoadedRevision:
    """Load and validate the fleet files of a revision (never raises on bad files)."""
    result = load_fleet(Path(revision.fleet_dir))
    warnings = tuple(issue.render() for issue in result.warnings)
    if result.fleet is None:
        errors = tuple(
            FleetError(e.path, e.line, e.column, e.message, e.render()) for e in result.errors
        )
        return LoadedRevision(revision, errors=errors, warnings=warnings)
    fleet = result.fleet
    desired = desired_fleet(fleet, org_id=org_id)
    states = Counter(t.state.value for t in fleet.tenants.values())
    return LoadedRevision(
        revision,
        warnings=warnings,
        fleet_name=desired.fleet,
        digest=hashlib.sha256(repr(desired).encode()).hexdigest()[:16],
        tenant_states={state.value: states.get(state.value, 0) for state in TenantState},
        fleet=fleet,
        desired=desired,
    )


async def plan(
    client: NeonClient,
    loaded: LoadedRevision,
    *,
    full: bool,
    safety: Safety,
    target: Target,
    marks: Marks,
) -> Planned:
    """Observe Neon and plan `loaded` (a valid revision).

    `full` says whether this cycle needs the per-tenant reads of a full plan (desired state
    changed, first cycle, a cycle that failed, or the full-refresh timer is due). Otherwise it is
    idle: it reads only the project list, and plans in full only the tenants whose list-level
    state drifted (the planner's `deep=frozenset()`); the others are checked at list level.
    """
    assert loaded.desired is not None, "only a valid revision is planned"
    options = PlanOptions(
        allow_delete=safety.allow_delete,
        max_deletes=safety.max_deletes,
        deep=None if full else frozenset(),
    )
    run = await make_plan(client, loaded.desired, options, target, marks=marks)
    change_plan = run.plan
    counts = {kind.value: n for kind, n in change_plan.counts().items()}
    counts["blocked"] = len(change_plan.blocked())
    summary = PlanSummary(
        counts=counts,
        drifted=tuple(sorted({a.tenant for a in change_plan.actions})),
        # An idle cycle checks most tenants at list level only: nothing to do there either (the
        # last full refresh read their computes).
        in_sync=tuple(sorted({*change_plan.in_sync, *change_plan.list_level_only})),
        orphans=tuple(sorted(o.project_name for o in change_plan.orphans)),
        unmanaged_projects=change_plan.unmanaged_projects,
        has_changes=change_plan.has_changes,
    )
    conflicts = {a.tenant: a.reason for a in change_plan.conflicts}
    for number, problem in enumerate(change_plan.problems, start=1):
        conflicts[f"fleet-problem-{number}"] = problem  # a fleet-wide conflict, one message
    return Planned(summary=summary, conflicts=conflicts, run=run)


async def apply(
    client: NeonClient,
    planned: Planned,
    *,
    safety: Safety,
    stop: asyncio.Event,
    on_result: Callable[[TenantRecord], None] | None = None,
) -> Applied:
    """Carry out a plan; once `stop` is set no tenant and no further action starts."""
    if not planned.run.plan.actions:
        return Applied(results=(), ok=True)
    options = ApplyOptions(
        allow_delete=safety.allow_delete, max_deletes=safety.max_deletes, stop=stop
    )
    report_result = on_result or (lambda _record: None)
    report = await apply_plan(
        client,
        planned.run.plan,
        options,
        observer=planned.run.observer,
        on_result=lambda result: report_result(tenant_record(result)),
    )
    return Applied(results=tuple(tenant_record(r) for r in report.results), ok=report.ok)


def tenant_record(result: TenantResult) -> TenantRecord:
    """A tenant's apply result as the loop records it (left unrun on a stop: `not_run`)."""
    outcome = result.outcome.value
    if result.outcome is Outcome.NOT_STARTED:
        outcome = NOT_RUN
    return TenantRecord(
        tenant=result.tenant,
        result=outcome,
        kinds=tuple(kind.value for kind in result.kinds),
        message=result.message,
        project_id=result.project_id,
    )


def in_sync_records(planned: Planned) -> tuple[TenantRecord, ...]:
    """A record for each tenant the plan found in sync."""
    return tuple(TenantRecord(tenant=t, result=IN_SYNC) for t in planned.summary.in_sync)


class UsageReading:
    """`tenantctl usage`'s readings for the loop: same cache file, same reader, same report.

    `wrap` puts the transport that records Neon's clock (`Date` headers) around the client's;
    `read` then reads the tenants the cache does not hold fresh (read-only calls).
    """

    def __init__(
        self, settings: NeonSettings, state_base: Path, local_clock: Callable[[], datetime]
    ) -> None:
        self._clock = ServerClock(local_clock)
        self._local_clock = local_clock
        self._cache = UsageCache(
            cache_path(state_base, settings.host, settings.org_id, settings.api_key),
            host=settings.host,
            org_id=settings.org_id,
            clock=local_clock,
        )

    def wrap(self, transport: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
        return DateRecordingTransport(transport, self._clock)

    async def read(
        self, client: NeonClient, loaded: LoadedRevision, warn_at: Fraction, *, target: Target
    ) -> UsageSnapshot:
        """Every tenant's usage of a valid revision (tenants to be deleted excepted)."""
        fleet, desired = loaded.fleet, loaded.desired
        assert fleet is not None, "only a valid revision is read"
        assert desired is not None, "only a valid revision is read"
        scope = [t for t, r in fleet.tenants.items() if r.state is not TenantState.DELETED]
        identities = {
            tid: tenant_identity(
                desired.fleet, desired.tenants[tid].project_name, fleet.tenants[tid].project_id
            )
            for tid in scope
        }

        async def read(tenant_ids: list[str]) -> dict[str, TenantReading]:
            return await UsageReader(client, self._clock).read(desired, tenant_ids)

        readings, cached = await cached_readings(self._cache, identities, read)
        report = build_report(fleet, readings, warn_at, target=target, cached=cached)
        tenants = {
            usage.tenant_id: TenantUse(
                status=usage.status.value,
                metrics={
                    m.metric.name: MetricUse(
                        used=m.used,
                        limit=m.limit,
                        ratio=None if m.limit is None else m.used / m.limit,
                        status=m.status.value,
                    )
                    for m in usage.metrics
                },
            )
            for usage in report.tenants
        }
        return UsageSnapshot(read_at=self._local_clock(), tenants=tenants, cached=cached)
