"""Consumption history: the same usage as the counters, per timeframe, within Neon's windows."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.conftest import Neon, NeonFactory

pytestmark = pytest.mark.anyio

HISTORY = "/consumption_history/projects"


def window(granularity: str, start: str, end: str, **extra: Any) -> dict[str, Any]:
    return {"granularity": granularity, "from": start, "to": end, **extra}


async def busy_tenant(neon: Neon, cu: float = 2) -> str:
    created = await neon.create_project(
        default_endpoint_settings={
            "autoscaling_limit_min_cu": cu,
            "autoscaling_limit_max_cu": cu,
            "suspend_timeout_seconds": -1,
        }
    )
    project_id: str = created["project"]["id"]
    return project_id


async def test_hourly_history_splits_active_time_and_compute_time_by_hour(neon: Neon) -> None:
    project_id = await busy_tenant(neon)
    neon.clock.advance(5400)  # active 12:00-13:30 at 2 CU
    await neon.emulator.add_consumption(project_id, written_data_bytes=1234)
    body = await neon.get(
        HISTORY, **window("hourly", "2026-03-10T11:00:00Z", "2026-03-10T14:00:00Z")
    )
    (project,) = body["projects"]
    (period,) = project["periods"]
    assert period["period_start"] == "2026-03-01T00:00:00Z"
    assert "period_end" not in period  # the current period is still open
    frames = [
        (f["timeframe_start"], f["active_time_seconds"], f["compute_time_seconds"])
        for f in period["consumption"]
    ]
    assert frames == [("2026-03-10T12:00:00Z", 3600, 7200), ("2026-03-10T13:00:00Z", 1800, 3600)]
    assert period["consumption"][1]["written_data_bytes"] == 1234
    assert body["pagination"] == {"cursor": project_id}


async def test_daily_and_monthly_history_agree_with_the_project_counters(neon: Neon) -> None:
    project_id = await busy_tenant(neon, cu=1)
    neon.clock.advance(2 * 86400)
    project = (await neon.get(f"/projects/{project_id}"))["project"]
    daily = await neon.get(
        HISTORY, **window("daily", "2026-03-01T00:00:00Z", "2026-03-31T00:00:00Z")
    )
    monthly = await neon.get(
        HISTORY, **window("monthly", "2026-01-01T00:00:00Z", "2026-04-01T00:00:00Z")
    )
    days = daily["projects"][0]["periods"][0]["consumption"]
    assert [d["active_time_seconds"] for d in days] == [43200, 86400, 43200]
    months = monthly["projects"][0]["periods"][0]["consumption"]
    assert months[0]["active_time_seconds"] == project["active_time_seconds"] == 172800


async def test_project_ids_may_repeat_or_be_comma_separated_and_limit_pages(neon: Neon) -> None:
    ids = sorted([await busy_tenant(neon) for _ in range(3)])
    span = window("hourly", "2026-03-10T12:00:00Z", "2026-03-10T13:00:00Z")
    repeated = await neon.get(HISTORY, **span, project_ids=ids[:2])
    comma = await neon.get(HISTORY, **span, project_ids=",".join(ids[:2]))
    assert [p["project_id"] for p in repeated["projects"]] == ids[:2]
    assert repeated == comma
    first = await neon.get(HISTORY, **span, limit=2)
    rest = await neon.get(HISTORY, **span, limit=2, cursor=first["pagination"]["cursor"])
    assert [p["project_id"] for p in first["projects"] + rest["projects"]] == ids


@pytest.mark.parametrize(
    ("granularity", "start"),
    [
        ("hourly", "2026-03-03T11:00:00Z"),  # more than 168 hours back
        ("daily", "2026-01-08T00:00:00Z"),  # more than 60 days back
        ("monthly", "2025-02-01T00:00:00Z"),  # more than a year back
    ],
)
async def test_ranges_outside_the_retention_window_get_406(
    neon: Neon, granularity: str, start: str
) -> None:
    response = await neon.api.get(
        HISTORY, params=window(granularity, start, "2026-03-10T00:00:00Z")
    )
    assert response.status_code == 406
    assert response.json()["code"] == ""


async def test_the_edge_of_the_retention_window_is_accepted(neon: Neon) -> None:
    response = await neon.api.get(
        HISTORY, params=window("hourly", "2026-03-03T12:00:00Z", "2026-03-04T00:00:00Z")
    )
    assert response.status_code == 200


async def test_bad_history_queries_get_400(neon: Neon) -> None:
    too_many = ",".join(f"p-{i}" for i in range(101))
    checks = [
        window("hourly", "2026-03-10T12:00:00Z", "2026-03-10T13:00:00Z", limit=101),
        window("hourly", "2026-03-10T12:00:00Z", "2026-03-10T13:00:00Z", project_ids=too_many),
        window("hourly", "2026-03-10T13:00:00Z", "2026-03-10T12:00:00Z"),
        window("weekly", "2026-03-10T12:00:00Z", "2026-03-10T13:00:00Z"),
        window("hourly", "2026-03-10T12:00:00", "2026-03-10T13:00:00Z"),  # no time zone
        window("hourly", "9999-12-31T23:10:00Z", "9999-12-31T23:50:00Z"),  # past the calendar
        window("monthly", "0001-01-01T00:00:00+01:00", "2026-03-10T13:00:00Z"),  # before it
    ]
    for params in checks:
        response = await neon.raw.get(HISTORY, params=params)
        assert response.status_code == 400, params


async def test_history_has_its_own_rate_limit_bucket(neon_factory: NeonFactory) -> None:
    neon = await neon_factory(consumption_rate_per_minute=2, rate_per_minute=100)
    span = window("hourly", "2026-03-10T12:00:00Z", "2026-03-10T13:00:00Z")
    statuses = [(await neon.api.get(HISTORY, params=span)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert (await neon.api.get("/projects")).status_code == 200
    neon.clock.advance(30)  # one token back at 2/min
    assert (await neon.api.get(HISTORY, params=span)).status_code == 200


async def test_timeframes_group_by_billing_period_and_only_the_open_one_lacks_an_end(
    neon: Neon,
) -> None:
    project_id = await busy_tenant(neon, cu=1)  # active from 2026-03-10T12:00Z, never suspends
    neon.clock.advance(22 * 86400 + 3600)  # to 2026-04-01T13:00Z, into April's period
    body = await neon.get(
        HISTORY, **window("daily", "2026-03-30T00:00:00Z", "2026-04-05T00:00:00Z")
    )
    march, april = body["projects"][0]["periods"]
    assert (march["period_start"], march["period_end"]) == (
        "2026-03-01T00:00:00Z",
        "2026-04-01T00:00:00Z",
    )
    assert (april["period_start"], "period_end" in april) == ("2026-04-01T00:00:00Z", False)
    assert march["period_id"] != april["period_id"]
    days = [
        (frame["timeframe_start"], frame["active_time_seconds"])
        for period in (march, april)
        for frame in period["consumption"]
    ]
    assert days == [
        ("2026-03-30T00:00:00Z", 86400),
        ("2026-03-31T00:00:00Z", 86400),
        ("2026-04-01T00:00:00Z", 13 * 3600),  # the open day, up to now
    ]
    project = (await neon.get(f"/projects/{project_id}"))["project"]
    assert project["active_time_seconds"] == 13 * 3600  # the counters restarted with April
