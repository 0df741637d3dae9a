"""How a project changes while time passes: operations finish, computes scale to zero, quotas bite.

Why this exists: Neon is asynchronous. A mutating call returns operations that complete later;
an idle compute suspends after its timeout; a project that reaches a quota has its computes
suspended at that instant. The emulator applies all of that lazily: `settle(project, now)` replays,
in time order, every change due since the project was last settled. The replay depends only on the
stored record and `now`, so the same state is reached whether a project is read every second or
once a month, before or after a restart. No I/O and no clock reads here: `now` is an argument.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from controller.emulator.rules import effective_suspend_timeout
from controller.emulator.state import (
    ActivityInterval,
    EndpointRecord,
    OperationEffect,
    OperationOutcome,
    OperationRecord,
    ProjectRecord,
)
from controller.emulator.timeutil import micros, next_month_start
from controller.emulator.usage import exceeded_quotas, next_quota_crossing

_MAX_STEPS = 100_000  # a safety net: a settle needs one step per due change


@dataclass(frozen=True)
class OperationSpec:
    """One operation to schedule: what it is, what it touches, what finishing it does."""

    action: str
    branch_id: str | None = None
    endpoint_id: str | None = None
    effect: OperationEffect | None = None


def schedule(
    project: ProjectRecord,
    specs: list[OperationSpec],
    *,
    now: float,
    duration: float,
    failing: int | None,
    new_id: Callable[[], str],
) -> list[OperationRecord]:
    """Append operations that run one after another and all finish within `duration` seconds.

    The first runs at once and the others wait (`scheduling`), as Neon's create returns
    `create_timeline` running and `start_compute` scheduling. If `failing` is an index, that
    operation fails and the ones after it are cancelled: none of their effects apply.

    Creation times are whole, distinct microseconds (one apart within an instant), the precision
    of the timestamp cursor the operations list pages by: finer times would make two operations
    share a cursor value and paging skip one.
    """
    last = max((micros(op.created_at) for op in project.operations), default=None)
    created = micros(now) if last is None else max(micros(now), last + 1)
    share = duration / len(specs) if specs else 0.0
    scheduled: list[OperationRecord] = []
    for index, spec in enumerate(specs):
        starts, ends = now + index * share, now + (index + 1) * share
        outcome: OperationOutcome = "finished"
        if failing is not None and index >= failing:
            outcome = "failed" if index == failing else "cancelled"
            if index > failing:  # cancelled when the failure is known
                starts = ends = scheduled[failing].ends_at
        record = OperationRecord(
            id=new_id(),
            action=spec.action,
            branch_id=spec.branch_id,
            endpoint_id=spec.endpoint_id,
            created_at=(created + index) / 1_000_000,
            starts_at=starts,
            ends_at=ends,
            outcome=outcome,
            effect=spec.effect,
        )
        scheduled.append(record)
    project.operations.extend(scheduled)
    return scheduled


def operation_status(operation: OperationRecord, now: float) -> str:
    if now < operation.starts_at:
        return "scheduling"
    if now < operation.ends_at:
        return "running"
    return operation.outcome


def is_locked(project: ProjectRecord, now: float) -> bool:
    """True while an operation has not reached a terminal status (new work would get 423)."""
    return any(op.ends_at > now for op in project.operations)


def cancel_unfinished(project: ProjectRecord, now: float) -> None:
    """Stop the project's work in progress: unfinished operations end `cancelled` at `now`, so
    none of their effects (a compute starting, for one) happens later."""
    for operation in project.operations:
        if operation.ends_at > now:
            operation.outcome = "cancelled"
            operation.starts_at, operation.ends_at = min(operation.starts_at, now), now


def activate(project: ProjectRecord, endpoint: EndpointRecord, at: float) -> None:
    if endpoint.state == "active":
        return
    endpoint.state = "active"
    endpoint.active_since = endpoint.started_at = endpoint.last_active = at
    endpoint.updated_at = at
    project.intervals.append(
        ActivityInterval(
            endpoint_id=endpoint.id, branch_id=endpoint.branch_id, start=at, cu=endpoint.min_cu
        )
    )


def deactivate(project: ProjectRecord, endpoint: EndpointRecord, at: float) -> None:
    if endpoint.state != "active":
        if endpoint.state == "init":
            endpoint.state, endpoint.updated_at = "idle", at
        return
    endpoint.state = "idle"
    endpoint.active_since = None
    endpoint.suspended_at = endpoint.last_active = endpoint.updated_at = at
    for interval in project.intervals:
        if interval.endpoint_id == endpoint.id and interval.end is None:
            interval.end = at


def restart(project: ProjectRecord, endpoint: EndpointRecord, at: float) -> None:
    """Apply new settings to a running compute: Neon restarts it (a new activity interval)."""
    if endpoint.state == "active":
        deactivate(project, endpoint, at)
        activate(project, endpoint, at)


def _apply_operation(project: ProjectRecord, operation: OperationRecord) -> None:
    operation.applied = True
    if operation.outcome != "finished" or operation.effect is None:
        return
    at = operation.ends_at
    if operation.effect == "branch_ready":
        branch = project.branch(operation.branch_id or "")
        if branch is not None and branch.state != "ready":
            branch.state, branch.state_changed_at = "ready", at
        return
    endpoint = project.endpoint(operation.endpoint_id or "")
    if endpoint is None:
        return
    if operation.effect == "endpoint_active":
        if endpoint.disabled or exceeded_quotas(project, at):
            deactivate(project, endpoint, at)
        else:
            activate(project, endpoint, at)
    elif operation.effect == "endpoint_idle":
        deactivate(project, endpoint, at)
    else:
        restart(project, endpoint, at)


def _suspend_all(project: ProjectRecord, at: float) -> None:
    for endpoint in project.endpoints:
        if endpoint.state == "active":
            deactivate(project, endpoint, at)


def _auto_suspend_at(endpoint: EndpointRecord) -> float | None:
    timeout = effective_suspend_timeout(endpoint.suspend_timeout_seconds)
    if endpoint.state != "active" or timeout is None or endpoint.active_since is None:
        return None
    return endpoint.active_since + timeout


Step = tuple[float, Callable[[], None]]


def _nothing() -> None:
    return None


def _next_step(project: ProjectRecord, now: float, until: float) -> Step | None:
    """The earliest change due in [now, until], as (when, apply)."""
    steps: list[Step] = []
    due = [op for op in project.operations if not op.applied and op.ends_at <= until]
    if due:
        first = min(due, key=lambda op: (op.ends_at, op.created_at))
        steps.append((first.ends_at, partial(_apply_operation, project, first)))
    for endpoint in project.endpoints:
        at = _auto_suspend_at(endpoint)
        if at is not None and at <= until:
            moment = max(at, now)
            steps.append((moment, partial(deactivate, project, endpoint, moment)))
    crossing = next_quota_crossing(project, now)
    if crossing is not None and crossing <= until:
        steps.append((crossing, partial(_suspend_all, project, crossing)))
    rollover = next_month_start(now)
    if rollover <= until:
        steps.append((rollover, _nothing))  # a new period: quotas are re-evaluated
    return min(steps, key=lambda step: step[0], default=None)


def settle(project: ProjectRecord, now: float) -> None:
    """Apply every change due between the project's last settle and `now`, in time order."""
    moment = project.settled_at
    for _ in range(_MAX_STEPS):
        if exceeded_quotas(project, moment):
            _suspend_all(project, moment)
        step = _next_step(project, moment, max(now, moment))
        if step is None:
            break
        moment = max(moment, step[0])
        step[1]()
    project.settled_at = max(now, project.settled_at)
