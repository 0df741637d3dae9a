"""`tenantctl usage` over the emulator: real counters, history and quota enforcement.

June 2025 (30 days). The fleet is applied on June 1 at midnight; at noon on June 5 `over`
writes 1.2 GB (its cap is 1 GB: the emulator suspends its computes) and `half` 500 MB; at noon
on June 10 `close` sends 8.5 GB out (cap 10 GB) and `half` stores 512 MiB (cap 1 GiB). Usage is
read on June 18 at midnight, 17 days in: rates are per 17 days, so dates can be checked by hand.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from controller.cli.common import EXIT_ERROR, EXIT_OK, EXIT_USAGE_ALERT
from controller.neon.client import NeonClient
from controller.neon.payloads import ProjectUpdate
from tests.support.fixtures_contract import TransportWrapper
from tests.support.fixtures_emulator import AppFactory
from tests.usage.conftest import LocalClock
from tests.usage.emulated import Emulated, EmulatorTime, emulated_fleet

GB = 1000**3
MiB = 1024**2
JUNE_1 = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.fixture
def world(
    tmp_path: Path,
    emulator_app_factory: AppFactory,
    contract_transport: TransportWrapper,
    local_clock: LocalClock,
) -> Emulated:
    time = EmulatorTime(JUNE_1)
    emulator = emulator_app_factory(clock=time, monotonic=time, api_key=f"usage-{uuid.uuid4()}")
    return emulated_fleet(tmp_path, emulator, contract_transport, local_clock)


@pytest.fixture
def june_18(world: Emulated) -> Emulated:
    world.advance_days(4.5)
    world.add("over", written_data_bytes=1_200_000_000)
    world.add("half", written_data_bytes=500_000_000)
    world.advance_days(5)
    world.add("close", data_transfer_bytes=8_500_000_000)
    world.add("half", logical_size_bytes=512 * MiB)
    world.advance_days(7.5)
    return world


def metrics_of(document: dict[str, Any], tenant_id: str) -> dict[str, Any]:
    tenant: dict[str, Any] = next(t for t in document["tenants"] if t["tenant"] == tenant_id)
    return tenant


def test_tenants_at_50_85_and_over_their_limit(june_18: Emulated) -> None:
    code, document = june_18.usage_json("--source", "legacy")
    assert code == EXIT_USAGE_ALERT
    assert (document["observed_at"], document["clock"], document["alert"]) == (
        "2025-06-18T00:00:00Z",
        "server",
        True,
    )
    assert document["source"] == {"used": ["legacy"], "requested": "legacy", "passed_over": []}
    half = metrics_of(document, "half")
    assert (half["status"], half["upgrade"]) == ("ok", None)
    assert half["period"] == {
        "start": "2025-06-01T00:00:00Z",
        "end": "2025-07-01T00:00:00Z",
        "assumed": False,
    }
    for name in ("written_data", "storage"):
        metric = half["metrics"][name]
        assert (metric["percent"], metric["status"]) == (50.0, "ok")
        # Half the limit in 17 days: the other half takes 17 more, past the period's end.
        assert metric["limit_reached_at"] == "2025-07-05T00:00:00Z"
        assert metric["limit_reached_within_period"] is False

    close = metrics_of(document, "close")
    transfer = close["metrics"]["data_transfer"]
    assert (close["status"], transfer["percent"], transfer["status"]) == (
        "warning",
        85.0,
        "warning",
    )
    # 8.5 GB in 17 days is 0.5 GB a day: the last 1.5 GB take 3 days; 15 GB by July 1.
    assert transfer["limit_reached_at"] == "2025-06-21T00:00:00Z"
    assert transfer["limit_reached_within_period"] is True
    assert transfer["projected_at_period_end"] == 15 * GB
    assert close["upgrade"] == {"plan": "growth", "is_current_plan": False, "too_early": False}

    over = metrics_of(document, "over")
    written = over["metrics"]["written_data"]
    assert (over["status"], written["percent"], written["status"]) == (
        "exceeded",
        120.0,
        "exceeded",
    )
    assert (written["effect_at_limit"], written["reached_on"]) == (
        "computes suspended",
        "2025-06-05",  # from the legacy history's written data per day
    )
    assert over["upgrade"] == {"plan": "growth", "is_current_plan": False, "too_early": False}

    spare = metrics_of(document, "spare")
    assert spare["status"] == "ok"
    assert all(m["percent"] in (0.0, None) for m in spare["metrics"].values())


def test_v2_is_detected_and_gives_the_billing_metrics_next_to_the_same_limits(
    june_18: Emulated,
) -> None:
    legacy = june_18.usage_json("--source", "legacy")[1]
    code, document = june_18.usage_json()
    assert code == EXIT_USAGE_ALERT
    assert document["source"] == {"used": ["v2"], "requested": None, "passed_over": []}
    for tenant, before in zip(document["tenants"], legacy["tenants"], strict=True):
        assert {n: m["status"] for n, m in tenant["metrics"].items()} == {
            n: m["status"] for n, m in before["metrics"].items()
        }
    close = metrics_of(document, "close")
    assert close["billing"]["from"] == "2025-06-01T00:00:00Z"
    quantities = {n: m["quantity"] for n, m in close["billing"]["metrics"].items()}
    assert quantities["public_network_transfer_bytes"] == 8_500_000_000
    assert quantities["private_network_transfer_bytes"] == 0
    # v2 has no written data per day: the day `over` crossed its cap is not known from it.
    assert metrics_of(document, "over")["metrics"]["written_data"]["reached_on"] is None


def test_the_exceeded_tenants_computes_are_suspended_by_neon(june_18: Emulated) -> None:
    status = june_18.status("over")
    assert status["exceeded_quotas"] == ["written_data_bytes"]
    assert [e["current_state"] for e in status["endpoints"]] == ["idle"]
    _, text = june_18.usage("--source", "legacy")
    assert "EXCEEDED (computes suspended)" in text
    assert "reached 2025-06-05" in text
    assert "over (starter, exceeded): growth is the smallest plan that fits" in text


def test_exit_0_when_every_tenant_is_below_warn_at(june_18: Emulated) -> None:
    code, document = june_18.usage_json("--target", "half", "--target", "spare")
    assert (code, [t["tenant"] for t in document["tenants"]]) == (EXIT_OK, ["half", "spare"])
    code, _ = june_18.usage_json("--target", "half", "--warn-at", "50")
    assert code == EXIT_USAGE_ALERT  # 50 % is at a 50 % threshold


def test_usage_is_read_only_and_batches_history_for_every_project(june_18: Emulated) -> None:
    before = june_18.stats()
    june_18.usage("--refresh")
    after = june_18.stats()
    made = {(r["method"], r["route"], r["status"]): r["count"] for r in after["requests"]}
    for row in before["requests"]:
        made[(row["method"], row["route"], row["status"])] -= row["count"]
    sent = {key: count for key, count in made.items() if count}
    assert sent == {
        ("GET", "/projects", 200): 1,
        ("GET", "/projects/{project_id}", 200): 4,
        ("GET", "/projects/{project_id}/branches", 200): 4,
        ("GET", "/consumption_history/v2/projects", 200): 1,  # 4 projects, one batch
    }


def test_totals_are_the_sums_of_the_tenants_per_plan_and_for_the_fleet(june_18: Emulated) -> None:
    _, document = june_18.usage_json()
    tenants = [t for t in document["tenants"] if t["metrics"]]
    totals = document["totals"]
    assert sorted(totals["plans"]) == ["growth", "starter"]

    def used(group: list[dict[str, Any]], name: str) -> int:
        return sum(t["metrics"][name]["used"] for t in group)

    def billed(group: list[dict[str, Any]], name: str) -> int:
        return sum(t["billing"]["metrics"][name]["quantity"] for t in group)

    for scope, group in [
        (totals["fleet"], tenants),
        *(
            (totals["plans"][plan], [t for t in tenants if t["plan"] == plan])
            for plan in totals["plans"]
        ),
    ]:
        assert scope["tenants"] == scope["billed_tenants"] == len(group)
        for name, metric in scope["metrics"].items():
            assert metric["used"] == used(group, name)
        for name, metric in scope["billing"].items():
            assert metric["quantity"] == billed(group, name)
    fleet = totals["fleet"]
    assert fleet["metrics"]["written_data"]["used"] == 1_700_000_000
    assert fleet["billing"]["public_network_transfer_bytes"]["quantity"] == 8_500_000_000
    # The CSV: every total row is the sum of its tenants' rows.
    _, text = june_18.usage("--format", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    totals_rows = [r for r in rows if r["scope"] != "tenant"]
    assert len(totals_rows) == 3 * (5 + 8)  # growth, starter, fleet: limited + billing metrics
    for total in totals_rows:
        members = [
            r
            for r in rows
            if r["scope"] == "tenant"
            and r["metric"] == total["metric"]
            and (total["scope"] == "fleet" or r["plan"] == total["plan"])
        ]
        assert int(total["used"]) == sum(int(r["used"]) for r in members), total
    # The table: per plan and fleet rows of the limits' totals and, with --billing, of billing.
    _, table = june_18.usage("--billing")
    lines = table.splitlines()
    starter = next(line for line in lines if line.startswith("plan starter "))
    assert starter.split()[2:5] == ["3", "15m", "3.75m"]  # tenants, active time, compute time
    fleet_billing = next(line for line in lines if line.startswith("fleet total"))
    assert "8.5GB" in fleet_billing.split()  # public transfer, as Neon bills it


def test_no_second_call_to_neon_within_15_minutes(june_18: Emulated) -> None:
    first = june_18.usage_json()
    calls = june_18.stats()["total"]
    june_18.local_clock.advance(minutes=14)
    code, second = june_18.usage_json()
    assert june_18.stats()["total"] == calls
    assert code == first[0]
    assert [t["from_cache"] for t in second["tenants"]] == [True] * 4
    assert [t["metrics"] for t in second["tenants"]] == [t["metrics"] for t in first[1]["tenants"]]
    june_18.local_clock.advance(minutes=1)
    june_18.usage_json()
    assert june_18.stats()["total"] == calls + 10
    assert june_18.closed == 3  # the connection is released even when the cache answered


def test_the_daily_history_of_one_tenant(june_18: Emulated) -> None:
    argv = ("--tenant", "half", "--history", "daily", "--source", "legacy")
    code, document = june_18.usage_json(*argv)
    assert code == EXIT_OK
    days = document["timeframes"]
    assert [d["start"] for d in days][:2] == ["2025-06-01T00:00:00Z", "2025-06-02T00:00:00Z"]
    assert len(days) == 17  # June 1 to 17: read at midnight, nothing of June 18 was measured
    by_day = {d["start"][:10]: d for d in days}
    assert by_day["2025-06-05"]["written_data"] == 500_000_000
    assert sum(d["written_data"] for d in days) == 500_000_000
    assert by_day["2025-06-09"]["storage"] == 0
    assert by_day["2025-06-10"]["storage"] == 512 * MiB
    assert by_day["2025-06-17"]["storage"] == 512 * MiB
    assert {d["data_transfer"] for d in days} == {None}  # legacy history has no transfer
    _, chart = june_18.usage(*argv)
    written = next(line for line in chart.splitlines() if "written data" in line)
    assert "▁▁▁▁█▁▁▁▁▁▁▁▁▁▁▁▁  total 0.5GB of 1GB (50.0%), ok" in written
    # From v2: the days of data transfer, and the billing metrics.
    _, v2 = june_18.usage_json("--tenant", "close", "--history", "daily")
    sent = {d["start"][:10]: d["data_transfer"] for d in v2["timeframes"]}
    assert (sent["2025-06-10"], sum(sent.values())) == (8_500_000_000, 8_500_000_000)
    assert {d["written_data"] for d in v2["timeframes"]} == {None}


def test_without_consumption_history_the_counters_are_used_and_it_is_said(
    june_18: Emulated,
) -> None:
    code, document = june_18.usage_json(history=False)
    assert code == EXIT_USAGE_ALERT
    assert document["consumption_history"]["available"] is False
    assert document["source"]["used"] == ["counters"]
    assert document["source"]["passed_over"] == [
        "v2: 403: the account's plan does not include it",
        "legacy: 403: the account's plan does not include it",
    ]
    assert "403" in document["consumption_history"]["note"]
    over = metrics_of(document, "over")["metrics"]["written_data"]
    assert (over["percent"], over["status"], over["reached_on"]) == (120.0, "exceeded", None)
    assert metrics_of(document, "close")["metrics"]["data_transfer"]["percent"] == 85.0
    _, text = june_18.usage("--refresh", history=False)
    assert "Neon refused consumption history (v2: 403" in text


def test_without_a_date_header_the_local_clock_is_used(june_18: Emulated) -> None:
    _, document = june_18.usage_json(server_date=False)
    assert document["clock"] == "local"
    assert document["observed_at"] == "2025-06-16T09:30:00Z"  # the test's local clock


def test_a_renamed_project_is_still_found_by_its_ownership_mark(june_18: Emulated) -> None:
    async def rename() -> None:
        async with NeonClient(june_18.settings, transport=june_18.transport()) as client:
            await client.update_project(june_18.projects["close"], ProjectUpdate(name="renamed"))

    june_18.control(rename)
    code, document = june_18.usage_json("--target", "close")
    close = metrics_of(document, "close")
    assert (code, close["project_id"], close["project_name"]) == (
        EXIT_USAGE_ALERT,
        june_18.projects["close"],
        "renamed",
    )
    assert close["metrics"]["data_transfer"]["percent"] == 85.0


def test_a_tenant_without_a_project_and_one_that_cannot_be_identified(
    june_18: Emulated,
) -> None:
    tenants = june_18.fleet_dir / "tenants"
    (tenants / "newbie.yaml").write_text("plan: starter\n")
    code, document = june_18.usage_json("--target", "newbie", "--target", "half")
    assert code == EXIT_OK
    assert metrics_of(document, "newbie")["status"] == "no project"
    (tenants / "ghost.yaml").write_text("plan: starter\nproject_id: gone-project-12345678\n")
    code, document = june_18.usage_json("--target", "ghost", "--target", "half")
    assert code == EXIT_ERROR
    ghost = metrics_of(document, "ghost")
    assert ghost["status"] == "unknown"
    assert "gone-project-12345678" in ghost["notes"][0]
