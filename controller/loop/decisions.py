"""The loop's pure decisions: full plan or idle cycle, ready or not, which events to send.

Why this exists: these are the rules an operator relies on, so they are functions of their
inputs (times are given, never read), tested exactly, and kept apart from the I/O of a cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from controller.loop import events
from controller.loop.events import Event
from controller.loop.records import (
    CONFLICT,
    FAILING_RESULTS,
    CycleOutcome,
    FleetError,
    TenantRecord,
    UsageSnapshot,
)

READY_WITHIN_INTERVALS = 3
ALERTING_LEVELS = ("warning", "exceeded")
UsageKey = tuple[str, str]  # (tenant, metric)


@dataclass(frozen=True)
class FullDecision:
    """Whether this cycle makes a full plan (per-tenant reads) or an idle one, and why."""

    full: bool
    reason: str  # first_cycle / desired_changed / last_cycle_failed / refresh_due / idle


def decide_full(
    *,
    now: datetime,
    digest: str,
    applied_digest: str | None,
    last_full_at: datetime | None,
    last_cycle_ok: bool,  # the last cycle planned and applied its revision without failure
    full_refresh_every: timedelta,
) -> FullDecision:
    """Full on the first cycle, when the desired state differs from the last one applied, after
    a cycle that did not succeed, or when the last full plan is `full_refresh_every` old;
    otherwise idle (the desired state is the one last applied, and was applied in full)."""
    if applied_digest is None or last_full_at is None:
        return FullDecision(True, "first_cycle")
    if digest != applied_digest:
        return FullDecision(True, "desired_changed")
    if not last_cycle_ok:
        return FullDecision(True, "last_cycle_failed")
    if now - last_full_at >= full_refresh_every:
        return FullDecision(True, "refresh_due")
    return FullDecision(False, "idle")


@dataclass(frozen=True)
class Readiness:
    ready: bool
    reason: str


def readiness(
    *,
    now: datetime,
    interval: timedelta,
    last_outcome: CycleOutcome | None,
    last_finished_at: datetime | None,
    last_error: str | None,
    invalid_errors: tuple[FleetError, ...] = (),
) -> Readiness:
    """Ready when the last cycle succeeded and finished within 3 intervals of `now`."""
    if last_outcome is None or last_finished_at is None:
        return Readiness(False, "no reconcile cycle has finished yet")
    if last_outcome is CycleOutcome.INVALID_REVISION:
        where = "; ".join(e.text for e in invalid_errors[:3]) or "see /status"
        return Readiness(
            False, f"the fetched revision does not validate (last good stays in force): {where}"
        )
    if last_outcome is not CycleOutcome.SUCCESS:
        detail = f": {last_error}" if last_error else ""
        return Readiness(False, f"the last cycle ended {last_outcome.value}{detail}")
    age = now - last_finished_at
    window = interval * READY_WITHIN_INTERVALS
    if age > window:
        return Readiness(
            False,
            f"the last cycle finished {age.total_seconds():.0f} s ago, more than "
            f"{READY_WITHIN_INTERVALS} intervals ({window.total_seconds():.0f} s)",
        )
    return Readiness(True, f"the last cycle succeeded {age.total_seconds():.0f} s ago")


def tenant_events(
    previous: Mapping[str, TenantRecord],
    current: Mapping[str, TenantRecord],
    *,
    fleet: str | None,
    revision: str | None,
) -> list[Event]:
    """Apply failures and conflicts that start, and those that end, between two cycles.

    A tenant absent from `current` (not planned this cycle) keeps its state: no event."""
    found: list[Event] = []
    for tenant, now in sorted(current.items()):
        before = previous.get(tenant)
        was_failing = before is not None and before.result in FAILING_RESULTS
        was_conflict = before is not None and before.result == CONFLICT
        settled = now.result in ("applied", "in_sync")
        if now.result in FAILING_RESULTS and not was_failing:
            found.append(_tenant(events.APPLY_FAILED, fleet, revision, now))
        elif was_failing and settled:
            found.append(_tenant(events.APPLY_RECOVERED, fleet, revision, now))
        if now.result == CONFLICT and not was_conflict:
            found.append(_tenant(events.CONFLICT, fleet, revision, now))
        elif was_conflict and settled:
            found.append(_tenant(events.CONFLICT_RESOLVED, fleet, revision, now))
    return found


def _tenant(kind: str, fleet: str | None, revision: str | None, record: TenantRecord) -> Event:
    detail = record.message if kind in (events.APPLY_FAILED, events.CONFLICT) else ""
    return events.tenant_event(kind, fleet, revision, record.tenant, detail)


def usage_levels(snapshot: UsageSnapshot) -> dict[UsageKey, str]:
    """Each measured (tenant, metric): `exceeded`, `warning` or `ok` (below, or no limit)."""
    return {
        (tenant, metric): use.status if use.status in ALERTING_LEVELS else "ok"
        for tenant, usage in snapshot.tenants.items()
        for metric, use in usage.metrics.items()
    }


def usage_crossings(
    notified: Mapping[UsageKey, str], snapshot: UsageSnapshot, *, fleet: str | None
) -> tuple[dict[UsageKey, str], list[Event]]:
    """Levels now, and one event per (tenant, metric) whose level changed since the last one
    notified: warning / exceeded when it rises into them, recovered when it falls back to ok.

    A metric not measured this time (a tenant without a reading) keeps its last level, so an
    unreadable tenant is not reported as recovered; a key first seen at `ok` sends nothing."""
    levels = {**notified, **usage_levels(snapshot)}
    found: list[Event] = []
    for key, level in sorted(levels.items()):
        before = notified.get(key, "ok")
        if level == before:
            continue
        tenant, metric = key
        use = snapshot.tenants[tenant].metrics[metric]
        values = {"used": use.used, "limit": use.limit, "ratio": use.ratio, "level": level}
        kind = {
            "ok": events.USAGE_RECOVERED,
            "warning": events.USAGE_WARNING,
            "exceeded": events.USAGE_EXCEEDED,
        }[level]
        found.append(events.usage_event(kind, fleet, tenant, metric, values))
    return levels, found
