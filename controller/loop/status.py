"""The `/status` document: what the controller knows, as versioned JSON.

Why this exists: operators and tools read one document to learn which revision is in force,
whether the last fetched one is valid (and if not, where its errors are), how the last cycle
went and what each tenant's last result was. Pure: memory and the time in, a dict out. The
format is documented in docs/controller.md and fixed by `schema/status.json`; a change that
breaks readers bumps `format_version`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from controller import __version__
from controller.loop.decisions import Readiness
from controller.loop.memory import CycleRecord, Memory
from controller.loop.records import PlanSummary

FORMAT_VERSION = 1


@dataclass(frozen=True)
class StatusContext:
    """What /status shows of the process's settings (nothing secret)."""

    source: dict[str, str | None]
    target: dict[str, Any]  # the change plan's `target` shape (host, org_id, embedded, account)
    interval: timedelta
    full_refresh_every: timedelta
    usage_every: timedelta
    allow_delete: bool
    max_deletes: int


def status_document(
    memory: Memory, context: StatusContext, *, now: datetime, ready: Readiness
) -> dict[str, Any]:
    in_force = memory.in_force
    return {
        "format_version": FORMAT_VERSION,
        "version": __version__,
        "now": _time(now),
        "started_at": _time(memory.started_at),
        "ready": ready.ready,
        "reason": ready.reason,
        "source": context.source,
        "target": context.target,
        "settings": _settings(context),
        "fleet": in_force.fleet_name if in_force else None,
        "revision": _revision(memory),
        "invalid_revision": _invalid(memory),
        "cycles": memory.cycles,
        "running_since": _time(memory.running_since),
        "last_cycle": _cycle(memory.last_cycle),
        "last_success": _cycle(memory.last_success),
        "tenants": {
            tenant: {
                "result": state.record.result,
                "kinds": list(state.record.kinds),
                "message": state.record.message,
                "project_id": state.record.project_id,
                "at": _time(state.at),
                "revision": state.revision,
            }
            for tenant, state in memory.tenants.items()
        },
        "usage": _usage(memory),
    }


def _settings(context: StatusContext) -> dict[str, Any]:
    return {
        "interval_seconds": context.interval.total_seconds(),
        "full_refresh_every_seconds": context.full_refresh_every.total_seconds(),
        "usage_every_seconds": context.usage_every.total_seconds(),
        "allow_delete": context.allow_delete,
        "max_deletes": context.max_deletes,
    }


def _revision(memory: Memory) -> dict[str, Any]:
    in_force, success = memory.in_force, memory.last_success
    return {
        "fetched": memory.fetched_revision,
        "valid": memory.invalid is None,
        "in_force": in_force.revision.id if in_force else None,
        "last_applied": success.applied_revision if success else None,
    }


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _invalid(memory: Memory) -> dict[str, Any] | None:
    invalid = memory.invalid
    if invalid is None:
        return None
    return {
        "revision": invalid.revision,
        "since": _time(invalid.since),
        "errors": [
            {
                "path": e.path,
                "line": e.line,
                "column": e.column,
                "message": e.message,
                "text": e.text,
            }
            for e in invalid.errors
        ],
    }


def _cycle(cycle: CycleRecord | None) -> dict[str, Any] | None:
    if cycle is None:
        return None
    return {
        "number": cycle.number,
        "started_at": _time(cycle.started_at),
        "finished_at": _time(cycle.finished_at),
        "duration_seconds": round(cycle.duration_seconds, 3),
        "outcome": cycle.outcome.value,
        "revision": cycle.revision,
        "applied_revision": cycle.applied_revision,
        "full_refresh": cycle.full,
        "full_refresh_reason": cycle.full_reason,
        "plan": _plan(cycle.plan),
        "error": cycle.error,
    }


def _plan(plan: PlanSummary | None) -> dict[str, Any] | None:
    if plan is None:
        return None
    return {
        "counts": dict(sorted(plan.counts.items())),
        "has_changes": plan.has_changes,
        "drifted_tenants": list(plan.drifted),
        "orphans": list(plan.orphans),
        "unmanaged_projects": plan.unmanaged_projects,
    }


def _usage(memory: Memory) -> dict[str, Any] | None:
    snapshot = memory.usage
    if snapshot is None:
        return None if memory.usage_error is None else {"error": memory.usage_error}
    return {
        "read_at": _time(snapshot.read_at),
        "error": memory.usage_error,
        "over_limit": list(snapshot.with_status("exceeded")),
        "at_warning": list(snapshot.with_status("warning")),
        "tenants": {
            tenant: {
                "status": use.status,
                "metrics": {
                    name: {"used": m.used, "limit": m.limit, "ratio": m.ratio, "status": m.status}
                    for name, m in use.metrics.items()
                },
            }
            for tenant, use in snapshot.tenants.items()
        },
    }
