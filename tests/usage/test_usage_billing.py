"""Billing from v2 consumption over the emulator: the monthly export, history ranges and their
limits, and projections early in a period.

The fleet is applied to the emulator at midnight on June 1, 2025 (or May 20 for the trailing
days): each new compute then runs 5 minutes at 0.25 CU before it scales to zero, 75 CU-seconds.
Everything else is injected through the emulator's control API, so the expected figures are
worked out by hand below.
"""

from __future__ import annotations

import csv
import io
import json
import math
import stat
import uuid
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from controller.cli.common import EXIT_OK, EXIT_USAGE_ALERT, CommandError
from controller.usage.billing import BILLING_NAMES
from controller.usage.export import EXPORT_COLUMNS
from tests.support.fixtures_contract import TransportWrapper
from tests.support.fixtures_emulator import AppFactory
from tests.usage.conftest import LocalClock
from tests.usage.emulated import Emulated, EmulatorTime, emulated_fleet

GiB = 1024**3
JUNE_1 = datetime(2025, 6, 1, tzinfo=UTC)
CREATION_CU_SECONDS = 75  # a new compute: 300 s at 0.25 CU before it suspends


@pytest.fixture
def start_world(
    tmp_path: Path,
    emulator_app_factory: AppFactory,
    contract_transport: TransportWrapper,
    local_clock: LocalClock,
) -> Any:
    def build(start: datetime = JUNE_1) -> Emulated:
        time = EmulatorTime(start)
        emulator = emulator_app_factory(
            clock=time, monotonic=time, api_key=f"billing-{uuid.uuid4()}"
        )
        return emulated_fleet(tmp_path, emulator, contract_transport, local_clock)

    return build


def test_a_months_export_is_exactly_the_injected_consumption_and_its_totals_their_sum(
    start_world: Any, tmp_path: Path
) -> None:
    world: Emulated = start_world()
    world.advance_days(10)  # June 11, 00:00
    world.add("half", logical_size_bytes=3 * GiB)  # on the root branch, for the last 20 days
    world.add("close", data_transfer_bytes=8_500_000_000, written_data_bytes=30_000_000)
    world.add("over", compute_time_seconds=7200)
    world.advance_days(21)  # July 2: June is over
    target = tmp_path / "june.csv"
    before = world.stats()["requests"]
    code, out = world.usage(
        "--billing-export", str(target), "--period", "2025-06", "--format", "json"
    )
    assert code == EXIT_OK
    made: dict[str, int] = {}
    for row in world.stats()["requests"]:
        made[row["route"]] = made.get(row["route"], 0) + row["count"]
    for row in before:
        made[row["route"]] -= row["count"]
    # The project list, the marks (branch lists) and one v2 request: no project read.
    assert {route: n for route, n in made.items() if n} == {
        "/projects": 1,
        "/projects/{project_id}/branches": 4,
        "/consumption_history/v2/projects": 1,
    }
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    got = {(r["tenant"], r["metric"]): int(r["quantity"]) for r in rows}
    expected = {(t, m): 0 for t in ("close", "half", "over", "spare") for m in BILLING_NAMES}
    for tenant_id in ("close", "half", "over", "spare"):
        expected[(tenant_id, "compute_unit_seconds")] = CREATION_CU_SECONDS
    expected[("over", "compute_unit_seconds")] += 7200
    expected[("close", "public_network_transfer_bytes")] = 8_500_000_000
    # Kept a day (the project's history retention) in a 30-day month: a thirtieth.
    expected[("close", "instant_restore_bytes_month")] = 30_000_000 // 30
    expected[("half", "root_branch_bytes_month")] = 3 * GiB * 20 // 30  # 2 GiB-months
    assert got == expected
    assert {r["unit"] for r in rows if r["metric"] == "root_branch_bytes_month"} == {"byte-months"}
    projects = {r["tenant"]: r["project_id"] for r in rows}
    assert projects == world.projects
    assert {(r["period_start"], r["period_end"]) for r in rows} == {
        ("2025-06-01T00:00:00Z", "2025-07-01T00:00:00Z")
    }
    summary = json.loads(out)
    assert (summary["rows"], summary["tenants"], summary["period"]["over"]) == (32, 4, True)
    for name in BILLING_NAMES:
        in_rows = sum(q for (_, metric), q in got.items() if metric == name)
        assert summary["totals"][name]["quantity"] == in_rows
        by_plan = sum(plan[name]["quantity"] for plan in summary["plans"].values())
        assert by_plan == in_rows
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_the_export_needs_v2_and_a_month_neon_still_keeps(start_world: Any, tmp_path: Path) -> None:
    world: Emulated = start_world()
    before = world.stats()["total"]
    target = tmp_path / "old.csv"
    with pytest.raises(CommandError, match="Neon keeps monthly data for the last 12 months"):
        world.usage("--billing-export", str(target), "--period", "2024-05")
    with pytest.raises(CommandError, match="needs --source v2"):
        world.usage("--billing-export", str(target), "--period", "2025-06", "--source", "legacy")
    assert world.stats()["total"] == before  # refused before any call
    with pytest.raises(CommandError, match="Neon refused v2 consumption history"):
        world.usage("--billing-export", str(target), "--period", "2025-06", history=False)
    assert not target.exists()


def test_hourly_and_monthly_ranges_for_a_tenant_and_the_fleet(start_world: Any) -> None:
    world: Emulated = start_world()
    world.advance_days(16 + 10 / 24)  # June 17, 10:00
    world.add("close", data_transfer_bytes=1_000_000_000)
    world.advance_days(2 / 24)  # 12:00
    world.local_clock.now = datetime(2025, 6, 17, 12, tzinfo=UTC)
    argv = ("--tenant", "close", "--history", "hourly")
    code, hourly = world.usage_json(
        *argv, "--from", "2025-06-17T09:00Z", "--to", "2025-06-17T12:00Z"
    )
    assert (code, hourly["granularity"], hourly["source"]) == (EXIT_OK, "hourly", "v2")
    assert [f["start"][11:16] for f in hourly["timeframes"]] == ["09:00", "10:00", "11:00"]
    assert [f["data_transfer"] for f in hourly["timeframes"]] == [0, 1_000_000_000, 0]
    assert [f["public_network_transfer_bytes"] for f in hourly["timeframes"]] == [
        0,
        1_000_000_000,
        0,
    ]
    code, monthly = world.usage_json("--history", "monthly")
    assert (monthly["scope"], monthly["from"], monthly["to"]) == (
        "fleet",
        "2024-07-01T00:00:00Z",
        "2025-07-01T00:00:00Z",
    )
    frames = monthly["timeframes"]
    assert len(frames) == 12
    assert [f["public_network_transfer_bytes"] for f in frames] == [0] * 11 + [1_000_000_000]
    assert frames[-1]["compute_unit_seconds"] == 4 * CREATION_CU_SECONDS
    per_tenant = [t["timeframes"][-1]["compute_unit_seconds"] for t in monthly["tenants"]]
    assert per_tenant == [CREATION_CU_SECONDS] * 4  # the fleet row is their sum
    _, chart = world.usage(*argv)
    transfer = next(line for line in chart.splitlines() if "public transfer" in line)
    assert "total 1GB; busiest hour 1GB" in transfer


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ("--history", "hourly", "--from", "2025-06-10", "--to", "2025-06-11"),
            "Neon keeps hourly data for the last 168 hours (from 2025-06-10T12:00:00Z on",
        ),
        (
            ("--history", "daily", "--from", "2025-04-01", "--to", "2025-04-10"),
            "Neon keeps daily data for the last 60 days",
        ),
        (
            ("--history", "monthly", "--from", "2024-05-01", "--to", "2025-06-01"),
            "Neon keeps monthly data for the last 12 months",
        ),
        (
            ("--history", "monthly", "--from", "2025-05-15", "--to", "2025-06-01"),
            "is not the 1st of a month at midnight UTC",
        ),
        (
            ("--from", "2025-01-15", "--to", "2025-02-15"),
            "Neon serves this range at no granularity",
        ),
        (("--history", "hourly", "--from", "2025-06-17T11:00Z"), "--from and --to go together"),
    ],
)
def test_a_range_neon_would_refuse_is_an_error_before_any_call(
    start_world: Any, argv: tuple[str, ...], message: str
) -> None:
    world: Emulated = start_world()
    world.local_clock.now = datetime(2025, 6, 17, 12, tzinfo=UTC)
    before = world.stats()["total"]
    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        world.usage(*argv)
    assert world.stats()["total"] == before


def test_a_few_hours_into_the_period_it_is_too_early_to_project_not_no_plan_fits(
    start_world: Any,
) -> None:
    world: Emulated = start_world()
    world.advance_days(3 / 24)
    world.add("close", data_transfer_bytes=9_500_000_000)  # 95 % of 10 GB in 3 hours
    code, document = world.usage_json("--target", "close")
    assert code == EXIT_USAGE_ALERT
    close = document["tenants"][0]
    transfer = close["metrics"]["data_transfer"]
    assert transfer["too_early_to_project"] is True
    assert (transfer["projected_at_period_end"], transfer["limit_reached_at"]) == (
        9_500_000_000,
        None,
    )
    # 9.5 GB still fits its own plan; three hours extrapolated to a month (2.3 TB) would have
    # ruled out every plan with a transfer cap.
    assert close["upgrade"] == {"plan": "starter", "is_current_plan": True, "too_early": True}
    _, text = world.usage("--target", "close")
    assert "too early to project" in next(line for line in text.splitlines() if "transfer" in line)
    assert (
        "close (starter, warning): starter (its current plan) is the smallest plan that fits "
        "the use so far (too early in the period to project)"
    ) in text


def test_early_in_a_period_the_trailing_days_give_the_rate(start_world: Any) -> None:
    world: Emulated = start_world(datetime(2025, 5, 20, tzinfo=UTC))
    world.advance_days(5)  # May 25
    for _ in range(7):  # 0.5 GB a day for the last week of May
        world.add("close", data_transfer_bytes=500_000_000)
        world.advance_days(1)
    world.advance_days(3 / 24)  # June 1, 03:00
    world.add("close", data_transfer_bytes=1_000_000_000)
    _, document = world.usage_json("--target", "close")
    transfer = document["tenants"][0]["metrics"]["data_transfer"]
    assert (transfer["used"], transfer["too_early_to_project"], transfer["trailing_days"]) == (
        1_000_000_000,
        False,
        7,
    )
    # 4.5 GB over 7 days and 3 hours (171 h), for the 717 hours left of June; the 9 GB left
    # under the 10 GB cap take 9 / 4.5 * 171 h = 342 h, 14.25 days: June 15, 09:00.
    at_end = 1_000_000_000 + Fraction(4_500_000_000 * 717, 171)
    assert transfer["projected_at_period_end"] == math.ceil(at_end)
    assert transfer["limit_reached_at"] == "2025-06-15T09:00:00Z"
    assert transfer["limit_reached_within_period"] is True
