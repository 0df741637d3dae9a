"""Daily consumption history: Neon's answers (legacy and v2) as days, series for charts,
baseline, crossing day, and the trailing days a projection early in a period uses."""

from __future__ import annotations

from datetime import UTC, date, datetime

from controller.neon.models import ProjectConsumptionHistory, ProjectConsumptionV2
from controller.usage.frames import days_of, legacy_frames, v2_frames
from controller.usage.history import (
    period_days,
    reached_on,
    series,
    storage_baseline,
    trailing,
)
from controller.usage.metrics import BY_NAME
from controller.usage.projection import BillingPeriod, Trailing
from controller.usage.readings import DailyUsage, History
from tests.usage.builders import HOUR, JULY_1, JUNE_1, GiB

JUNE = BillingPeriod(JUNE_1, JULY_1)


def frame(day: str, **values: int) -> dict[str, object]:
    return {"timeframe_start": f"{day}T00:00:00Z", "timeframe_end": f"{day}T23:59:59Z", **values}


def test_neons_periods_and_timeframes_become_days_in_date_order() -> None:
    answer = ProjectConsumptionHistory.model_validate(
        {
            "project_id": "quiet-field-12345678",
            "periods": [
                {
                    "period_id": "june",
                    "period_start": "2025-06-01T00:00:00Z",
                    "consumption": [
                        frame("2025-06-02", active_time_seconds=7200, logical_size_bytes=GiB),
                        frame("2025-06-01", written_data_bytes=10, compute_time_seconds=900),
                    ],
                },
                {
                    "period_id": "may",
                    "period_start": "2025-05-01T00:00:00Z",
                    "period_end": "2025-06-01T00:00:00Z",
                    "consumption": [frame("2025-05-31", logical_size_bytes=GiB // 2)],
                },
            ],
        }
    )
    assert days_of(legacy_frames(answer)) == (
        DailyUsage(day=date(2025, 5, 31), values={"storage": GiB // 2}),
        DailyUsage(day=date(2025, 6, 1), values={"compute_time": 900, "written_data": 10}),
        DailyUsage(day=date(2025, 6, 2), values={"active_time": 7200, "storage": GiB}),
    )


def test_a_v2_answer_gives_billing_metrics_and_the_limited_metrics_v2_measures() -> None:
    answer = ProjectConsumptionV2.model_validate(
        {
            "project_id": "quiet-field-12345678",
            "periods": [
                {
                    "period_id": "00000000-0000-0000-0000-000000000000",
                    "period_plan": "scale_v3",
                    "period_start": "2025-06-01T00:00:00Z",
                    "consumption": [
                        {
                            "timeframe_start": "2025-06-02T00:00:00Z",
                            "timeframe_end": "2025-06-03T00:00:00Z",
                            "metrics": [
                                {"metric_name": "compute_unit_seconds", "value": 900},
                                {"metric_name": "public_network_transfer_bytes", "value": 5},
                                {"metric_name": "root_branch_bytes_month", "value": 7},
                            ],
                        }
                    ],
                }
            ],
        }
    )
    (day,) = days_of(v2_frames(answer))
    assert day.day == date(2025, 6, 2)
    assert dict(day.values) == {
        "compute_unit_seconds": 900,
        "public_network_transfer_bytes": 5,
        "root_branch_bytes_month": 7,
        "compute_time": 900,
        "data_transfer": 5,
    }
    v2 = History(available=True, days=(day,), source="v2")
    days = [date(2025, 6, 2)]
    assert series(v2, BY_NAME["data_transfer"], days) == [5]  # legacy history has no transfer
    assert series(v2, BY_NAME["written_data"], days) == [None]  # v2 has no written data
    assert series(v2, BY_NAME["storage"], days) == [None]


HISTORY = History(
    available=True,
    since=date(2025, 5, 24),
    days=(
        DailyUsage(day=date(2025, 5, 28), values={"storage": 3 * GiB, "active_time": 1}),
        DailyUsage(day=date(2025, 5, 31), values={"storage": 4 * GiB, "active_time": 99}),
        DailyUsage(day=date(2025, 6, 1), values={"active_time": 10 * HOUR, "storage": 4 * GiB}),
        DailyUsage(day=date(2025, 6, 3), values={"active_time": 30 * HOUR, "storage": 6 * GiB}),
    ),
)
FIRST_THREE = [date(2025, 6, 1), date(2025, 6, 2), date(2025, 6, 3)]


def test_period_days_run_from_the_first_day_to_the_last_day_asked_within_the_period() -> None:
    assert period_days(JUNE, date(2025, 6, 3)) == FIRST_THREE
    assert len(period_days(JUNE, date(2025, 8, 1))) == 30


def test_a_missing_day_counts_zero_when_cumulative_and_unknown_for_storage() -> None:
    assert series(HISTORY, BY_NAME["active_time"], FIRST_THREE) == [10 * HOUR, 0, 30 * HOUR]
    assert series(HISTORY, BY_NAME["storage"], FIRST_THREE) == [4 * GiB, None, 6 * GiB]


def test_metrics_without_history_have_no_values() -> None:
    assert series(HISTORY, BY_NAME["data_transfer"], FIRST_THREE) == [None, None, None]
    unavailable = History(available=False, note="403")
    assert series(unavailable, BY_NAME["active_time"], FIRST_THREE) == [None, None, None]


def test_storage_baseline_is_the_size_the_day_before_the_period_or_zero_if_created_in_it() -> None:
    assert storage_baseline(HISTORY, JUNE, created_in_period=False) == 4 * GiB
    assert storage_baseline(HISTORY, JUNE, created_in_period=True) == 0
    assert storage_baseline(History(available=True), JUNE, created_in_period=False) is None
    assert storage_baseline(History(available=False), JUNE, created_in_period=False) is None


def test_the_crossing_day_sums_the_period_days_and_ignores_the_day_before() -> None:
    active = BY_NAME["active_time"]
    assert reached_on(HISTORY, active, 10 * HOUR, JUNE) == date(2025, 6, 1)
    assert reached_on(HISTORY, active, 40 * HOUR, JUNE) == date(2025, 6, 3)
    assert reached_on(HISTORY, active, 40 * HOUR + 1, JUNE) is None
    assert reached_on(HISTORY, BY_NAME["storage"], 5 * GiB, JUNE) == date(2025, 6, 3)
    assert reached_on(History(available=False), active, 1, JUNE) is None


def test_the_trailing_days_are_the_whole_days_before_the_window_the_project_lived() -> None:
    active, storage = BY_NAME["active_time"], BY_NAME["storage"]
    # A week before June 1 (May 25-31), missing days counting zero: 1 + 99.
    assert trailing(HISTORY, active, JUNE_1, created_at=None) == Trailing(growth=100, days=7)
    # Created on May 30: only May 31 is a whole day it lived.
    may_30 = datetime(2025, 5, 30, 15, tzinfo=UTC)
    assert trailing(HISTORY, active, JUNE_1, created_at=may_30) == Trailing(growth=99, days=1)
    # Created this morning: no day before the window.
    assert trailing(HISTORY, active, JUNE_1, created_at=JUNE_1) is None
    # Storage grows from a known size (May 28's) to the size on May 31; none known: no rate.
    assert trailing(HISTORY, storage, JUNE_1, created_at=None) == Trailing(growth=GiB, days=3)
    assert trailing(HISTORY, storage, JUNE_1, created_at=may_30) is None
    # Nothing read before the window, or no history at all.
    late = HISTORY.model_copy(update={"since": date(2025, 6, 1)})
    assert trailing(late, active, JUNE_1, created_at=None) is None
    assert trailing(History(available=False), active, JUNE_1, created_at=None) is None
