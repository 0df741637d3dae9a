"""The control API: the clock, usage, request counters and reset."""

from __future__ import annotations

import pytest

from tests.emulator.conftest import Neon

pytestmark = pytest.mark.anyio


async def test_stats_count_requests_by_method_route_and_status(neon: Neon) -> None:
    project_id = (await neon.create_project())["project"]["id"]
    await neon.api.get(f"/projects/{project_id}")
    await neon.api.get(f"/projects/{project_id}")
    await neon.api.get("/projects/no-such-one")
    stats = await neon.emulator.stats()
    assert stats["total"] == 4
    assert stats["requests"] == [
        {"method": "GET", "route": "/projects/{project_id}", "status": 200, "count": 2},
        {"method": "GET", "route": "/projects/{project_id}", "status": 404, "count": 1},
        {"method": "POST", "route": "/projects", "status": 201, "count": 1},
    ]


async def test_advancing_the_clock_moves_neons_time_forward_only(neon: Neon) -> None:
    before = await neon.emulator.control("GET", "/clock")
    after = await neon.emulator.advance_clock(3600)
    assert (before["now"], after["now"]) == ("2026-03-10T12:00:00Z", "2026-03-10T13:00:00Z")
    assert after["offset_seconds"] == 3600
    async with neon.emulator.client(base_url="http://emulator") as control:
        backwards = await control.post("/_emulator/clock/advance", json={"seconds": -1})
        not_a_number = await control.post("/_emulator/clock/advance", json={"seconds": "1"})
        past_the_calendar = await control.post("/_emulator/clock/advance", json={"seconds": 1e300})
    assert (backwards.status_code, not_a_number.status_code) == (400, 400)
    assert past_the_calendar.status_code == 400
    assert "would move the clock past 9000-01-01" in past_the_calendar.json()["message"]
    assert (await neon.emulator.control("GET", "/clock"))["offset_seconds"] == 3600


async def test_usage_added_shows_in_the_counters(neon: Neon) -> None:
    project_id = (await neon.create_project())["project"]["id"]
    status = await neon.emulator.add_consumption(
        project_id, written_data_bytes=100, data_transfer_bytes=200, active_time_seconds=30
    )
    assert status["usage"]["written_data_bytes"] == 100
    project = (await neon.get(f"/projects/{project_id}"))["project"]
    assert (project["written_data_bytes"], project["data_transfer_bytes"]) == (100, 200)
    assert project["active_time_seconds"] == 30
    async with neon.emulator.client(base_url="http://emulator") as control:
        unknown = await control.post("/_emulator/projects/nope-1/consumption", json={})
        negative = await control.post(
            f"/_emulator/projects/{project_id}/consumption", json={"written_data_bytes": -5}
        )
    assert (unknown.status_code, negative.status_code) == (404, 400)


async def test_reset_forgets_projects_counters_and_the_clock_offset(neon: Neon) -> None:
    await neon.create_project()
    await neon.emulator.advance_clock(86400)
    reset = await neon.emulator.reset()
    assert reset["offset_seconds"] == 0
    assert (await neon.get("/projects"))["projects"] == []
    assert (await neon.emulator.stats())["requests"] == [
        {"method": "GET", "route": "/projects", "status": 200, "count": 1}
    ]
