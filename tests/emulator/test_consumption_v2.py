"""Consumption history v2: the billing metrics of usage-based plans, per project and per branch,
agreeing with the legacy history and the project counters, within Neon's windows and paging."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from controller.emulator import EmulatorConfig
from controller.emulator.api_account import DEFAULT_ORG_ID
from tests.emulator.conftest import ManualClock, Neon, NeonFactory

pytestmark = pytest.mark.anyio

PROJECTS = "/consumption_history/v2/projects"
BRANCHES = "/consumption_history/v2/branches"
LEGACY = "/consumption_history/projects"
MARCH_SECONDS = 31 * 86400


def query(granularity: str, start: str, end: str, metrics: str, **extra: Any) -> dict[str, Any]:
    return {
        "granularity": granularity,
        "from": start,
        "to": end,
        "metrics": metrics,
        "org_id": DEFAULT_ORG_ID,
        **extra,
    }


def values(body: dict[str, Any], key: str = "projects") -> list[tuple[str, dict[str, int]]]:
    """(timeframe_start, {metric: value}) of the one project or branch in `body`."""
    (item,) = body[key]
    return [
        (frame["timeframe_start"], {m["metric_name"]: m["value"] for m in frame["metrics"]})
        for period in item["periods"]
        for frame in period["consumption"]
    ]


async def always_on(neon: Neon, cu: float = 2, **fields: Any) -> dict[str, Any]:
    settings = {"autoscaling_limit_min_cu": cu, "autoscaling_limit_max_cu": cu}
    return await neon.create_project(
        default_endpoint_settings={**settings, "suspend_timeout_seconds": -1}, **fields
    )


async def test_compute_and_transfer_agree_with_the_legacy_history_and_the_counters(
    neon: Neon,
) -> None:
    project_id = (await always_on(neon))["project"]["id"]
    neon.clock.advance(5400)  # active 12:00-13:30 at 2 CU
    await neon.emulator.add_consumption(project_id, data_transfer_bytes=700)
    window = ("hourly", "2026-03-10T11:00:00Z", "2026-03-10T14:00:00Z")
    v2 = await neon.get(
        PROJECTS, **query(*window, "compute_unit_seconds,public_network_transfer_bytes")
    )
    assert values(v2) == [
        (
            "2026-03-10T12:00:00Z",
            {"compute_unit_seconds": 7200, "public_network_transfer_bytes": 0},
        ),
        (
            "2026-03-10T13:00:00Z",
            {"compute_unit_seconds": 3600, "public_network_transfer_bytes": 700},
        ),
    ]
    legacy = await neon.get(LEGACY, granularity=window[0], **{"from": window[1], "to": window[2]})
    (frames,) = [p["consumption"] for p in legacy["projects"][0]["periods"]]
    assert [f["compute_time_seconds"] for f in frames] == [7200, 3600]
    project = (await neon.get(f"/projects/{project_id}"))["project"]
    assert (project["compute_time_seconds"], project["data_transfer_bytes"]) == (10800, 700)
    (period,) = v2["projects"][0]["periods"]
    assert (period["period_start"], period["period_plan"]) == ("2026-03-01T00:00:00Z", "scale")
    assert "period_end" not in period


async def test_storage_metrics_are_byte_months_of_the_root_and_child_branches(
    neon: Neon,
) -> None:
    created = await neon.create_project()
    project_id = created["project"]["id"]
    child = await neon.api.post(f"/projects/{project_id}/branches", json={"branch": {}})
    child_id = child.json()["branch"]["id"]
    await neon.emulator.add_consumption(
        project_id, logical_size_bytes=31_000_000, written_data_bytes=62_000_000
    )
    await neon.emulator.add_consumption(
        project_id, logical_size_bytes=3_100_000, branch_id=child_id
    )
    neon.clock.advance(2 * 86400)
    metrics = "root_branch_bytes_month,child_branch_bytes_month,instant_restore_bytes_month"
    body = await neon.get(
        PROJECTS, **query("monthly", "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z", metrics)
    )
    # 31 MB for 2 of March's 31 days; 62 MB of writes kept for the 1-day history retention.
    assert values(body) == [
        (
            "2026-03-01T00:00:00Z",
            {
                "root_branch_bytes_month": 2_000_000,
                "child_branch_bytes_month": 200_000,
                "instant_restore_bytes_month": 2_000_000,
            },
        )
    ]


async def test_branches_beyond_the_included_25_count_as_extra_branch_months(neon: Neon) -> None:
    project_id = (await neon.create_project())["project"]["id"]
    for _ in range(25):  # 26 branches with the default one: one extra
        await neon.api.post(f"/projects/{project_id}/branches", json={"branch": {}})
    neon.clock.advance(20 * 86400)
    month = ("monthly", "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    body = await neon.get(PROJECTS, **query(*month, "extra_branches_month"))
    assert values(body) == [("2026-03-01T00:00:00Z", {"extra_branches_month": 1})]  # 20/31


async def test_timeframes_with_nothing_to_report_are_left_out(neon: Neon) -> None:
    project_id = (await neon.create_project())["project"]["id"]
    neon.clock.advance(86400)
    await neon.emulator.add_consumption(project_id, data_transfer_bytes=5)
    neon.clock.advance(2 * 86400)
    days = ("daily", "2026-03-09T00:00:00Z", "2026-03-14T00:00:00Z")
    body = await neon.get(PROJECTS, **query(*days, "public_network_transfer_bytes"))
    assert values(body) == [("2026-03-11T00:00:00Z", {"public_network_transfer_bytes": 5})]
    quiet = await neon.get(PROJECTS, **query(*days, "snapshot_storage_bytes_month"))
    assert quiet["projects"] == [{"project_id": project_id, "periods": []}]


async def test_projects_page_newest_first_with_a_cursor(neon: Neon) -> None:
    created = []
    for _ in range(25):
        created.append((await neon.create_project())["project"]["id"])
        neon.clock.advance(1)
    day = ("daily", "2026-03-10T00:00:00Z", "2026-03-11T00:00:00Z", "compute_unit_seconds")
    seen: list[str] = []
    params = query(*day, limit=10)
    for _ in range(4):
        body = await neon.get(PROJECTS, **params)
        seen += [p["project_id"] for p in body["projects"]]
        if not body["projects"]:
            break
        params["cursor"] = body["pagination"]["cursor"]
    assert seen == created[::-1]
    assert body == {"projects": []}
    chosen = await neon.get(PROJECTS, **query(*day, project_ids=f"{created[0]},{created[3]}"))
    assert [p["project_id"] for p in chosen["projects"]] == [created[3], created[0]]


async def test_projects_are_those_of_the_organization_asked_for(neon: Neon) -> None:
    own = (await neon.create_project())["project"]["id"]
    other = (await neon.create_project(org_id="org-partner-12345678"))["project"]["id"]
    day = ("daily", "2026-03-10T00:00:00Z", "2026-03-11T00:00:00Z", "compute_unit_seconds")
    listed = await neon.get(PROJECTS, **query(*day))
    assert [p["project_id"] for p in listed["projects"]] == [own]
    partner = await neon.get(PROJECTS, **query(*day, org_id="org-partner-12345678"))
    assert [p["project_id"] for p in partner["projects"]] == [other]
    foreign = await neon.api.get(PROJECTS, params=query(*day, org_id="org-elsewhere-00000001"))
    assert foreign.status_code == 404


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"metrics": None}, 'invalid request: query parameter "metrics": required'),
        ({"org_id": None}, 'invalid request: query parameter "org_id": required'),
        ({"metrics": "cpu_seconds"}, "query parameter \"metrics\": unknown metric 'cpu_seconds'"),
        ({"limit": 101}, 'invalid request: query parameter "limit": 101 is outside 1..100'),
        ({"granularity": "weekly"}, "'weekly' is not one of hourly, daily, monthly"),
    ],
)
async def test_bad_project_queries_are_refused(
    neon: Neon, params: dict[str, Any], message: str
) -> None:
    base = query("daily", "2026-03-09T00:00:00Z", "2026-03-10T00:00:00Z", "compute_unit_seconds")
    sent = {k: v for k, v in {**base, **params}.items() if v is not None}
    response = await neon.raw.get(PROJECTS, params=sent)
    assert response.status_code == 400
    assert message in response.json()["message"]


@pytest.mark.parametrize(
    ("granularity", "start"),
    [
        ("hourly", "2026-03-03T11:00:00Z"),  # 169 hours back
        ("daily", "2026-01-08T00:00:00Z"),  # 61 days back
        ("monthly", "2025-02-01T00:00:00Z"),  # 13 months back
    ],
)
async def test_ranges_beyond_each_granularitys_window_get_406(
    neon: Neon, granularity: str, start: str
) -> None:
    params = query(granularity, start, "2026-03-10T12:00:00Z", "compute_unit_seconds")
    assert (await neon.api.get(PROJECTS, params=params)).status_code == 406


async def test_v2_refuses_a_start_before_march_2024_where_legacy_starts_there(
    neon_factory: NeonFactory, clock: ManualClock
) -> None:
    clock.now = datetime(2024, 6, 10, tzinfo=UTC).timestamp()
    neon = await neon_factory()
    await neon.create_project()
    months = ("monthly", "2024-01-01T00:00:00Z", "2024-07-01T00:00:00Z")
    v2 = await neon.api.get(PROJECTS, params=query(*months, "compute_unit_seconds"))
    assert v2.status_code == 406
    assert v2.json()["message"] == (
        '"from" is before 2024-03-01T00:00:00Z, the earliest allowed consumption date'
    )
    legacy = {"granularity": months[0], "from": months[1], "to": months[2]}
    assert (await neon.api.get(LEGACY, params=legacy)).status_code == 200


async def test_v2_draws_on_the_consumption_budget_shared_with_the_legacy_route(
    neon_factory: NeonFactory,
) -> None:
    neon = await neon_factory(consumption_rate_per_minute=2)
    v2 = query("daily", "2026-03-09T00:00:00Z", "2026-03-10T00:00:00Z", "compute_unit_seconds")
    legacy = {k: v2[k] for k in ("granularity", "from", "to")}
    statuses = [
        (await neon.api.get(LEGACY, params=legacy)).status_code,
        (await neon.api.get(PROJECTS, params=v2)).status_code,
        (await neon.api.get(PROJECTS, params=v2)).status_code,
        (await neon.api.get("/regions")).status_code,
    ]
    assert statuses == [200, 200, 429, 200]


@pytest.mark.parametrize(
    ("api", "denied_status", "legacy_status", "v2_status"),
    [
        ("v2", 403, 403, 200),
        ("legacy", 403, 200, 403),
        ("none", 404, 404, 404),
        ("both", 403, 200, 200),
    ],
)
async def test_the_account_has_the_consumption_apis_its_plan_has(
    neon_factory: NeonFactory, api: str, denied_status: int, legacy_status: int, v2_status: int
) -> None:
    neon = await neon_factory(consumption_api=api, consumption_denied_status=denied_status)
    v2 = query("daily", "2026-03-09T00:00:00Z", "2026-03-10T00:00:00Z", "compute_unit_seconds")
    legacy = {k: v2[k] for k in ("granularity", "from", "to")}
    assert (await neon.api.get(LEGACY, params=legacy)).status_code == legacy_status
    assert (await neon.api.get(PROJECTS, params=v2)).status_code == v2_status
    branches = await neon.api.get(BRANCHES, params={**v2, "project_ids": "cold-bonus-61650555"})
    assert branches.status_code == v2_status


def test_the_consumption_api_choice_is_checked() -> None:
    with pytest.raises(ValueError, match="consumption_api: must be one of v2, legacy, both, none"):
        EmulatorConfig(consumption_api="v3")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="consumption_denied_status: must be 403 or 404"):
        EmulatorConfig(consumption_denied_status=401)


# --- per branch ---------------------------------------------------------------------------------


async def test_branch_metrics_split_the_project_by_branch_and_page_by_ids(neon: Neon) -> None:
    created = await always_on(neon, cu=1)
    project_id, root_id = created["project"]["id"], created["branch"]["id"]
    child = await neon.api.post(
        f"/projects/{project_id}/branches",
        json={"branch": {}, "endpoints": [{"type": "read_write"}]},
    )
    child_id = child.json()["branch"]["id"]
    neon.clock.advance(1800)
    hours = ("hourly", "2026-03-10T12:00:00Z", "2026-03-10T13:00:00Z", "compute_unit_seconds")
    first = await neon.get(BRANCHES, **query(*hours, project_ids=project_id, limit=1))
    second = await neon.get(
        BRANCHES,
        **query(*hours, project_ids=project_id, limit=1, cursor=first["pagination"]["cursor"]),
    )
    pages = [first["branches"][0], second["branches"][0]]
    assert [(b["project_id"], b["branch_id"]) for b in pages] == sorted(
        [(project_id, root_id), (project_id, child_id)]
    )
    by_branch = {b["branch_id"]: values({"branches": [b]}, "branches") for b in pages}
    assert by_branch[root_id] == [("2026-03-10T12:00:00Z", {"compute_unit_seconds": 1800})]
    assert by_branch[child_id] == [("2026-03-10T12:00:00Z", {"compute_unit_seconds": 1800})]
    project = await neon.get(PROJECTS, **query(*hours))
    assert values(project) == [("2026-03-10T12:00:00Z", {"compute_unit_seconds": 3600})]
    only = await neon.get(BRANCHES, **query(*hours, project_ids=project_id, branch_ids=child_id))
    assert [b["branch_id"] for b in only["branches"]] == [child_id]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"project_ids": None}, 'query parameter "project_ids": required'),
        ({"metrics": "extra_branches_month"}, "extra_branches_month is not supported here"),
        ({"limit": 1001}, '"limit": 1001 is outside 1..1000'),
        ({"cursor": "nonsense"}, '"cursor": not a branch cursor'),
    ],
)
async def test_bad_branch_queries_are_refused(
    neon: Neon, params: dict[str, Any], message: str
) -> None:
    base = query("daily", "2026-03-09T00:00:00Z", "2026-03-10T00:00:00Z", "compute_unit_seconds")
    sent = {**base, "project_ids": "cold-bonus-61650555", **params}
    response = await neon.raw.get(BRANCHES, params={k: v for k, v in sent.items() if v is not None})
    assert response.status_code == 400
    assert message in response.json()["message"]
