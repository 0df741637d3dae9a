"""Read-only computes (read replicas): several per branch, named and sized on their own, listed
with the other computes, deleted (204 once gone), and bound by quotas and `disabled` like any
compute."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.conftest import Neon

pytestmark = pytest.mark.anyio


async def add_replica(neon: Neon, project_id: str, **fields: Any) -> Any:
    return await neon.api.post(
        f"/projects/{project_id}/endpoints", json={"endpoint": {"type": "read_only", **fields}}
    )


async def test_a_branch_holds_several_named_replicas_with_their_own_settings(neon: Neon) -> None:
    created = await neon.create_project(
        default_endpoint_settings={"autoscaling_limit_min_cu": 1, "autoscaling_limit_max_cu": 2}
    )
    project_id, branch_id = created["project"]["id"], created["branch"]["id"]
    first = await add_replica(
        neon,
        project_id,
        branch_id=branch_id,
        name="reports",
        autoscaling_limit_min_cu=0.5,
        autoscaling_limit_max_cu=4,
        suspend_timeout_seconds=600,
    )
    second = await add_replica(neon, project_id, branch_id=branch_id)
    assert (first.status_code, second.status_code) == (201, 201)
    replica = first.json()["endpoint"]
    assert (replica["type"], replica["name"], replica["branch_id"]) == (
        "read_only",
        "reports",
        branch_id,
    )
    assert (replica["autoscaling_limit_min_cu"], replica["autoscaling_limit_max_cu"]) == (0.5, 4)
    assert replica["suspend_timeout_seconds"] == 600
    assert [op["action"] for op in first.json()["operations"]] == ["start_compute"]
    # The second one takes the project's defaults.
    defaults = second.json()["endpoint"]
    assert (defaults["autoscaling_limit_min_cu"], defaults["autoscaling_limit_max_cu"]) == (1, 2)
    listed = (await neon.get(f"/projects/{project_id}/endpoints"))["endpoints"]
    assert sorted(e["type"] for e in listed) == ["read_only", "read_only", "read_write"]
    on_branch = await neon.get(f"/projects/{project_id}/branches/{branch_id}/endpoints")
    assert len(on_branch["endpoints"]) == 3


async def test_replica_settings_follow_the_compute_rules(neon: Neon) -> None:
    created = await neon.create_project()
    project_id, branch_id = created["project"]["id"], created["branch"]["id"]
    too_wide = await add_replica(neon, project_id, branch_id=branch_id, autoscaling_limit_max_cu=10)
    assert too_wide.status_code == 400
    assert "wider than the maximum of 8 CU" in too_wide.json()["message"]
    unknown_branch = await add_replica(neon, project_id, branch_id="br-nowhere-a5000000")
    assert unknown_branch.status_code == 404
    assert len((await neon.get(f"/projects/{project_id}/endpoints"))["endpoints"]) == 1


async def test_deleting_a_replica_twice_answers_204_the_second_time(neon: Neon) -> None:
    created = await neon.create_project()
    project_id, branch_id = created["project"]["id"], created["branch"]["id"]
    replica_id = (await add_replica(neon, project_id, branch_id=branch_id)).json()["endpoint"]["id"]
    path = f"/projects/{project_id}/endpoints/{replica_id}"
    deleted = await neon.api.delete(path)
    assert deleted.status_code == 200
    assert deleted.json()["endpoint"]["id"] == replica_id
    again = await neon.api.delete(path)
    assert (again.status_code, again.content) == (204, b"")
    assert (await neon.api.get(path)).status_code == 404


async def test_a_reached_quota_suspends_replicas_and_keeps_them_from_starting(neon: Neon) -> None:
    created = await neon.create_project(settings={"quota": {"compute_time_seconds": 100}})
    project_id, branch_id = created["project"]["id"], created["branch"]["id"]
    replica_id = (await add_replica(neon, project_id, branch_id=branch_id)).json()["endpoint"]["id"]
    path = f"/projects/{project_id}/endpoints/{replica_id}"
    assert (await neon.get(path))["endpoint"]["current_state"] == "active"
    neon.clock.advance(600)  # two computes at 0.25 CU reach 100 CU-seconds in 200 s
    assert (await neon.get(path))["endpoint"]["current_state"] == "idle"
    start = await neon.api.post(f"{path}/start")
    assert start.status_code == 400
    assert "compute_time_seconds quota" in start.json()["message"]


async def test_a_disabled_replica_is_suspended_and_refuses_to_start(neon: Neon) -> None:
    created = await neon.create_project()
    project_id, branch_id = created["project"]["id"], created["branch"]["id"]
    response = await add_replica(neon, project_id, branch_id=branch_id, disabled=True)
    replica = response.json()["endpoint"]
    assert replica["disabled"] is True
    path = f"/projects/{project_id}/endpoints/{replica['id']}"
    assert (await neon.get(path))["endpoint"]["current_state"] == "idle"
    assert (await neon.api.post(f"{path}/start")).status_code == 400
    await neon.api.patch(path, json={"endpoint": {"disabled": False}})
    assert (await neon.api.post(f"{path}/start")).status_code == 200
    assert (await neon.get(path))["endpoint"]["current_state"] == "active"
