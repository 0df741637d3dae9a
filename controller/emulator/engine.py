"""The emulator's moving parts in one place, and the per-request session handlers work through.

Why this exists: a request needs the instant it happens at, the projects it touches (loaded,
brought up to date with `settle`, saved in one transaction), new operations (timed by
`operation_seconds`, failed by injected faults) and 404/423 checks that are the same everywhere.
`Emulator` owns the long-lived parts (store, clock, faults, limits, counters); `Session` is the
short-lived view a handler gets. Handlers never read the clock or touch SQLite themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from controller.emulator import ids
from controller.emulator.bodies import check_identifier
from controller.emulator.config import EmulatorConfig
from controller.emulator.errors import locked, not_found
from controller.emulator.faults import FaultInjector
from controller.emulator.lifecycle import OperationSpec, is_locked, schedule, settle
from controller.emulator.ratelimit import RateLimiter
from controller.emulator.state import OperationRecord, ProjectRecord
from controller.emulator.stats import Stats
from controller.emulator.store import ProjectQuery, Store
from controller.emulator.timeutil import DAY

RECOVERY_SECONDS = 7 * DAY  # deleted projects can be recovered for 7 days
_CLOCK_OFFSET_KEY = "clock_offset_seconds"


class EmulatorClock:
    """The emulator's time: the configured wall clock plus an offset tests can only move forward."""

    def __init__(self, config: EmulatorConfig, store: Store) -> None:
        self._base = config.clock
        self._store = store
        self.offset = float(store.get_meta(_CLOCK_OFFSET_KEY) or 0.0)

    def now(self) -> float:
        return self._base() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds
        self._store.set_meta(_CLOCK_OFFSET_KEY, repr(self.offset))

    def reset(self) -> None:
        self.offset = 0.0


class Emulator:
    """Everything that outlives a request."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.store = Store.open(config.state_file)
        self.clock = EmulatorClock(config, self.store)
        self.faults = FaultInjector(config.seed)
        self.stats = Stats()
        self.limiter = RateLimiter(
            rate_per_minute=config.rate_per_minute,
            burst_per_second=config.burst_per_second,
            consumption_rate_per_minute=config.consumption_rate_per_minute,
            monotonic=config.monotonic,
        )
        with self.store.transaction():
            self.store.purge_deleted_before(self.clock.now() - RECOVERY_SECONDS)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One request's work, committed together when the block ends without an error."""
        with self.store.transaction():
            yield Session(self, self.clock.now())

    def reset(self) -> None:
        """Back to a fresh emulator: no projects, clock offset 0, no faults, counters zeroed."""
        self.store.clear()
        self.clock.reset()
        self.faults.clear()
        self.stats.clear()
        self.limiter.clear()

    def close(self) -> None:
        self.store.close()


@dataclass
class Session:
    """What a handler works with: the request's instant and access to projects."""

    emulator: Emulator
    now: float

    def project(self, project_id: str) -> ProjectRecord:
        """A live project, brought up to `now`; 404 if it does not exist or is deleted."""
        check_identifier("project_id", project_id)
        project = self.emulator.store.get(project_id)
        if project is None or project.deleted_at is not None:
            raise not_found("project", project_id)
        settle(project, self.now)
        return project

    def deleted_project(self, project_id: str) -> ProjectRecord:
        """A deleted project still inside its recovery window; 404 otherwise."""
        check_identifier("project_id", project_id)
        project = self.emulator.store.get(project_id)
        if project is None or project.deleted_at is None:
            raise not_found("deleted project", project_id)
        if project.deleted_at < self.now - RECOVERY_SECONDS:
            raise not_found("deleted project", project_id)
        settle(project, self.now)
        return project

    def page(self, query: ProjectQuery) -> list[ProjectRecord]:
        projects = self.emulator.store.page(query)
        for project in projects:
            settle(project, self.now)
        return projects

    def save(self, project: ProjectRecord) -> None:
        self.emulator.store.put(project)

    def new_project_id(self) -> str:
        while True:
            candidate = ids.project_id()
            if not self.emulator.store.exists(candidate):
                return candidate

    def require_unlocked(self, project: ProjectRecord) -> None:
        """423 while an earlier operation on the project has not finished."""
        if is_locked(project, self.now):
            raise locked()

    def schedule(self, project: ProjectRecord, specs: list[OperationSpec]) -> list[OperationRecord]:
        """New operations for this request; applied at once when `operation_seconds` is 0."""
        faults = self.emulator.faults
        failing = next((index for index in range(len(specs)) if faults.operation_fails()), None)
        operations = schedule(
            project,
            specs,
            now=self.now,
            duration=self.emulator.config.operation_seconds,
            failing=failing,
            new_id=ids.operation_id,
        )
        settle(project, self.now)
        return operations
