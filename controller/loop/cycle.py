"""One reconcile cycle: fetch, load and validate, plan, apply, record; then usage when due.

Why this exists: this is the imperative shell of controller mode, the same observe / plan /
execute as `tenantctl apply` (through `controller.loop.core`) wrapped in what a loop needs:

- A revision that does not validate is never applied: the last good revision stays in force
  (and keeps being reconciled, so drift is still corrected), its errors are recorded, counted
  and notified once. A source that cannot be fetched is handled the same way.
- A failing cycle never stops the loop: any error ends the cycle as `failed`, with its message.
- Each cycle decides `full` (see `decisions.decide_full`) and records the decision.
- `apply_stop`, set on SIGTERM, lets running mutations finish and starts no new one.
- Usage is read every `usage_every` (same cache and budget as `tenantctl usage`); each
  threshold crossing is notified once, and so is each recovery.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from controller.logs import get_logger
from controller.loop import core, decisions, events
from controller.loop.core import LoadedRevision, Marks, Safety, Target, UsageReading
from controller.loop.memory import CycleRecord, InvalidRevision, Memory
from controller.loop.metrics import ControllerMetrics
from controller.loop.notify import Notifier
from controller.loop.records import NOT_OK_RESULTS, CycleOutcome, PlanSummary, TenantRecord
from controller.loop.source import Source, SourceError
from controller.neon.client import NeonClient

_log = get_logger("loop")
NOT_PLANNED = decisions.FullDecision(full=False, reason="not_planned")


@dataclass(frozen=True)
class LoopSettings:
    interval: timedelta
    full_refresh_every: timedelta
    usage_every: timedelta
    warn_at: Fraction
    safety: Safety


@dataclass(frozen=True)
class NeonAccess:
    """The client (one for the process: one rate budget), where it points, and the caches."""

    client: NeonClient
    target: Target
    marks: Marks
    usage: UsageReading


@dataclass
class _Outcome:
    """What a cycle found before it is recorded."""

    outcome: CycleOutcome = CycleOutcome.SUCCESS
    error: str | None = None
    revision: str | None = None
    applied_revision: str | None = None
    decision: decisions.FullDecision = NOT_PLANNED
    plan: PlanSummary | None = None
    reconciled: bool = False  # the revision in force was planned and applied without failure


class Reconciler:
    """Runs cycles against one source and one Neon, writing `memory`, metrics and events."""

    def __init__(
        self,
        source: Source,
        neon: NeonAccess,
        settings: LoopSettings,
        *,
        memory: Memory,
        metrics: ControllerMetrics,
        notifier: Notifier,
        clock: Callable[[], datetime],
    ) -> None:
        self.source, self.neon, self.settings = source, neon, settings
        self.memory, self.metrics, self.notifier = memory, metrics, notifier
        self.clock = clock
        self.phase = "idle"
        self.apply_stop = asyncio.Event()
        self.usage_attempted_at: datetime | None = None

    async def cycle(self) -> CycleRecord:
        """Run one cycle to its end (or to a stop) and record it."""
        started = self.clock()
        self.memory.running_since = started
        found = _Outcome()
        try:
            await self._run(found)
        except asyncio.CancelledError:
            found.outcome, found.error = CycleOutcome.INTERRUPTED, "stopped before applying"
            self._record(found, started)
            raise
        except Exception as error:  # a failing cycle never stops the loop
            _log.warning("cycle_failed", error=f"{type(error).__name__}: {error}")
            found.outcome, found.error = CycleOutcome.FAILED, f"{type(error).__name__}: {error}"
        finally:
            self.phase = "idle"
        return self._record(found, started)

    async def _run(self, found: _Outcome) -> None:
        self.phase = "fetch"
        loaded = await self._fetch_and_load(found)
        if loaded is not None and loaded.valid:
            self._accept(loaded)
        in_force = self.memory.in_force
        if in_force is None:
            return
        found.decision = self._decide(in_force)
        self.phase = "plan"
        planned = await core.plan(
            self.neon.client,
            in_force,
            full=found.decision.full,
            safety=self.settings.safety,
            target=self.neon.target,
            marks=self.neon.marks,
        )
        found.plan = planned.summary
        self.metrics.plan(planned.summary.counts, len(planned.summary.drifted))
        self.metrics.fleet(in_force.tenant_states, len(planned.summary.orphans))
        self.phase = "apply"
        applied = await core.apply(
            self.neon.client, planned, safety=self.settings.safety, stop=self.apply_stop
        )
        self.metrics.applied(applied.results)
        found.applied_revision = in_force.revision.id
        records = {r.tenant: r for r in (*core.in_sync_records(planned), *applied.results)}
        self._tenants_done(records, in_force)
        found.reconciled = applied.ok and not self.apply_stop.is_set()
        if self.apply_stop.is_set():
            found.outcome, found.error = CycleOutcome.INTERRUPTED, "stopped during apply"
        elif not applied.ok and found.outcome is CycleOutcome.SUCCESS:
            bad = sorted(r.tenant for r in applied.results if r.result in NOT_OK_RESULTS)
            found.outcome = CycleOutcome.FAILED
            found.error = f"apply did not succeed for {len(bad)} tenant(s): {', '.join(bad[:10])}"

    async def _fetch_and_load(self, found: _Outcome) -> LoadedRevision | None:
        """The fetched revision, loaded; None (and the cycle marked) when the source failed."""
        try:
            revision = await self.source.fetch()
        except SourceError as error:
            _log.warning("source_fetch_failed", error=str(error))
            found.outcome, found.error = CycleOutcome.SOURCE_FAILED, str(error)
            return None
        found.revision = revision.id
        self.memory.fetched_revision = revision.id
        in_force = self.memory.in_force
        if in_force is not None and in_force.revision == revision:
            return in_force  # unchanged since it was loaded: no need to parse it again
        org_id = self.neon.client.settings.org_id
        loaded = await asyncio.to_thread(core.load_revision, revision, org_id=org_id)
        for warning in loaded.warnings:
            _log.info("fleet_warning", revision=revision.id, warning=warning)
        if not loaded.valid:
            self._reject(loaded, found)
        return loaded

    def _reject(self, loaded: LoadedRevision, found: _Outcome) -> None:
        revision = loaded.revision.id
        for error in loaded.errors:
            _log.error("revision_invalid", revision=revision, error=error.text)
        found.outcome = CycleOutcome.INVALID_REVISION
        found.error = f"revision {events.short(revision)} does not validate"
        self.metrics.revision_valid.set(0)
        previous = self.memory.invalid
        if previous is None or previous.revision != revision:
            fleet = self.memory.in_force.fleet_name if self.memory.in_force else None
            self.notifier.send(events.invalid_revision(fleet, revision, loaded.errors))
            since = previous.since if previous else self.clock()
            self.memory.invalid = InvalidRevision(revision, loaded.errors, since)

    def _accept(self, loaded: LoadedRevision) -> None:
        self.metrics.revision_valid.set(1)
        if self.memory.invalid is not None:
            self.notifier.send(events.revision_recovered(loaded.fleet_name, loaded.revision.id))
            self.memory.invalid = None
        previous = self.memory.in_force
        if previous is None or previous.revision.id != loaded.revision.id:
            _log.info("revision_in_force", revision=loaded.revision.id, fleet=loaded.fleet_name)
        self.memory.in_force = loaded

    def _decide(self, in_force: LoadedRevision) -> decisions.FullDecision:
        decision = decisions.decide_full(
            now=self.clock(),
            digest=in_force.digest or "",
            applied_digest=self.memory.applied_digest,
            last_full_at=self.memory.last_full_at,
            last_cycle_ok=self.memory.last_reconcile_ok,
            full_refresh_every=self.settings.full_refresh_every,
        )
        self.metrics.plan_decided(full=decision.full, reason=decision.reason)
        _log.info("cycle_plan_mode", full=decision.full, reason=decision.reason)
        return decision

    def _tenants_done(self, records: dict[str, TenantRecord], in_force: LoadedRevision) -> None:
        previous = self.memory.tenant_records()
        revision = in_force.revision.id
        for event in decisions.tenant_events(
            previous, records, fleet=in_force.fleet_name, revision=revision
        ):
            self.notifier.send(event)
        self.memory.record_tenants(records, self.clock(), revision)

    def _record(self, found: _Outcome, started: datetime) -> CycleRecord:
        finished = self.clock()
        cycle = CycleRecord(
            number=self.memory.cycles + 1,
            started_at=started,
            finished_at=finished,
            outcome=found.outcome,
            revision=found.revision,
            applied_revision=found.applied_revision,
            full=found.decision.full,
            full_reason=found.decision.reason,
            plan=found.plan,
            error=found.error,
        )
        self.memory.last_reconcile_ok = found.reconciled
        if found.reconciled:  # even under an invalid revision: the last good one was applied
            in_force = self.memory.in_force
            self.memory.applied_digest = in_force.digest if in_force else None
            if cycle.full:
                self.memory.last_full_at = started
        self._cycle_events(cycle)
        self.memory.finish(cycle)
        self.metrics.cycle_finished(cycle.outcome, cycle.duration_seconds, finished.timestamp())
        _log.info(
            "cycle_finished",
            cycle=cycle.number,
            outcome=cycle.outcome.value,
            revision=cycle.revision,
            full_refresh=cycle.full,
            seconds=round(cycle.duration_seconds, 3),
            error=cycle.error,
        )
        return cycle

    def _cycle_events(self, cycle: CycleRecord) -> None:
        """cycle_failed once per streak of cycles that could not run, then cycle_recovered."""
        broken = cycle.outcome is CycleOutcome.SOURCE_FAILED or (
            cycle.outcome is CycleOutcome.FAILED and cycle.plan is None
        )
        fleet = self.memory.in_force.fleet_name if self.memory.in_force else None
        if broken and not self.memory.cycle_failure_notified:
            self.notifier.send(
                events.cycle_event(events.CYCLE_FAILED, fleet, cycle.revision, cycle.error or "")
            )
            self.memory.cycle_failure_notified = True
        elif cycle.outcome is CycleOutcome.SUCCESS and self.memory.cycle_failure_notified:
            self.notifier.send(
                events.cycle_event(events.CYCLE_RECOVERED, fleet, cycle.revision, "")
            )
            self.memory.cycle_failure_notified = False

    def usage_due(self) -> bool:
        last = self.usage_attempted_at
        return last is None or self.clock() - last >= self.settings.usage_every

    async def read_usage(self) -> None:
        """Read usage for the revision in force; publish it and notify crossings."""
        in_force = self.memory.in_force
        if in_force is None:
            return
        self.usage_attempted_at = self.clock()
        self.phase = "usage"
        try:
            snapshot = await self.neon.usage.read(
                self.neon.client,
                in_force,
                self.settings.warn_at,
                target=self.neon.target,
            )
        except Exception as error:  # usage never fails the loop
            self.memory.usage_error = f"{type(error).__name__}: {error}"
            self.metrics.usage_reads.labels(outcome="failed").inc()
            _log.warning("usage_read_failed", error=self.memory.usage_error)
            return
        finally:
            self.phase = "idle"
        self.metrics.usage_reads.labels(outcome="ok").inc()
        self.metrics.usage(snapshot)
        levels, crossings = decisions.usage_crossings(
            self.memory.usage_levels, snapshot, fleet=in_force.fleet_name
        )
        for event in crossings:
            self.notifier.send(event)
        self.memory.usage, self.memory.usage_levels, self.memory.usage_error = (
            snapshot,
            levels,
            None,
        )
        _log.info("usage_read", tenants=len(snapshot.tenants), cached=len(snapshot.cached))
