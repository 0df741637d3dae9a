"""Operations move scheduling -> running -> finished; overlapping work gets 423; failures inject."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.conftest import Neon, NeonFactory

pytestmark = pytest.mark.anyio

LOCKED = {
    "code": "",
    "message": "project already has running conflicting operations, scheduling of new ones is "
    "prohibited",
}


async def slow_neon(neon_factory: NeonFactory, **options: Any) -> Neon:
    neon: Neon = await neon_factory(operation_seconds=10.0, **options)
    return neon


async def test_operations_progress_with_the_clock(neon_factory: NeonFactory) -> None:
    neon = await slow_neon(neon_factory)
    created = await neon.create_project()
    project_id = created["project"]["id"]
    start_op = created["operations"][1]["id"]
    path = f"/projects/{project_id}/operations/{start_op}"
    statuses = []
    for step in (0, 4, 2, 4):  # create_timeline runs 0-5 s, start_compute 5-10 s
        neon.clock.advance(step)
        statuses.append((await neon.get(path))["operation"]["status"])
    assert statuses == ["scheduling", "scheduling", "running", "finished"]
    finished = (await neon.get(path))["operation"]
    assert finished["total_duration_ms"] == 5000
    assert finished["failures_count"] == 0


async def test_a_mutation_while_operations_run_gets_423_and_reads_do_not(
    neon_factory: NeonFactory,
) -> None:
    neon = await slow_neon(neon_factory)
    created = await neon.create_project()
    project_id, endpoint_id = created["project"]["id"], created["endpoints"][0]["id"]
    branch_path = f"/projects/{project_id}/branches/{created['branch']['id']}"
    blocked = [
        await neon.api.post(f"/projects/{project_id}/endpoints/{endpoint_id}/suspend"),
        await neon.api.post(f"/projects/{project_id}/endpoints/{endpoint_id}/start"),
        await neon.api.patch(
            f"/projects/{project_id}/endpoints/{endpoint_id}",
            json={"endpoint": {"suspend_timeout_seconds": 60}},
        ),
        await neon.api.post(f"{branch_path}/roles", json={"role": {"name": "app"}}),
    ]
    assert [(r.status_code, r.json()) for r in blocked] == [(423, LOCKED)] * 4
    reads = [
        await neon.api.get(f"/projects/{project_id}"),
        await neon.api.get(f"/projects/{project_id}/endpoints/{endpoint_id}"),
        await neon.api.get(f"{branch_path}/roles"),
    ]
    assert [r.status_code for r in reads] == [200, 200, 200]
    neon.clock.advance(10)
    suspended = await neon.api.post(f"/projects/{project_id}/endpoints/{endpoint_id}/suspend")
    assert suspended.status_code == 200


async def test_423_leaves_the_project_unchanged(neon_factory: NeonFactory) -> None:
    neon = await slow_neon(neon_factory)
    created = await neon.create_project()
    project_id, endpoint_id = created["project"]["id"], created["endpoints"][0]["id"]
    response = await neon.api.patch(
        f"/projects/{project_id}/endpoints/{endpoint_id}",
        json={"endpoint": {"autoscaling_limit_max_cu": 2}},
    )
    assert response.status_code == 423
    endpoint = (await neon.get(f"/projects/{project_id}/endpoints/{endpoint_id}"))["endpoint"]
    assert endpoint["autoscaling_limit_max_cu"] == 0.25


async def test_with_zero_operation_seconds_operations_are_finished_in_the_response(
    neon: Neon,
) -> None:
    created = await neon.create_project()
    assert [op["status"] for op in created["operations"]] == ["finished", "finished"]
    assert created["endpoints"][0]["current_state"] == "active"
    assert created["branch"]["current_state"] == "ready"


async def test_an_injected_operation_failure_fails_it_and_cancels_the_rest(neon: Neon) -> None:
    await neon.emulator.set_faults(operation_failure_rate=1.0)
    created = await neon.create_project()
    assert [op["status"] for op in created["operations"]] == ["failed", "cancelled"]
    failed = created["operations"][0]
    assert failed["failures_count"] == 1
    assert "fault injected" in failed["error"]
    assert created["endpoints"][0]["current_state"] == "init"  # start_compute never ran
    await neon.emulator.set_faults()
    project_id, endpoint_id = created["project"]["id"], created["endpoints"][0]["id"]
    started = await neon.api.post(f"/projects/{project_id}/endpoints/{endpoint_id}/start")
    assert started.json()["endpoint"]["current_state"] == "active"


async def test_operations_list_newest_first_paged_by_timestamp_cursor(neon: Neon) -> None:
    created = await neon.create_project()
    project_id, endpoint_id = created["project"]["id"], created["endpoints"][0]["id"]
    for action in ("suspend", "start", "suspend"):
        neon.clock.advance(1)
        await neon.api.post(f"/projects/{project_id}/endpoints/{endpoint_id}/{action}")
    first = await neon.get(f"/projects/{project_id}/operations", limit=3)
    actions = [op["action"] for op in first["operations"]]
    assert actions == ["suspend_compute", "start_compute", "suspend_compute"]
    assert first["pagination"]["cursor"].endswith("Z")
    assert "." in first["pagination"]["cursor"]  # microsecond precision, as recorded
    rest = await neon.get(
        f"/projects/{project_id}/operations", limit=3, cursor=first["pagination"]["cursor"]
    )
    assert [op["action"] for op in rest["operations"]] == ["start_compute", "create_timeline"]
    everything = {op["id"] for op in first["operations"] + rest["operations"]}
    assert len(everything) == 5


@pytest.mark.parametrize("fraction", [0.000002536, 0.000003487, 0.000007608])
async def test_paging_one_at_a_time_reaches_every_operation_at_sub_microsecond_instants(
    neon: Neon, fraction: float
) -> None:
    neon.clock.advance(fraction)  # a real clock is rarely on a whole microsecond
    created = await neon.create_project()
    project_id, endpoint_id = created["project"]["id"], created["endpoints"][0]["id"]
    for action in ("suspend", "start"):  # all four operations in one instant, 1 µs apart
        await neon.api.post(f"/projects/{project_id}/endpoints/{endpoint_id}/{action}")
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 1}
    while (page := await neon.get(f"/projects/{project_id}/operations", **params))["operations"]:
        seen += [op["action"] for op in page["operations"]]
        params["cursor"] = page["pagination"]["cursor"]
    assert seen == ["start_compute", "suspend_compute", "start_compute", "create_timeline"]
