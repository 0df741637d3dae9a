"""Daily consumption history: Neon's answer as days, series for charts, baseline, crossing day."""

from __future__ import annotations

from datetime import date

from controller.neon.models import ProjectConsumptionHistory
from controller.usage.history import (
    daily_usage,
    period_days,
    reached_on,
    series,
    storage_baseline,
)
from controller.usage.metrics import BY_NAME
from controller.usage.projection import BillingPeriod
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
    assert daily_usage(answer) == (
        DailyUsage(day=date(2025, 5, 31), values={"storage": GiB // 2}),
        DailyUsage(day=date(2025, 6, 1), values={"compute_time": 900, "written_data": 10}),
        DailyUsage(day=date(2025, 6, 2), values={"active_time": 7200, "storage": GiB}),
    )


HISTORY = History(
    available=True,
    days=(
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
