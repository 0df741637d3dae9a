"""Projection maths: use at period end and the date a limit is reached, exactly right."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from controller.usage.projection import (
    HORIZON,
    MIN_MEASURED,
    BillingPeriod,
    Projection,
    Trailing,
    Window,
    billing_period,
    calendar_month,
    measuring_window,
    project,
)
from tests.usage.builders import HOUR, JULY_1, JUNE_1, GiB, june

JUNE = BillingPeriod(JUNE_1, JULY_1)


def window_at(now: datetime, created_at: datetime | None = None) -> Window:
    return measuring_window(JUNE, created_at, now)


def test_half_used_halfway_reaches_the_limit_exactly_at_period_end_so_not_within() -> None:
    # 375 h of 750 h after 15 of 30 days: 25 h a day, 750 h at the end, the limit at July 1.
    projection = project(375 * HOUR, 0, 750 * HOUR, window_at(june(16)))
    assert projection == Projection(
        at_period_end=750 * HOUR, reaches_at=JULY_1, within_period=False
    )


def test_85_percent_after_17_days_reaches_the_limit_3_days_later() -> None:
    # 255 h of 300 h after 17 days: 15 h a day, 45 h left = 3 days; 450 h by July 1.
    projection = project(255 * HOUR, 0, 300 * HOUR, window_at(june(18)))
    assert projection == Projection(
        at_period_end=450 * HOUR, reaches_at=june(21), within_period=True
    )


def test_a_limit_already_reached_has_no_date_but_a_period_end_use() -> None:
    projection = project(3 * GiB, 0, 2 * GiB, window_at(june(16)))
    assert projection == Projection(at_period_end=6 * GiB)


def test_without_a_limit_only_the_period_end_use_is_projected() -> None:
    assert project(10 * HOUR, 0, None, window_at(june(11))) == Projection(at_period_end=30 * HOUR)


def test_a_project_created_during_the_period_is_measured_from_its_creation() -> None:
    # Created June 11: 50 h in 5 days is 10 h a day, so 50 + 15 * 10 = 200 h by July 1.
    window = window_at(june(16), created_at=june(11))
    assert window.since == june(11)
    projection = project(50 * HOUR, 0, 100 * HOUR, window)
    assert projection == Projection(
        at_period_end=200 * HOUR, reaches_at=june(21), within_period=True
    )


def test_storage_grows_from_its_baseline_and_can_cross_after_the_period() -> None:
    # 4 GiB when June began, 5 GiB on June 16: 1 GiB per 15 days; 8 GiB is 45 days away.
    projection = project(5 * GiB, 4 * GiB, 8 * GiB, window_at(june(16)))
    assert projection == Projection(
        at_period_end=6 * GiB,
        reaches_at=june(16) + timedelta(days=45),
        within_period=False,
    )


def test_no_growth_means_no_date_and_no_change() -> None:
    assert project(5 * GiB, 5 * GiB, 8 * GiB, window_at(june(16))) == Projection(5 * GiB)
    assert project(0, 0, 8 * GiB, window_at(june(16))) == Projection(0)


def test_nothing_is_extrapolated_from_an_empty_window() -> None:
    assert project(100, 0, 1000, window_at(JUNE_1)) == Projection(100, too_early=True)


def test_a_few_hours_into_the_period_it_is_too_early_to_project() -> None:
    # 3 GB in the first 3 hours would be 720 GB by July 1: that says nothing about a month.
    early = project(3 * GiB, 0, 10 * GiB, window_at(june(1, 3)))
    assert early == Projection(at_period_end=3 * GiB, too_early=True)
    # A project created 3 hours ago, late in the month, likewise.
    young = project(3 * GiB, 0, 10 * GiB, window_at(june(20, 3), created_at=june(20)))
    assert young.too_early
    # From a whole day measured on, the window's own rate is used.
    day = window_at(JUNE_1 + MIN_MEASURED)
    assert project(GiB, 0, None, day) == Projection(at_period_end=30 * GiB)


def test_early_in_the_period_the_trailing_days_of_history_give_the_rate() -> None:
    # 1 GiB in the 6 hours of June 1, 27 GiB in the 7 days before: 28 GiB in 7.25 days, about
    # 3.86 GiB a day, for the 29.75 days left; the 9 GiB left under 10 GiB take 2.33 days.
    window = window_at(june(1, 6))
    projection = project(GiB, 0, 10 * GiB, window, Trailing(growth=27 * GiB, days=7))
    assert (projection.trailing_days, projection.too_early) == (7, False)
    assert projection.at_period_end == math.ceil(GiB + Fraction(28 * GiB * 119, 29))
    seconds = math.ceil(Fraction(9 * 29 * 86_400, 4 * 28))
    assert projection.reaches_at == june(1, 6) + timedelta(seconds=seconds)
    assert projection.within_period is True


def test_a_reading_after_the_period_ended_describes_the_whole_period() -> None:
    window = window_at(JULY_1 + timedelta(hours=2))
    assert (window.now, window.elapsed, window.remaining) == (JULY_1, 30 * 86_400 * 10**6, 0)
    assert project(600, 0, 1000, window) == Projection(600, JULY_1 + timedelta(days=20), False)


def test_a_limit_beyond_the_horizon_is_not_reached_at_this_rate() -> None:
    # 1 byte a day against a 1 TB limit: millions of years away (and past datetime's range).
    projection = project(1, 0, 10**12, window_at(june(2)))
    assert projection == Projection(at_period_end=30, reaches_at=None, within_period=False)
    just_inside = project(1, 0, 3650, window_at(june(2)))
    assert just_inside.reaches_at == june(2) + timedelta(days=3649)


def test_the_period_is_neons_or_else_the_calendar_month() -> None:
    assert billing_period(JUNE_1, JULY_1, june(3)) == JUNE
    assumed = billing_period(None, None, june(3, 5))
    assert assumed == BillingPeriod(JUNE_1, JULY_1, assumed=True)
    assert billing_period(JULY_1, JUNE_1, june(3)) == assumed  # a nonsensical period
    december = calendar_month(datetime(2025, 12, 31, 23, tzinfo=UTC))
    assert (december.start, december.end) == (
        datetime(2025, 12, 1, tzinfo=UTC),
        datetime(2026, 1, 1, tzinfo=UTC),
    )


# -- properties over whole-second windows ------------------------------------------------------

SECONDS_IN_JUNE = 30 * 86_400


@st.composite
def cases(draw: st.DrawFn) -> tuple[int, int, int, Window]:
    elapsed = draw(st.integers(min_value=86_400, max_value=SECONDS_IN_JUNE))
    now = JUNE_1 + timedelta(seconds=elapsed)
    growth = draw(st.integers(min_value=1, max_value=10**12))
    baseline = draw(st.integers(min_value=0, max_value=10**12))
    limit = draw(st.integers(min_value=1, max_value=10**13))
    return baseline + growth, baseline, limit, window_at(now)


@given(cases())
def test_projected_use_at_period_end_is_the_linear_rate_rounded_up(
    case: tuple[int, int, int, Window],
) -> None:
    used, baseline, limit, window = case
    projection = project(used, baseline, limit, window)
    exact = used + Fraction((used - baseline) * window.remaining, window.elapsed)
    assert projection.at_period_end - 1 < exact <= projection.at_period_end
    assert projection.at_period_end >= used


@given(cases())
def test_the_limit_date_is_the_first_whole_second_at_or_after_the_crossing(
    case: tuple[int, int, int, Window],
) -> None:
    used, baseline, limit, window = case
    projection = project(used, baseline, limit, window)
    if used >= limit:
        assert projection.reaches_at is None
        return
    rate = Fraction(used - baseline, window.elapsed // 10**6)  # per second
    if projection.reaches_at is None:  # beyond the horizon: still below the limit there
        assert projection.within_period is False
        assert used + rate * int(HORIZON.total_seconds()) < limit
        return

    def at(moment: datetime) -> Fraction:
        return used + rate * int((moment - window.now).total_seconds())

    assert at(projection.reaches_at) >= limit
    assert at(projection.reaches_at - timedelta(seconds=1)) < limit
    assert projection.within_period == (projection.reaches_at < JULY_1)
    if projection.within_period:
        assert projection.at_period_end >= limit


@given(st.integers(min_value=0, max_value=86_399), st.integers(min_value=0, max_value=10**12))
def test_less_than_a_day_measured_without_trailing_days_is_always_too_early(
    seconds: int, used: int
) -> None:
    projection = project(used, 0, 10**12, window_at(JUNE_1 + timedelta(seconds=seconds)))
    assert projection == Projection(at_period_end=used, too_early=True)
