"""Observation: read live Neon state for the planner, within the API budget.

One paged project list (400 per page) gives every project's settings. Then only what the
planner asks for (`missing_observations`): computes of matched projects (one call each),
ownership marks of projects about to change or not yet claimed, and usage where a limit goes
down. Never a password, never a connection URI.

`tenantctl usage` reads through the same observer (`project_list`, `marks`, `counters`), so
both commands share one bounded loop and one branch-list cache: a project's branches are read
once per run whether its mark, its storage or both are wanted.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from controller.logs import get_logger
from controller.neon.client import PROJECTS_PAGE_LIMIT, NeonClient
from controller.neon.errors import NotFoundError
from controller.neon.models import BranchList, Endpoint, Operation, Project, ProjectListItem
from controller.reconcile.desired import DesiredFleetState
from controller.reconcile.mark_cache import MarkCache
from controller.reconcile.observed import (
    ObservedEndpoint,
    ObservedFleet,
    ObservedOperation,
    ObservedProject,
    ObservedUsage,
    OwnershipMark,
)
from controller.reconcile.ownership import parse_mark
from controller.reconcile.planner import MissingObservations, PlanOptions, missing_observations
from controller.spec.managed import FIELDS, ManagedField, dig
from controller.spec.values import UNREPORTED, UnreadableValue
from controller.untrusted import cut

MAX_ROUNDS = 6
OPERATIONS_READ = 20  # the newest operations of a project that looks unhealthy
_LISTED_FIELDS = tuple(f for f in FIELDS if f.project_path is not None)
_COMPUTE_FIELDS = tuple(f for f in FIELDS if f.compute_path is not None)
_log = get_logger("observe")
T = TypeVar("T")


class ObservationError(RuntimeError):
    """Observation could not settle: the planner kept asking for more (a bug, not bad luck)."""


def observed_project(item: ProjectListItem | Project) -> ObservedProject:
    """The planner's view of a listed or fetched project (both give the same fingerprint).

    Every managed setting is read at its Neon path; one Neon left out takes the field's
    meaning of absence (a quota left out is unlimited), or stays unknown (not compared).
    """
    data = item.model_dump(mode="json")
    values: dict[str, Any] = {}
    for field in _LISTED_FIELDS:
        assert field.project_path is not None
        found = _observed(field, dig(data, field.project_path), f"project {item.id}")
        if found is not UNREPORTED:
            values[field.key] = found
    active = item.active_time if isinstance(item, ProjectListItem) else item.active_time_seconds
    created = item.created_at.isoformat() if item.created_at else None
    return ObservedProject(
        project_id=item.id,
        name=item.name,
        values=values,
        created_at=created,
        active_time_seconds=active,
    )


def observed_endpoint(endpoint: Endpoint) -> ObservedEndpoint:
    """A compute with its managed settings by their path on the compute."""
    data = endpoint.model_dump(mode="json")
    values: dict[str, Any] = {}
    for field in _COMPUTE_FIELDS:
        assert field.compute_path is not None
        key = ".".join(field.compute_path)
        if key not in values:
            found = _observed(field, dig(data, field.compute_path), f"compute {endpoint.id}")
            if found is not UNREPORTED:
                values[key] = found
    return ObservedEndpoint(
        endpoint_id=endpoint.id,
        branch_id=endpoint.branch_id,
        type=endpoint.type,
        disabled=endpoint.disabled,
        values=values,
        name=endpoint.name,
        current_state=endpoint.current_state,
    )


def _observed(field: ManagedField, raw: Any, where: str) -> Any:
    if raw is UNREPORTED or raw is None:
        return field.absent if field.absent is UNREPORTED else field.kind.canonical(field.absent)
    try:
        return field.kind.observe(raw)
    except UnreadableValue:
        shown = cut(json.dumps(raw, default=str), 200)
        raise ObservationError(
            f"Neon reported {field.key} of {where} as {shown}, which tenantctl cannot read as "
            f"the {field.label}; nothing was planned"
        ) from None


def observed_operation(operation: Operation) -> ObservedOperation:
    """An operation as health analysis reads it (newest first, as Neon lists them)."""
    return ObservedOperation(
        operation_id=operation.id,
        action=operation.action,
        status=operation.status,
        branch_id=operation.branch_id,
        endpoint_id=operation.endpoint_id,
        error=operation.error,
    )


def mark_of(branches: BranchList) -> OwnershipMark | None:
    """The ownership mark on the root branch, where tenantctl writes it at creation.

    The root branch (no parent) is the one a project is created with and can never be
    deleted; the default branch can be changed, so it is not where the mark is looked for.
    """
    root = next((b for b in branches.branches if b.parent_id is None), None)
    return parse_mark(branches.annotations_of(root.id)) if root else None


@dataclass(frozen=True)
class ProjectCounters:
    """A project's full read (this period's counters, the quota Neon enforces, the billing
    period, its org) and the usage measured from it and its branch list."""

    project: Project
    usage: ObservedUsage


def usage_of(project: Project, branches: BranchList) -> ObservedUsage:
    """Current-period counters; storage is per branch, so the largest branch counts."""
    sizes = [b.logical_size or 0 for b in branches.branches]
    return ObservedUsage(
        active_time_seconds=project.active_time_seconds,
        compute_time_seconds=project.compute_time_seconds,
        written_data_bytes=project.written_data_bytes,
        data_transfer_bytes=project.data_transfer_bytes,
        logical_size_bytes=max(sizes, default=0),
        created_in_period=created_in_period(project),
    )


def created_in_period(project: Project) -> bool:
    """Whether the project's counters cover its whole life (it was created this period)."""
    start = project.consumption_period_start
    return start is None or (project.created_at is not None and project.created_at >= start)


class Observer:
    """Reads what the planner needs, concurrently, remembering branch lists it already read.

    Before each create, `claimed_now` looks again (a project list at most `recheck_seconds`
    old, and the marks of projects new since) so that applies racing from two checkouts leave
    as small a window as Neon allows (it has no conditional create). A list of several pages
    stays recent for `recheck_seconds` per page, so that the guard costs the same share of
    Neon's budget (about 0.15 calls per created tenant at its pace) at any fleet size.
    """

    def __init__(
        self,
        client: NeonClient,
        *,
        concurrency: int = 16,
        marks: MarkCache | None = None,
        recheck_seconds: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._limit = asyncio.Semaphore(concurrency)
        self._branches: dict[str, asyncio.Task[BranchList]] = {}
        self._cache = marks or MarkCache(None)
        self._list_lock = asyncio.Lock()
        self._seen: set[str] | None = None  # project ids whose marks this run knows live
        self._recheck_seconds = recheck_seconds
        self._clock = clock
        self._recent: tuple[float, list[ProjectListItem]] | None = None

    async def observe(self, desired: DesiredFleetState, options: PlanOptions) -> ObservedFleet:
        """Observe until the plan for `desired` depends on nothing unread."""
        listed = await self._client.list_projects()
        ids = [p.id for p in listed]
        cached = self._cache.known(ids)
        observed = ObservedFleet(
            projects=tuple(observed_project(p) for p in listed),
            marks=cached,
            cached_marks=frozenset(cached),
        )
        for _ in range(MAX_ROUNDS):
            missing = missing_observations(desired, observed, options)
            if not missing:
                self._cache.remember(dict(observed.marks))
                self._cache.forget_all_but(ids)
                self._cache.save()
                self._seen = set(ids)
                self._recent = (self._clock(), listed)  # the first create's guard starts here
                return observed
            observed = await self.fill(observed, missing)
        raise ObservationError("observation did not settle; please report this as a bug")

    async def fill(self, observed: ObservedFleet, missing: MissingObservations) -> ObservedFleet:
        """Read the missing computes, marks and usage, and return the enlarged observation."""
        endpoints, marks, usage, operations = await asyncio.gather(
            self._each(missing.endpoints, self._endpoints),
            self._each(missing.marks, self._mark),
            self._each(missing.usage, self._usage),
            self._each(missing.operations, self._operations),
        )
        _log.info(
            "observe_round",
            endpoints=len(endpoints),
            marks=len(marks),
            usage=len(usage),
            operations=len(operations),
        )
        return dataclasses.replace(
            observed,
            endpoints={**observed.endpoints, **endpoints},
            marks={**observed.marks, **marks},
            usage={**observed.usage, **usage},
            cached_marks=observed.cached_marks - marks.keys(),
            operations={**observed.operations, **operations},
        )

    async def project_state(
        self, project_id: str
    ) -> tuple[ObservedProject, tuple[ObservedEndpoint, ...]] | None:
        """A fresh read of one project and its computes (None when it no longer exists).

        Read from the project list, like the plan was, so that the fingerprints compare the
        same fields (a single project's GET reports more than its list item).
        """
        listed = await self._client.list_projects(search=project_id)
        project = next((p for p in listed if p.id == project_id), None)
        if project is None:
            return None
        try:
            endpoints = await self._endpoints(project_id)
        except NotFoundError:
            return None
        return observed_project(project), endpoints

    async def mark(self, project_id: str, *, fresh: bool = False) -> OwnershipMark | None:
        """A project's ownership mark as Neon reports it: read in this run, or vouched for by
        the tagged mark cache (marks never change; see `mark_cache`). `fresh` reads it from
        Neon again whatever this run or the cache knows.

        This is the check before a project is changed: never from an untagged cache.
        """
        if fresh:
            self._branches.pop(project_id, None)
        elif project_id not in self._branches:
            vouched, mark = self._cache.vouched(project_id)
            if vouched:
                return mark
        return await self._mark(project_id)

    async def projects_marked_for(self, fleet: str, tenant_id: str) -> list[str]:
        """Every project carrying this tenant's mark, whatever its name, read live.

        Used before a saved plan's create: a project made for the tenant since the plan (and
        perhaps renamed) must not get a twin, and a create is never decided on the mark cache.
        """
        listed = [p.id for p in await self._recent_projects()]
        read = await self._each(listed, self._mark)
        self._cache.remember(read)
        self._cache.save()
        self._seen = set(listed)
        wanted = OwnershipMark(fleet=fleet, tenant_id=tenant_id)
        return sorted(pid for pid, mark in read.items() if mark == wanted)

    async def claimed_now(self, fleet: str, tenant_id: str, name: str) -> list[str]:
        """Projects that, right before a create, carry the tenant's name or its mark.

        Reads a project list at most `recheck_seconds` old (shared by concurrent creates) and
        the marks of the projects that appeared since this run last looked.
        """
        listed = await self._recent_projects()
        seen = self._seen or set()
        candidates = {p.id for p in listed if p.name == name or p.id not in seen}
        marks = await self._each(candidates, self._mark)
        wanted = OwnershipMark(fleet=fleet, tenant_id=tenant_id)
        named = {p.id for p in listed if p.name == name}
        return sorted(pid for pid in candidates if pid in named or marks[pid] == wanted)

    async def project_list(self) -> list[ProjectListItem]:
        """Every project visible to the key: one paged list read."""
        return await self._client.list_projects()

    async def marks(self, project_ids: Iterable[str]) -> dict[str, OwnershipMark | None]:
        """The ownership marks of these projects, read live (a branch list each, once per run;
        never from the mark cache)."""
        return await self._each(project_ids, self._mark)

    async def counters(self, project_ids: Iterable[str]) -> dict[str, ProjectCounters]:
        """Each project's counters and quota (`GET /projects/{id}`) and storage (its branch
        list, shared with `marks`), at most `concurrency` projects at a time."""
        return await self._each(project_ids, self._counters)

    def created(self, project_id: str, mark: OwnershipMark | None = None) -> None:
        """A project this run created (with `mark`): not a newcomer to look at before the next
        create, and its mark known without a read."""
        if self._seen is not None:
            self._seen.add(project_id)
        if mark is not None:
            self._cache.remember({project_id: mark})

    def save_marks(self) -> None:
        """Keep the marks this run read or wrote for the next run (see `mark_cache`)."""
        self._cache.save()

    async def _recent_projects(self) -> list[ProjectListItem]:
        async with self._list_lock:
            now = self._clock()
            if self._recent is None or now - self._recent[0] > self._recheck_after():
                self._recent = (now, await self._client.list_projects())
            return self._recent[1]

    def _recheck_after(self) -> float:
        """Seconds a project list stays recent enough for the create guard."""
        listed = len(self._recent[1]) if self._recent else 0
        return self._recheck_seconds * max(1, -(-listed // PROJECTS_PAGE_LIMIT))

    async def _each(
        self, project_ids: Iterable[str], read: Callable[[str], Awaitable[T]]
    ) -> dict[str, T]:
        ordered = sorted(project_ids)
        results = await asyncio.gather(*(self._bounded(read, pid) for pid in ordered))
        return dict(zip(ordered, results, strict=True))

    async def _bounded(self, read: Callable[[str], Awaitable[T]], project_id: str) -> T:
        async with self._limit:
            return await read(project_id)

    async def _endpoints(self, project_id: str) -> tuple[ObservedEndpoint, ...]:
        endpoints = await self._client.list_endpoints(project_id)
        return tuple(observed_endpoint(e) for e in sorted(endpoints, key=lambda e: e.id))

    async def _branch_list(self, project_id: str) -> BranchList:
        # One read per project even when its mark and its usage are asked for at once.
        if project_id not in self._branches:
            read = self._client.list_branches(project_id)
            self._branches[project_id] = asyncio.ensure_future(read)
        return await self._branches[project_id]

    async def _mark(self, project_id: str) -> OwnershipMark | None:
        mark = mark_of(await self._branch_list(project_id))
        self._cache.remember({project_id: mark})
        return mark

    async def _operations(self, project_id: str) -> tuple[ObservedOperation, ...]:
        listed = await self._client.list_operations(project_id, limit=OPERATIONS_READ)
        return tuple(observed_operation(op) for op in listed)

    async def _usage(self, project_id: str) -> ObservedUsage:
        return (await self._counters(project_id)).usage

    async def _counters(self, project_id: str) -> ProjectCounters:
        branches = await self._branch_list(project_id)
        project = await self._client.get_project(project_id)
        return ProjectCounters(project=project, usage=usage_of(project, branches))
