"""The loop's own plain records of what a cycle found and did.

Why this exists: the core (spec, reconcile, usage) is being reshaped behind a few entry points.
The loop reads the core only through `controller.loop.core`, which translates what the core
returns into these frozen records; everything else in the loop (decisions, memory, status,
metrics, notifications) works on them alone, so a change of the core's types is a change of
one module. No I/O here and no import from the core.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class CycleOutcome(StrEnum):
    """How a cycle ended (the `outcome` label of `tenantctl_cycles_total`)."""

    SUCCESS = "success"  # the revision in force was planned and every tenant applied
    FAILED = "failed"  # a tenant failed, went stale or is in conflict; or Neon could not be read
    INVALID_REVISION = "invalid_revision"  # the fetched revision does not validate
    SOURCE_FAILED = "source_failed"  # the source could not be fetched or read
    INTERRUPTED = "interrupted"  # SIGTERM/SIGINT stopped it; what was sent finished


# Outcomes of one tenant in a cycle (labels of `tenantctl_apply_actions_total`).
IN_SYNC = "in_sync"
APPLIED = "applied"
NOT_RUN = "not_run"
CONFLICT = "conflict"
FAILING_RESULTS = frozenset({"failed", "stale"})
NOT_OK_RESULTS = FAILING_RESULTS | {CONFLICT}  # what makes apply exit 1


@dataclass(frozen=True)
class FleetError:
    """One validation error of a revision, at `path:line:column` (relative to the fleet)."""

    path: str
    line: int | None
    column: int | None
    message: str
    text: str  # `path:line:column: message`, safe to print


@dataclass(frozen=True)
class Revision:
    """What a source produced this cycle: an id (commit, or a digest of a directory's files)."""

    id: str
    fleet_dir: str


@dataclass(frozen=True)
class PlanSummary:
    """Counts of the last change plan, by action kind, plus what it left alone."""

    counts: dict[str, int] = field(default_factory=dict)  # create/update/.../conflict/blocked
    drifted: tuple[str, ...] = ()  # tenants whose live project differs from the revision
    in_sync: tuple[str, ...] = ()
    orphans: tuple[str, ...] = ()  # project names whose tenant file is gone
    unmanaged_projects: int = 0
    has_changes: bool = False


@dataclass(frozen=True)
class TenantRecord:
    """One tenant's result in one cycle: `in_sync`, `applied`, `failed`, `stale`, `blocked`,
    `conflict` or `not_run`, with the kinds of action tried and why it was not applied."""

    tenant: str
    result: str
    kinds: tuple[str, ...] = ()
    message: str = ""
    project_id: str | None = None


@dataclass(frozen=True)
class MetricUse:
    """One limited metric of one tenant: `ratio` is use / limit (None without a limit)."""

    used: int
    limit: int | None
    ratio: float | None
    status: str  # ok / warning / exceeded / unlimited


@dataclass(frozen=True)
class TenantUse:
    """One tenant's usage: its worst status and each metric's use."""

    status: str  # ok / warning / exceeded / unlimited / no project / unknown
    metrics: dict[str, MetricUse] = field(default_factory=dict)


@dataclass(frozen=True)
class UsageSnapshot:
    """The usage of every tenant at one reading (`tenantctl usage`'s numbers)."""

    read_at: datetime
    tenants: dict[str, TenantUse]
    cached: frozenset[str] = frozenset()

    def with_status(self, status: str) -> tuple[str, ...]:
        return tuple(sorted(t for t, use in self.tenants.items() if use.status == status))
