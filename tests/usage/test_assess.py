"""Assessment: statuses at their exact thresholds, notes, and when an upgrade is suggested."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest

from controller.reconcile.changeplan import PROJECT_TARGET, FieldChange
from controller.reconcile.observed import ObservedUsage
from controller.reconcile.usage_flags import lowered_limit_warnings
from controller.usage.assess import Status, assess_tenant, metric_status
from controller.usage.metrics import COMPUTES_SUSPENDED, METRICS, WRITES_BLOCKED
from controller.usage.projection import BillingPeriod
from controller.usage.readings import TenantReading
from controller.usage.upgrade import UpgradePath
from tests.usage.builders import (
    GB,
    HOUR,
    JULY_1,
    JUNE_1,
    GiB,
    june,
    plan,
    plans,
    reading,
    tenant,
    tenant_reading,
)

WARN_80 = Fraction(80)
DAY = timedelta(days=1)
FREE = plan("free", compute_time=100 * HOUR, written_data=2 * GiB, storage=GiB // 2)
PRO = plan("pro", compute_time=300 * HOUR, active_time=750 * HOUR, written_data=20 * GiB)
ENTERPRISE = plan("enterprise", written_data=500 * GiB)
PLANS = plans(FREE, PRO, ENTERPRISE)


@pytest.mark.parametrize(
    ("used", "limit", "warn_at", "expected"),
    [
        (7999, 10_000, WARN_80, Status.OK),
        (8000, 10_000, WARN_80, Status.WARNING),
        (9999, 10_000, WARN_80, Status.WARNING),
        (10_000, 10_000, WARN_80, Status.EXCEEDED),
        (12_000, 10_000, WARN_80, Status.EXCEEDED),
        (8249, 10_000, Fraction("82.5"), Status.OK),
        (8250, 10_000, Fraction("82.5"), Status.WARNING),
        (10_000, 10_000, Fraction(100), Status.EXCEEDED),
        (9999, 10_000, Fraction(100), Status.OK),
        (10**9, None, WARN_80, Status.UNLIMITED),
        (10**9, 0, WARN_80, Status.UNLIMITED),  # 0 is Neon's "no limit"
    ],
)
def test_status_thresholds_are_exact(
    used: int, limit: int | None, warn_at: Fraction, expected: Status
) -> None:
    assert metric_status(used, limit, warn_at) is expected


@pytest.mark.parametrize(
    ("used", "limit", "enforced", "expected"),
    [
        (5000, 10_000, 5000, Status.EXCEEDED),  # Neon still enforces a lower quota
        (4999, 10_000, 5000, Status.OK),
        (5000, None, 5000, Status.EXCEEDED),  # the fleet lifted the cap; apply has not run
        (12_000, 10_000, 20_000, Status.EXCEEDED),  # the fleet lowered it: apply will enforce
    ],
)
def test_a_quota_neon_still_enforces_counts_until_apply_runs(
    used: int, limit: int | None, enforced: int, expected: Status
) -> None:
    assert metric_status(used, limit, WARN_80, enforced) is expected


def test_a_tenant_suspended_by_neons_older_quota_is_exceeded_and_alerts() -> None:
    # The fleet raised compute time to 300 h, but Neon still enforces 100 h: at 150 h Neon has
    # suspended the computes, so the tenant alerts although it uses half of its new limit.
    found = reading(
        at=june(16),
        used={"compute_time": 150 * HOUR},
        quota={"compute_time": 100 * HOUR},
        days={
            date(2025, 6, 3): {"compute_time": 60 * HOUR},
            date(2025, 6, 7): {"compute_time": 90 * HOUR},
        },
    )
    usage = assess_tenant(
        tenant("acme", "pro", compute_time=300 * HOUR),
        tenant_reading("acme", found),
        PLANS,
        WARN_80,
    )
    compute = next(m for m in usage.metrics if m.metric.name == "compute_time")
    assert (usage.status, usage.alerting) == (Status.EXCEEDED, True)
    assert (compute.percent, compute.status, compute.reached_on) == (
        Fraction(50),
        Status.EXCEEDED,
        date(2025, 6, 7),  # the day Neon's 100 h were reached
    )
    assert usage.notes[0].startswith(
        "Neon enforces other limits than the fleet: limits.compute_time 100h in Neon, 300h in "
        "the fleet; "
    )


def test_a_tenant_at_85_percent_gets_its_numbers_projection_and_upgrade_exactly() -> None:
    pro_tenant = tenant("acme", "pro", compute_time=300 * HOUR, active_time=750 * HOUR)
    found = reading(
        at=june(18),
        used={"compute_time": 255 * HOUR, "active_time": 300 * HOUR},
        quota={"compute_time": 300 * HOUR, "active_time": 750 * HOUR},
    )
    usage = assess_tenant(pro_tenant, tenant_reading("acme", found), PLANS, WARN_80)
    assert usage.status is Status.WARNING
    assert usage.period == BillingPeriod(JUNE_1, JULY_1)
    by_name = {m.metric.name: m for m in usage.metrics}
    compute = by_name["compute_time"]
    assert (compute.percent, compute.status) == (Fraction(85), Status.WARNING)
    assert compute.projection is not None
    assert compute.projection.reaches_at == june(21)
    assert compute.projection.within_period is True
    assert compute.projected == 450 * HOUR
    active = by_name["active_time"]
    assert (active.percent, active.status) == (Fraction(40), Status.OK)
    # 450 h of compute time fits no capped plan; 300 h active * 30/17 fits enterprise too.
    assert usage.upgrade == UpgradePath("enterprise")
    assert usage.notes == ()


def test_a_tenant_below_warn_at_gets_no_upgrade_suggestion() -> None:
    found = reading(at=june(16), used={"compute_time": 150 * HOUR})
    usage = assess_tenant(
        tenant("acme", "pro", compute_time=300 * HOUR),
        tenant_reading("acme", found),
        PLANS,
        WARN_80,
    )
    assert (usage.status, usage.upgrade) == (Status.OK, None)


def test_over_a_limit_is_exceeded_with_the_day_it_was_crossed_and_what_neon_did() -> None:
    found = reading(
        at=june(16),
        used={"written_data": 3 * GiB, "storage": GiB},
        days={
            date(2025, 6, 4): {"written_data": GiB, "storage": GiB // 4},
            date(2025, 6, 9): {"written_data": 2 * GiB, "storage": GiB},
        },
        created_at=june(1),
    )
    free_tenant = tenant("acme", "free", written_data=2 * GiB, storage=GiB // 2)
    usage = assess_tenant(free_tenant, tenant_reading("acme", found), PLANS, WARN_80)
    assert usage.status is Status.EXCEEDED
    by_name = {m.metric.name: m for m in usage.metrics}
    written, storage = by_name["written_data"], by_name["storage"]
    assert (written.status, written.reached_on, written.metric.effect) == (
        Status.EXCEEDED,
        date(2025, 6, 9),
        COMPUTES_SUSPENDED,
    )
    assert (storage.status, storage.reached_on, storage.metric.effect) == (
        Status.EXCEEDED,
        date(2025, 6, 9),
        WRITES_BLOCKED,
    )
    # 3 GiB written in 15 days is 6 GiB by July 1; storage grows from 0 (created June 1) to
    # 2 GiB: pro caps written data at 20 GiB and storage not at all.
    assert (written.projected, storage.projected) == (6 * GiB, 2 * GiB)
    assert usage.upgrade == UpgradePath("pro")


def test_storage_without_history_is_not_projected_and_the_upgrade_uses_its_size() -> None:
    found = reading(at=june(16), used={"storage": 450 * 1024**2}, history=False)
    usage = assess_tenant(
        tenant("acme", "free", storage=GiB // 2), tenant_reading("acme", found), PLANS, WARN_80
    )
    storage = next(m for m in usage.metrics if m.metric.name == "storage")
    assert (storage.status, storage.projection, storage.projected) == (
        Status.WARNING,
        None,
        450 * 1024**2,
    )
    assert usage.upgrade == UpgradePath("free", is_current=True)
    assert usage.history is not None
    assert usage.history.available is False


def test_notes_say_when_neon_enforces_other_limits_and_when_the_period_is_assumed() -> None:
    found = reading(
        at=june(16),
        quota={"compute_time": 100 * HOUR},
        period=None,
    )
    usage = assess_tenant(
        tenant("acme", "pro", compute_time=300 * HOUR, storage=GiB),
        tenant_reading("acme", found),
        PLANS,
        WARN_80,
    )
    assert usage.period == BillingPeriod(JUNE_1, JULY_1, assumed=True)
    assert usage.notes == (
        "Neon reports no billing period yet; the calendar month (UTC) is assumed",
        "Neon enforces other limits than the fleet: limits.compute_time 100h in Neon, 300h in "
        "the fleet; limits.storage unlimited in Neon, 1GiB in the fleet; "
        "`tenantctl plan` shows the change and `tenantctl apply` makes it",
    )


def test_tenants_without_a_reading_are_no_project_or_unknown() -> None:
    missing = assess_tenant(tenant("acme", "pro"), tenant_reading("acme"), PLANS, WARN_80)
    assert (missing.status, missing.alerting, missing.metrics) == (Status.NO_PROJECT, False, ())
    conflict = TenantReading(tenant_id="acme", problem="2 projects are named 'acme'")
    unknown = assess_tenant(tenant("acme", "pro"), conflict, PLANS, WARN_80)
    assert (unknown.status, unknown.notes) == (Status.UNKNOWN, ("2 projects are named 'acme'",))


def test_every_metric_is_assessed_in_the_documented_order() -> None:
    usage = assess_tenant(
        tenant("acme", "pro"), tenant_reading("acme", reading(at=june(2))), PLANS, WARN_80
    )
    assert [m.metric.label for m in usage.metrics] == [
        "active time",
        "compute time",
        "written data",
        "data transfer",
        "storage",
    ]
    assert all(m.status is Status.UNLIMITED for m in usage.metrics)


def test_what_neon_does_at_a_limit_agrees_with_the_change_plan_warning() -> None:
    usage = ObservedUsage(**{m.quota_key: 10 * GB for m in METRICS})
    for metric in METRICS:
        change = FieldChange(target=PROJECT_TARGET, field=f"limits.{metric.name}", old=0, new=GB)
        (warning,) = lowered_limit_warnings([change], usage)
        planned = "blocks writes" if metric.effect == WRITES_BLOCKED else "suspends computes"
        assert planned in warning
        assert metric.effect.split()[0] in warning  # "computes" / "writes"


def test_early_in_the_period_the_upgrade_rests_on_the_use_so_far_not_a_few_hours_rate() -> None:
    # 1.7 GiB written in the first 2 hours of June: a linear rate says 612 GiB by July 1,
    # beyond every plan's cap ("no plan fits"); the use so far fits Free's 2 GiB. No history
    # of the days before June was read.
    early = reading(
        at=june(1, 2),
        used={"written_data": 17 * GiB // 10},
        created_at=JUNE_1 - 90 * DAY,
        since=JUNE_1.date(),
    )
    usage = assess_tenant(
        tenant("acme", "free", written_data=2 * GiB), tenant_reading("acme", early), PLANS, WARN_80
    )
    written = next(m for m in usage.metrics if m.metric.name == "written_data")
    assert (written.status, written.too_early, written.projected) == (
        Status.WARNING,
        True,
        17 * GiB // 10,
    )
    assert usage.upgrade == UpgradePath(plan="free", is_current=True, too_early=True)
    # With a week of history before the period, its rate is used instead (1 GiB a day here).
    days = {date(2025, 5, 25 + n): {"written_data": GiB} for n in range(7)}
    trailed = reading(
        at=june(1, 2),
        used={"written_data": 17 * GiB // 10},
        created_at=JUNE_1 - 90 * DAY,
        days=days,
        since=date(2025, 5, 24),
    )
    usage = assess_tenant(
        tenant("acme", "free", written_data=2 * GiB),
        tenant_reading("acme", trailed),
        PLANS,
        WARN_80,
    )
    written = next(m for m in usage.metrics if m.metric.name == "written_data")
    assert written.projection is not None
    assert (written.too_early, written.projection.trailing_days) == (False, 7)
    assert usage.upgrade == UpgradePath(plan="enterprise")  # about 30 GiB by July 1
