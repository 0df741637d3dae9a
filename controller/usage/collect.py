"""Read each tenant's usage from Neon: find its project, then its counters, branches and history.

Why this exists: this is the imperative shell of `tenantctl usage`, and the only part that calls
Neon. It is read-only (list and get calls only: nothing is started, woken or changed; Neon's
consumption reads do not wake computes) and stays within Neon's budgets:

- one paged project list, then per tenant's project `GET /projects/{id}` (counters, quota,
  period) and its branch list (each branch's logical size, and the ownership mark) on the
  general budget (700/min), at most `concurrency` at a time;
- daily consumption history for all those projects in batches of 100 ids, on the consumption
  budget (about 50/min). Where Neon answers 403 (the account's plan has no history), readings
  fall back to the counters alone and say so.

Tenants are matched to projects as `plan` matches them (`controller.reconcile.matching`):
adopted project id, then ownership mark, then name. A name match is not confirmed before it is
read, which is fine for reading; marks are read for the branches fetched anyway, and for
unclaimed projects only when some tenant found no project, to find a renamed one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Iterable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from controller.logs import get_logger
from controller.neon.client import NeonClient
from controller.neon.errors import ConsumptionUnavailableError
from controller.neon.models import BranchList, Project, ProjectConsumptionHistory
from controller.reconcile.desired import DesiredFleetState
from controller.reconcile.matching import Matching, TenantMatch, match_fleet
from controller.reconcile.observe import mark_of, observed_project, usage_of
from controller.reconcile.observed import ObservedFleet
from controller.usage.history import daily_usage
from controller.usage.metrics import HISTORY_FIELDS, METRICS
from controller.usage.readings import ClockSource, History, ProjectReading, TenantReading
from controller.usage.server_clock import ServerClock

# Neon keeps 60 days of daily history; ask for a little less so a slow clock never hits 406.
DAILY_HISTORY_DAYS = 59
NO_HISTORY_NOTE = (
    "Neon refused consumption history (403: the account's plan does not include it); "
    "usage comes from the project counters alone, without daily history or storage projection"
)
NO_PROJECT_PROBLEM = "no project yet: `tenantctl apply` creates it"
_log = get_logger("usage")
T = TypeVar("T")


class UsageReader:
    """Reads tenants' usage through one client; `clock` records Neon's time from responses."""

    def __init__(self, client: NeonClient, clock: ServerClock, *, concurrency: int = 16) -> None:
        self._client = client
        self._clock = clock
        self._limit = asyncio.Semaphore(concurrency)
        self._branches: dict[str, BranchList] = {}

    async def read(
        self, desired: DesiredFleetState, tenant_ids: Collection[str]
    ) -> dict[str, TenantReading]:
        """A reading (or the reason there is none) for each tenant in `tenant_ids`."""
        matching = await self._match(desired, tenant_ids)
        found = {
            tid: match.project.project_id
            for tid in tenant_ids
            if (match := matching.tenants[tid]).project is not None and match.conflict is None
        }
        await self._read_branches(set(found.values()))  # storage sizes of every project read
        projects = await self._each(found.values(), self._client.get_project)
        now, clock = self._clock.now()
        histories = await self._histories(list(projects.values()), now)
        readings = {
            tid: TenantReading(
                tenant_id=tid, reading=self._reading(projects[pid], histories, now, clock)
            )
            for tid, pid in found.items()
        }
        for tid in tenant_ids:
            if tid not in readings:
                readings[tid] = _without_reading(matching.tenants[tid])
        _log.info("usage_read", tenants=len(readings), projects=len(projects), clock=clock)
        return dict(sorted(readings.items()))

    async def _match(self, desired: DesiredFleetState, tenant_ids: Collection[str]) -> Matching:
        """Match by id and name, read the branches of those projects (their marks come with
        them), and of unclaimed projects too when a tenant found none; then match again."""
        listed = await self._client.list_projects()
        observed = ObservedFleet(projects=tuple(observed_project(p) for p in listed))
        matching = match_fleet(desired, observed)
        for _ in range(2):
            wanted = _projects_of(matching, tenant_ids)
            if any(matching.tenants[tid].project is None for tid in tenant_ids):
                wanted |= {p.project_id for p in matching.unclaimed}
            if not await self._read_branches(wanted):
                break
            marks = {pid: mark_of(branches) for pid, branches in self._branches.items()}
            matching = match_fleet(desired, ObservedFleet(projects=observed.projects, marks=marks))
        return matching

    async def _read_branches(self, project_ids: set[str]) -> bool:
        """Read the branch lists not read yet; False when there were none to read."""
        unread = project_ids - self._branches.keys()
        if unread:
            self._branches.update(await self._each(unread, self._client.list_branches))
        return bool(unread)

    async def _histories(self, projects: list[Project], now: datetime) -> dict[str, History]:
        """Daily history of every project from the day before its period to today."""
        if not projects:
            return {}
        today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        starts = [p.consumption_period_start or today for p in projects]
        since = max(min(starts) - timedelta(days=1), today - timedelta(days=DAILY_HISTORY_DAYS))
        since = since.replace(hour=0, minute=0, second=0, microsecond=0)
        try:
            answers = await self._client.consumption_history(
                [p.id for p in projects],
                since=since,
                until=today + timedelta(days=1),  # Neon rounds down: this includes today
                granularity="daily",
                metrics=HISTORY_FIELDS,
            )
        except ConsumptionUnavailableError:
            _log.warning("usage_history_unavailable", projects=len(projects))
            unavailable = History(available=False, note=NO_HISTORY_NOTE)
            return {p.id: unavailable for p in projects}
        return _by_project(answers, projects)

    def _reading(
        self, project: Project, histories: dict[str, History], now: datetime, clock: ClockSource
    ) -> ProjectReading:
        # The same measure of use as the change plan's "limit below current usage" warning.
        observed = usage_of(project, self._branches[project.id])
        quota = project.quota
        return ProjectReading(
            project_id=project.id,
            project_name=project.name,
            observed_at=now,
            clock=clock,
            created_at=project.created_at,
            period_start=project.consumption_period_start,
            period_end=project.consumption_period_end,
            used={m.name: getattr(observed, m.quota_key) for m in METRICS},
            quota={m.name: getattr(quota, m.quota_key) or None for m in METRICS},
            history=histories.get(project.id, History(available=True)),
        )

    async def _each(
        self, project_ids: Iterable[str], read: Callable[[str], Awaitable[T]]
    ) -> dict[str, T]:
        ordered = sorted(set(project_ids))
        results = await asyncio.gather(*(self._bounded(read, pid) for pid in ordered))
        return dict(zip(ordered, results, strict=True))

    async def _bounded(self, read: Callable[[str], Awaitable[T]], project_id: str) -> T:
        async with self._limit:
            return await read(project_id)


def _projects_of(matching: Matching, tenant_ids: Collection[str]) -> set[str]:
    return {
        match.project.project_id
        for tid in tenant_ids
        if (match := matching.tenants[tid]).project is not None
    }


def _without_reading(match: TenantMatch) -> TenantReading:
    tenant_id = match.tenant.id
    if match.conflict is not None:
        return TenantReading(tenant_id=tenant_id, problem=match.conflict)
    return TenantReading(tenant_id=tenant_id, problem=NO_PROJECT_PROBLEM, no_project=True)


def _by_project(
    answers: list[ProjectConsumptionHistory], projects: list[Project]
) -> dict[str, History]:
    days = {answer.project_id: daily_usage(answer) for answer in answers}
    return {p.id: History(available=True, days=days.get(p.id, ())) for p in projects}
