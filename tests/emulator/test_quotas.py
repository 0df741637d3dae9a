"""Quotas as Neon enforces them: reached -> computes suspended and refusing to start, until the
quota is raised or cleared (0 = unlimited) or the period rolls over; logical size blocks writes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.conftest import Neon

pytestmark = pytest.mark.anyio


async def tenant(neon: Neon, quota: dict[str, int], cu: float = 0.25) -> tuple[str, str]:
    """A project with a quota and a compute that never scales to zero on its own."""
    created = await neon.create_project(
        settings={"quota": quota},
        default_endpoint_settings={
            "autoscaling_limit_min_cu": cu,
            "autoscaling_limit_max_cu": cu,
            "suspend_timeout_seconds": -1,
        },
    )
    return created["project"]["id"], created["endpoints"][0]["id"]


async def set_quota(neon: Neon, project_id: str, **quota: int) -> None:
    response = await neon.api.patch(
        f"/projects/{project_id}", json={"project": {"settings": {"quota": quota}}}
    )
    assert response.status_code == 200


async def state(neon: Neon, project_id: str, endpoint_id: str) -> dict[str, Any]:
    endpoint: dict[str, Any] = (await neon.get(f"/projects/{project_id}/endpoints/{endpoint_id}"))[
        "endpoint"
    ]
    return endpoint


async def start(neon: Neon, project_id: str, endpoint_id: str) -> Any:
    return await neon.api.post(f"/projects/{project_id}/endpoints/{endpoint_id}/start")


async def test_reaching_active_time_suspends_at_the_crossing_and_blocks_start(neon: Neon) -> None:
    project_id, endpoint_id = await tenant(neon, {"active_time_seconds": 100})
    neon.clock.advance(99)
    assert (await state(neon, project_id, endpoint_id))["current_state"] == "active"
    neon.clock.advance(1000)
    endpoint = await state(neon, project_id, endpoint_id)
    assert endpoint["current_state"] == "idle"
    assert endpoint["suspended_at"] == "2026-03-10T12:01:40Z"  # exactly at 100 s
    project = (await neon.get(f"/projects/{project_id}"))["project"]
    assert project["active_time_seconds"] == 100
    refused = await start(neon, project_id, endpoint_id)
    assert refused.status_code == 400
    assert "active_time_seconds quota" in refused.json()["message"]


@pytest.mark.parametrize("new_limit", [0, 1000])
async def test_clearing_or_raising_the_quota_lets_computes_start_again(
    neon: Neon, new_limit: int
) -> None:
    project_id, endpoint_id = await tenant(neon, {"active_time_seconds": 100})
    neon.clock.advance(500)
    assert (await start(neon, project_id, endpoint_id)).status_code == 400
    await set_quota(neon, project_id, active_time_seconds=new_limit)
    started = await start(neon, project_id, endpoint_id)
    assert started.status_code == 200
    assert (await state(neon, project_id, endpoint_id))["current_state"] == "active"


async def test_compute_time_counts_compute_units(neon: Neon) -> None:
    project_id, endpoint_id = await tenant(neon, {"compute_time_seconds": 400}, cu=4)
    neon.clock.advance(60)
    project = (await neon.get(f"/projects/{project_id}"))["project"]
    assert (project["active_time_seconds"], project["compute_time_seconds"]) == (60, 240)
    neon.clock.advance(60)
    endpoint = await state(neon, project_id, endpoint_id)
    assert endpoint["current_state"] == "idle"
    assert endpoint["suspended_at"] == "2026-03-10T12:01:40Z"  # 400 CU-s at 4 CU = 100 s


async def test_lowering_a_quota_below_usage_suspends_at_once(neon: Neon) -> None:
    project_id, endpoint_id = await tenant(neon, {})
    neon.clock.advance(30)
    await set_quota(neon, project_id, active_time_seconds=1)  # Neon's way to suspend a tenant
    assert (await state(neon, project_id, endpoint_id))["current_state"] == "idle"


async def test_written_data_and_transfer_quotas_suspend_when_usage_is_added(neon: Neon) -> None:
    project_id, endpoint_id = await tenant(neon, {"data_transfer_bytes": 10_000})
    status = await neon.emulator.add_consumption(project_id, data_transfer_bytes=9_999)
    assert status["exceeded_quotas"] == []
    status = await neon.emulator.add_consumption(project_id, data_transfer_bytes=1)
    assert status["exceeded_quotas"] == ["data_transfer_bytes"]
    assert (await state(neon, project_id, endpoint_id))["current_state"] == "idle"
    project = (await neon.get(f"/projects/{project_id}"))["project"]
    assert project["data_transfer_bytes"] == 10_000


async def test_the_next_period_resets_usage_and_lifts_the_suspension(neon: Neon) -> None:
    project_id, endpoint_id = await tenant(neon, {"written_data_bytes": 1000})
    await neon.emulator.add_consumption(project_id, written_data_bytes=5000)
    assert (await start(neon, project_id, endpoint_id)).status_code == 400
    neon.clock.advance(22 * 86400)  # 2026-03-10 12:00 -> 2026-04-01 12:00
    project = (await neon.get(f"/projects/{project_id}"))["project"]
    assert project["consumption_period_start"] == "2026-04-01T00:00:00Z"
    assert project["written_data_bytes"] == 0
    assert (await start(neon, project_id, endpoint_id)).status_code == 200


async def test_logical_size_quota_blocks_writes_only(neon: Neon) -> None:
    project_id, endpoint_id = await tenant(neon, {"logical_size_bytes": 1_000_000})
    status = await neon.emulator.add_consumption(project_id, logical_size_bytes=2_000_000)
    assert status["exceeded_quotas"] == []
    assert len(status["writes_blocked_branches"]) == 1
    assert (await state(neon, project_id, endpoint_id))["current_state"] == "active"
    await neon.api.post(f"/projects/{project_id}/endpoints/{endpoint_id}/suspend")
    assert (await start(neon, project_id, endpoint_id)).status_code == 200
    project = (await neon.get(f"/projects/{project_id}"))["project"]
    assert project["synthetic_storage_size"] == 2_000_000


@pytest.mark.parametrize("second_compute_after", [0.7, 1.7])
async def test_the_counters_show_the_quota_reached_when_computes_are_suspended(
    neon: Neon, second_compute_after: float
) -> None:
    project_id, _ = await tenant(neon, {"active_time_seconds": 1000})
    branch_id = (await neon.get(f"/projects/{project_id}/branches"))["branches"][0]["id"]
    neon.clock.advance(second_compute_after)  # two computes, fractional seconds apart
    endpoint = {"branch_id": branch_id, "type": "read_only"}
    created = await neon.api.post(f"/projects/{project_id}/endpoints", json={"endpoint": endpoint})
    assert created.status_code == 201
    neon.clock.advance(3600)
    states = (await neon.get(f"/projects/{project_id}/endpoints"))["endpoints"]
    assert [e["current_state"] for e in states] == ["idle", "idle"]
    project = (await neon.get(f"/projects/{project_id}"))["project"]
    assert project["active_time_seconds"] == 1000  # not 999: what a controller compares
