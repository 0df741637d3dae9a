"""Read each tenant's usage from Neon: find its project, then its counters, branches and history.

Why this exists: this is the imperative shell of `tenantctl usage`, and the only part that calls
Neon. It is read-only (list and get calls only: nothing is started, woken or changed; Neon's
consumption reads do not wake computes) and stays within Neon's budgets:

- through the observer `plan` uses (`controller.reconcile.observe.Observer`): one paged project
  list, then per tenant's project its branch list (each branch's logical size, and the
  ownership mark) and `GET /projects/{id}` (counters, quota, period, org) on the general budget
  (700/min), at most `concurrency` at a time, each branch list read once per run;
- consumption history (`consumption.py`) for all those projects in batches of 100 ids on the
  consumption budget (about 50/min): daily, from a week before the earliest billing period to
  today (the period's days, its starting storage size, and the trailing days a projection early
  in a period needs), and the range of `--history`/`--from/--to` when one is asked for. Where
  the account has no consumption API the counters alone are used, and the readings say so.

Tenants are matched to projects as `plan` matches them (`controller.reconcile.matching`):
adopted project id, then ownership mark, then name. A name match is not confirmed before it is
read, which is fine for reading; marks are read for the branches fetched anyway, and for
unclaimed projects only when some tenant found no project, to find a renamed one.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime, timedelta

from controller.logs import get_logger
from controller.neon.client import NeonClient
from controller.neon.models import Project
from controller.reconcile.desired import DesiredFleetState
from controller.reconcile.matching import Matching, TenantMatch, match_fleet
from controller.reconcile.observe import Observer, ProjectCounters, observed_project
from controller.reconcile.observed import ObservedFleet, OwnershipMark
from controller.usage.billing import BILLING_NAMES
from controller.usage.consumption import ConsumptionRead, ConsumptionReader
from controller.usage.export import BilledTenant
from controller.usage.frames import days_of, totals, within
from controller.usage.metrics import METRICS
from controller.usage.projection import TRAILING_DAYS, billing_period
from controller.usage.query import SeriesRange, UsageQuery
from controller.usage.readings import (
    ClockSource,
    Frame,
    History,
    ProjectReading,
    Series,
    Source,
    TenantReading,
)
from controller.usage.server_clock import ServerClock

# Neon keeps 60 days of daily history; ask for a little less so a slow clock never hits 406.
DAILY_HISTORY_DAYS = 59
NO_PROJECT_PROBLEM = "no project yet: `tenantctl apply` creates it"
_log = get_logger("usage")


def no_history_note(passed_over: list[str]) -> str:
    """Why a reading has no consumption history."""
    why = (
        f"Neon refused consumption history ({'; '.join(passed_over)})"
        if passed_over
        else "consumption history not read (--source counters)"
    )
    return (
        f"{why}; usage comes from the project counters alone, without daily history, "
        "billing metrics or storage projection"
    )


class UsageReader:
    """Reads tenants' usage through one client; `clock` records Neon's time from responses."""

    def __init__(
        self,
        client: NeonClient,
        clock: ServerClock,
        *,
        concurrency: int = 16,
        query: UsageQuery | None = None,
    ) -> None:
        self._clock = clock
        self._query = query or UsageQuery()
        self._observer = Observer(client, concurrency=concurrency)
        self.consumption = ConsumptionReader(client, self._query.source)
        self._since = datetime.min.replace(tzinfo=UTC)
        self._orgs: dict[str, str | None] = {}

    async def read(
        self, desired: DesiredFleetState, tenant_ids: Collection[str]
    ) -> dict[str, TenantReading]:
        """A reading (or the reason there is none) for each tenant in `tenant_ids`."""
        matching = await self.match(desired, tenant_ids)
        found = _found(matching, tenant_ids)
        counted = await self._observer.counters(found.values())
        now, clock = self._clock.now()
        period = await self._period_read(counted, now)
        series = await self._series_read(counted)
        readings = {
            tid: TenantReading(
                tenant_id=tid, reading=self._reading(counted[pid], period, series, now, clock)
            )
            for tid, pid in found.items()
        }
        for tid in tenant_ids:
            if tid not in readings:
                readings[tid] = without_reading(matching.tenants[tid])
        _log.info(
            "usage_read",
            tenants=len(readings),
            projects=len(counted),
            clock=clock,
            source=period.source if counted else None,
        )
        return dict(sorted(readings.items()))

    async def read_billing(
        self, desired: DesiredFleetState, tenant_ids: Collection[str], wanted: SeriesRange
    ) -> tuple[list[BilledTenant], dict[str, TenantReading]]:
        """The v2 billing metrics of each tenant's project over `wanted` (summed), and the
        tenants that have no project to bill (with why). No counters are read: the project
        list, the marks that confirm whose project is whose, and v2 consumption only."""
        matching = await self.match(desired, tenant_ids)
        found = _found(matching, tenant_ids)
        orgs = {pid: self._orgs.get(pid) for pid in found.values()}
        read = ConsumptionRead(source="v2")
        if orgs:
            read = await self.consumption.read(
                orgs, since=wanted.since, until=wanted.until, granularity=wanted.granularity
            )
        billed = [
            BilledTenant(
                tenant_id=tid,
                plan=desired.tenants[tid].plan,
                project_id=pid,
                quantities=totals(read.frames.get(pid, ()), BILLING_NAMES),
            )
            for tid, pid in sorted(found.items())
        ]
        missing = {
            tid: without_reading(matching.tenants[tid]) for tid in tenant_ids if tid not in found
        }
        return billed, missing

    async def match(self, desired: DesiredFleetState, tenant_ids: Collection[str]) -> Matching:
        """Match by id and name, read the marks of those projects (their branch lists), and of
        unclaimed projects too when a tenant found none; then match again."""
        listed = await self._observer.project_list()
        self._orgs = {p.id: p.org_id for p in listed}
        observed = ObservedFleet(projects=tuple(observed_project(p) for p in listed))
        matching = match_fleet(desired, observed)
        marks: dict[str, OwnershipMark | None] = {}
        for _ in range(2):
            wanted = _projects_of(matching, tenant_ids)
            if any(matching.tenants[tid].project is None for tid in tenant_ids):
                wanted |= {p.project_id for p in matching.unclaimed}
            unread = wanted - marks.keys()
            if not unread:
                break
            marks.update(await self._observer.marks(unread))
            matching = match_fleet(desired, ObservedFleet(projects=observed.projects, marks=marks))
        return matching

    async def _period_read(
        self, counted: Mapping[str, ProjectCounters], now: datetime
    ) -> ConsumptionRead:
        """Daily history of every project from a week before its period to today."""
        if not counted:
            return ConsumptionRead(source=self.consumption.source or "counters")
        self._since, until = period_window(counted.values(), now)
        return await self.consumption.read(
            _orgs(counted), since=self._since, until=until, granularity="daily"
        )

    async def _series_read(self, counted: Mapping[str, ProjectCounters]) -> ConsumptionRead | None:
        wanted = self._query.series
        if wanted is None or not counted:
            return None
        return await self.consumption.read(
            _orgs(counted), since=wanted.since, until=wanted.until, granularity=wanted.granularity
        )

    def _reading(
        self,
        counters: ProjectCounters,
        period_read: ConsumptionRead,
        series_read: ConsumptionRead | None,
        now: datetime,
        clock: ClockSource,
    ) -> ProjectReading:
        project, observed = counters.project, counters.usage
        frames = period_read.frames.get(project.id, ())
        series = self._series(project.id, series_read)
        billing, since, until = self._billing(project, period_read.source, frames, series, now)
        return ProjectReading(
            project_id=project.id,
            project_name=project.name,
            observed_at=now,
            clock=clock,
            created_at=project.created_at,
            period_start=project.consumption_period_start,
            period_end=project.consumption_period_end,
            used={m.name: getattr(observed, m.quota_key) for m in METRICS},
            quota={m.name: getattr(project.quota, m.quota_key) or None for m in METRICS},
            history=self._history(period_read.source, frames),
            source=period_read.source,
            org_id=project.org_id,
            billing=billing,
            billing_since=since,
            billing_until=until,
            series=series,
        )

    def _history(self, source: Source, frames: tuple[Frame, ...]) -> History:
        if source == "counters":
            note = no_history_note(self.consumption.passed_over)
            return History(available=False, note=note, source="counters")
        days = days_of(frames)
        return History(available=True, days=days, source=source, since=self._since.date())

    def _series(self, project_id: str, read: ConsumptionRead | None) -> Series | None:
        wanted = self._query.series
        if read is None or wanted is None:
            return None
        return Series(
            source=read.source,
            granularity=wanted.granularity,
            since=wanted.since,
            until=wanted.until,
            frames=read.frames.get(project_id, ()),
        )

    def _billing(
        self,
        project: Project,
        source: Source,
        frames: tuple[Frame, ...],
        series: Series | None,
        now: datetime,
    ) -> tuple[dict[str, int] | None, datetime, datetime]:
        """The billing metrics (v2 only) over the range asked for, else the period so far."""
        wanted = self._query.series
        if series is not None and wanted is not None and wanted.billing:
            found = totals(series.frames, BILLING_NAMES) if series.source == "v2" else None
            return found, wanted.since, wanted.until
        period = billing_period(
            project.consumption_period_start, project.consumption_period_end, now
        )
        if source != "v2":
            return None, period.start, now
        return totals(within(frames, period.start, period.end), BILLING_NAMES), period.start, now


def period_window(counted: Iterable[ProjectCounters], now: datetime) -> tuple[datetime, datetime]:
    """[since, until) of the daily read: from `TRAILING_DAYS` + 1 days before the earliest
    billing period (at most `DAILY_HISTORY_DAYS` back) to the end of today."""
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    starts = [
        billing_period(c.project.consumption_period_start, c.project.consumption_period_end, now)
        for c in counted
    ]
    before = min(period.start for period in starts) - timedelta(days=TRAILING_DAYS + 1)
    since = max(before, today - timedelta(days=DAILY_HISTORY_DAYS))
    since = since.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return since, today + timedelta(days=1)  # Neon rounds down: this includes today


def _found(matching: Matching, tenant_ids: Collection[str]) -> dict[str, str]:
    return {
        tid: match.project.project_id
        for tid in tenant_ids
        if (match := matching.tenants[tid]).project is not None and match.conflict is None
    }


def _orgs(counted: Mapping[str, ProjectCounters]) -> dict[str, str | None]:
    return {pid: c.project.org_id for pid, c in counted.items()}


def _projects_of(matching: Matching, tenant_ids: Collection[str]) -> set[str]:
    return {
        match.project.project_id
        for tid in tenant_ids
        if (match := matching.tenants[tid]).project is not None
    }


def without_reading(match: TenantMatch) -> TenantReading:
    """The reading of a tenant without a project, or whose project cannot be told apart."""
    tenant_id = match.tenant.id
    if match.conflict is not None:
        return TenantReading(tenant_id=tenant_id, problem=match.conflict)
    return TenantReading(tenant_id=tenant_id, problem=NO_PROJECT_PROBLEM, no_project=True)
