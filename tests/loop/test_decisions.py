"""The loop's rules: full plan or idle cycle, readiness, and which events a change sends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from controller.loop.decisions import (
    FullDecision,
    decide_full,
    readiness,
    tenant_events,
    usage_crossings,
)
from controller.loop.records import (
    CycleOutcome,
    FleetError,
    MetricUse,
    TenantRecord,
    TenantUse,
    UsageSnapshot,
)

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def decide(**changes: object) -> FullDecision:
    values: dict[str, object] = {
        "now": T0,
        "digest": "d1",
        "applied_digest": "d1",
        "last_full_at": T0 - timedelta(minutes=10),
        "last_cycle_ok": True,
        "full_refresh_every": HOUR,
    }
    values.update(changes)
    return decide_full(**values)  # type: ignore[arg-type]


def test_an_unchanged_desired_state_within_the_refresh_period_is_an_idle_cycle() -> None:
    assert decide() == FullDecision(False, "idle")


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"applied_digest": None, "last_full_at": None}, "first_cycle"),
        ({"digest": "d2"}, "desired_changed"),
        ({"last_cycle_ok": False}, "last_cycle_failed"),
        ({"last_full_at": T0 - HOUR}, "refresh_due"),
    ],
)
def test_a_full_plan_is_made_when(changes: dict[str, object], reason: str) -> None:
    assert decide(**changes) == FullDecision(True, reason)


def ready_at(now: datetime, **changes: object) -> tuple[bool, str]:
    values: dict[str, object] = {
        "now": now,
        "interval": timedelta(minutes=5),
        "last_outcome": CycleOutcome.SUCCESS,
        "last_finished_at": T0,
        "last_error": None,
    }
    values.update(changes)
    result = readiness(**values)  # type: ignore[arg-type]
    return result.ready, result.reason


def test_ready_when_the_last_cycle_succeeded_within_three_intervals() -> None:
    assert ready_at(T0 + timedelta(minutes=15)) == (True, "the last cycle succeeded 900 s ago")
    assert ready_at(T0 + timedelta(minutes=15, seconds=1)) == (
        False,
        "the last cycle finished 901 s ago, more than 3 intervals (900 s)",
    )


def test_not_ready_before_the_first_cycle_or_after_a_failed_one() -> None:
    assert ready_at(T0, last_outcome=None, last_finished_at=None) == (
        False,
        "no reconcile cycle has finished yet",
    )
    assert ready_at(T0, last_outcome=CycleOutcome.FAILED, last_error="Neon API: 503") == (
        False,
        "the last cycle ended failed: Neon API: 503",
    )


def test_not_ready_on_an_invalid_revision_says_where_the_errors_are() -> None:
    error = FleetError("tenants/a.yaml", 2, 8, "state: bad", "tenants/a.yaml:2:8: state: bad")
    ready, reason = ready_at(
        T0, last_outcome=CycleOutcome.INVALID_REVISION, invalid_errors=(error,)
    )
    assert not ready
    assert reason.endswith("(last good stays in force): tenants/a.yaml:2:8: state: bad")


def record(tenant: str, result: str, message: str = "") -> TenantRecord:
    return TenantRecord(tenant=tenant, result=result, kinds=("update",), message=message)


def test_a_failure_and_a_conflict_are_notified_when_they_start_and_when_they_end() -> None:
    first = {"a": record("a", "failed", "Neon API: 500"), "b": record("b", "conflict", "taken")}
    events = tenant_events({}, first, fleet="f", revision="r1")
    assert [(e.event, e.tenant) for e in events] == [("apply_failed", "a"), ("conflict", "b")]
    assert events[0].summary == "apply failed for tenant a: Neon API: 500"
    assert tenant_events(first, first, fleet="f", revision="r1") == []  # still failing: quiet
    settled = {"a": record("a", "applied"), "b": record("b", "in_sync")}
    events = tenant_events(first, settled, fleet="f", revision="r2")
    assert [(e.event, e.tenant) for e in events] == [
        ("apply_recovered", "a"),
        ("conflict_resolved", "b"),
    ]


def test_a_tenant_not_planned_this_cycle_keeps_its_state() -> None:
    previous = {"a": record("a", "failed")}
    assert tenant_events(previous, {}, fleet="f", revision="r") == []


def snapshot(**uses: tuple[str, float | None]) -> UsageSnapshot:
    """tenant=(status of its storage metric, ratio)."""
    return UsageSnapshot(
        read_at=T0,
        tenants={
            tenant: TenantUse(
                status=status,
                metrics={"storage": MetricUse(used=1, limit=1, ratio=ratio, status=status)},
            )
            for tenant, (status, ratio) in uses.items()
        },
    )


def test_a_usage_crossing_is_notified_once_and_its_recovery_once() -> None:
    levels, events = usage_crossings({}, snapshot(a=("warning", 0.85), b=("ok", 0.1)), fleet="f")
    assert [(e.event, e.tenant, e.metric) for e in events] == [("usage_warning", "a", "storage")]
    assert (
        events[0].summary == "tenant a is at its warning threshold for storage (85% of its limit)"
    )
    assert events[0].values == {"used": 1, "limit": 1, "ratio": 0.85, "level": "warning"}
    levels, events = usage_crossings(levels, snapshot(a=("warning", 0.9)), fleet="f")
    assert events == []  # the same crossing, next cycle: nothing
    levels, events = usage_crossings(levels, snapshot(a=("exceeded", 1.0)), fleet="f")
    assert [e.event for e in events] == ["usage_exceeded"]
    levels, events = usage_crossings(levels, snapshot(a=("ok", 0.01)), fleet="f")
    assert [e.event for e in events] == ["usage_recovered"]
    assert levels[("a", "storage")] == "ok"


def test_a_tenant_without_a_reading_keeps_its_level_and_sends_nothing() -> None:
    levels, _ = usage_crossings({}, snapshot(a=("exceeded", 1.2)), fleet="f")
    unread = UsageSnapshot(read_at=T0, tenants={"a": TenantUse(status="unknown")})
    again, events = usage_crossings(levels, unread, fleet="f")
    assert (again, events) == (levels, [])
