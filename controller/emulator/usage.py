"""Consumption arithmetic: what a project used over any time window, and when it hits a quota.

Why this exists: Neon's counters (per billing period), its consumption history (hourly, daily,
monthly) and its quota enforcement all derive from one record of what happened: when each compute
was active and at what size, plus usage added through the control API. Deriving every number from
that record, instead of keeping running totals, keeps the views consistent with each other (the
v2 billing metrics of `billing_metrics` included) and lets any window be answered after the fact.
Everything here is pure arithmetic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from controller.emulator.state import ActivityInterval, BranchRecord, ProjectRecord, UsageEvent
from controller.emulator.timeutil import HOUR, month_start, next_month_start

# Quotas that suspend computes when reached; logical_size_bytes only blocks writes [D-lim].
SUSPENDING_QUOTAS = (
    "active_time_seconds",
    "compute_time_seconds",
    "written_data_bytes",
    "data_transfer_bytes",
)
_TIME_QUOTAS = ("active_time_seconds", "compute_time_seconds")
# Reached when within this much of the limit (a millisecond): sums of float intervals must not
# miss an exact crossing, however many intervals a period holds.
_EPSILON = 1e-3


@dataclass(frozen=True)
class Usage:
    """What a project (or one branch) used during a window."""

    active_time_seconds: float = 0.0
    compute_time_seconds: float = 0.0
    written_data_bytes: int = 0
    data_transfer_bytes: int = 0
    data_storage_byte_seconds: float = 0.0

    def get(self, metric: str) -> float:
        value: float = getattr(self, metric)
        return value

    @property
    def active_seconds(self) -> int:
        return whole_seconds(self.active_time_seconds)

    @property
    def compute_seconds(self) -> int:
        return whole_seconds(self.compute_time_seconds)


def whole_seconds(seconds: float) -> int:
    """Seconds as Neon reports them (whole), with the tolerance quotas are checked with.

    Summed float intervals land a hair below a whole second (599.9999998 for 600 s active):
    truncated, the counters would show 599 against a quota of 600 that has already suspended
    the computes, and a controller comparing the two would see no reason for the suspension.
    """
    return math.floor(seconds + _EPSILON)


def _overlap(interval: ActivityInterval, start: float, end: float) -> float:
    finish = end if interval.end is None else min(interval.end, end)
    return max(0.0, finish - max(interval.start, start))


def _in_window(event: UsageEvent, start: float, end: float, include_end: bool) -> bool:
    return start <= event.at < end or (include_end and event.at == end)


def usage_between(
    project: ProjectRecord,
    start: float,
    end: float,
    *,
    include_end: bool = True,
    branch_id: str | None = None,
) -> Usage:
    """Usage in [start, end] (or [start, end) for history timeframes), for one branch or all."""
    intervals = [i for i in project.intervals if branch_id in (None, i.branch_id)]
    events = [
        e
        for e in project.events
        if branch_id in (None, e.branch_id) and _in_window(e, start, end, include_end)
    ]

    def added(metric: str) -> int:
        return sum(e.amount for e in events if e.metric == metric)

    return Usage(
        active_time_seconds=sum(_overlap(i, start, end) for i in intervals)
        + added("active_time_seconds"),
        compute_time_seconds=sum(_overlap(i, start, end) * i.cu for i in intervals)
        + added("compute_time_seconds"),
        written_data_bytes=added("written_data_bytes"),
        data_transfer_bytes=added("data_transfer_bytes"),
        data_storage_byte_seconds=storage_integral(project, start, end, branch_id),
    )


def period_usage(project: ProjectRecord, now: float, branch_id: str | None = None) -> Usage:
    """Usage in the billing period (calendar month, UTC) holding `now`, up to `now`."""
    return usage_between(project, month_start(now), now, branch_id=branch_id)


def logical_size(project: ProjectRecord, at: float, branch_id: str | None = None) -> int:
    """Logical data size at `at` (bytes), of one branch or summed over all branches."""
    return sum(
        e.amount
        for e in project.events
        if e.metric == "logical_size_bytes" and e.at <= at and branch_id in (None, e.branch_id)
    )


def storage_integral(
    project: ProjectRecord, start: float, end: float, branch_id: str | None = None
) -> float:
    """Byte-seconds of logical size over [start, end] (size is a step function of events)."""
    steps = sorted(
        (e.at, e.amount)
        for e in project.events
        if e.metric == "logical_size_bytes" and branch_id in (None, e.branch_id) and e.at < end
    )
    total, size, cursor = 0.0, 0, start
    for at, amount in steps:
        if at > cursor:
            total += size * (at - cursor)
            cursor = at
        size += amount
    return total + size * max(0.0, end - cursor)


def byte_hours(byte_seconds: float) -> int:
    return int(byte_seconds // HOUR)


def exceeded_quotas(project: ProjectRecord, now: float) -> list[str]:
    """The suspending quotas the project has reached in the current period (0 = unlimited)."""
    limits = project.quota()
    if not any(name in limits for name in SUSPENDING_QUOTAS):
        return []
    used = period_usage(project, now)
    return [
        name
        for name in SUSPENDING_QUOTAS
        if name in limits and used.get(name) >= limits[name] - _EPSILON
    ]


def writes_blocked_branches(project: ProjectRecord, now: float) -> list[str]:
    """Branches whose logical size reached `logical_size_bytes`: they refuse writes only."""
    limit = project.quota().get("logical_size_bytes")
    if not limit:
        return []
    return [b.id for b in project.branches if logical_size(project, now, b.id) >= limit]


def next_quota_crossing(project: ProjectRecord, now: float) -> float | None:
    """When active computes will reach a time quota, if it happens within this period."""
    limits = project.quota()
    open_intervals = [i for i in project.intervals if i.end is None]
    if not open_intervals or not any(name in limits for name in _TIME_QUOTAS):
        return None
    used = period_usage(project, now)
    rates = {
        "active_time_seconds": float(len(open_intervals)),
        "compute_time_seconds": sum(i.cu for i in open_intervals),
    }
    crossings = [
        now + max(0.0, limits[name] - used.get(name)) / rates[name]
        for name in _TIME_QUOTAS
        if name in limits and rates[name] > 0
    ]
    earliest = min(crossings, default=None)
    if earliest is None or earliest >= next_month_start(now):
        return None
    return earliest


# --- v2 billing metrics (`/consumption_history/v2/*`) --------------------------------------------

V2_METRICS = (
    "compute_unit_seconds",
    "root_branch_bytes_month",
    "child_branch_bytes_month",
    "instant_restore_bytes_month",
    "public_network_transfer_bytes",
    "private_network_transfer_bytes",
    "extra_branches_month",
    "snapshot_storage_bytes_month",
)
BRANCH_METRICS = V2_METRICS[:6]  # what `/consumption_history/v2/branches` supports
INCLUDED_BRANCHES = 25  # branches per project a Scale plan includes [D-plans]; more are extra


def _month_seconds(start: float) -> float:
    return next_month_start(start) - month_start(start)


def _restore_byte_seconds(
    project: ProjectRecord, start: float, end: float, branch_id: str | None
) -> float:
    """History kept for instant restore: each write stays for `history_retention_seconds`."""
    keep = project.history_retention_seconds
    return sum(
        e.amount * max(0.0, min(end, e.at + keep) - max(start, e.at))
        for e in project.events
        if e.metric == "written_data_bytes" and branch_id in (None, e.branch_id)
    )


def _extra_branch_seconds(project: ProjectRecord, start: float, end: float) -> float:
    """Seconds x branches beyond the included ones, while each branch existed."""
    births = sorted(max(b.created_at, start) for b in project.branches if b.created_at < end)
    return sum(end - born for born in births[INCLUDED_BRANCHES:])


def _storage(
    project: ProjectRecord, branches: list[BranchRecord], start: float, end: float
) -> float:
    return sum(storage_integral(project, start, end, b.id) for b in branches)


def billing_metrics(
    project: ProjectRecord,
    start: float,
    end: float,
    *,
    include_end: bool = False,
    branch_id: str | None = None,
) -> dict[str, int]:
    """Every v2 metric over [start, end), of the project or of one branch (docs/emulator.md
    gives each derivation). Byte-months divide byte-seconds by the length of the month."""
    used = usage_between(project, start, end, include_end=include_end, branch_id=branch_id)
    month = _month_seconds(start)
    branches = [b for b in project.branches if branch_id in (None, b.id)]
    roots = [b for b in branches if b.parent_id is None]
    children = [b for b in branches if b.parent_id is not None]
    extra = 0.0 if branch_id is not None else _extra_branch_seconds(project, start, end)
    return {
        "compute_unit_seconds": used.compute_seconds,
        "root_branch_bytes_month": round(_storage(project, roots, start, end) / month),
        "child_branch_bytes_month": round(_storage(project, children, start, end) / month),
        "instant_restore_bytes_month": round(
            _restore_byte_seconds(project, start, end, branch_id) / month
        ),
        "public_network_transfer_bytes": used.data_transfer_bytes,
        "private_network_transfer_bytes": 0,  # no private networking is emulated
        "extra_branches_month": round(extra / month),
        "snapshot_storage_bytes_month": 0,  # no snapshots are emulated
    }
