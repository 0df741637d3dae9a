"""Injected faults: failing statuses, lost responses after commit, failing operations."""

from __future__ import annotations

from typing import Any

import pytest

from controller.emulator import ResponseDropped
from tests.emulator.conftest import Neon, NeonFactory

pytestmark = pytest.mark.anyio


async def test_an_injected_503_answers_before_anything_happens(neon: Neon) -> None:
    await neon.emulator.set_faults(status_rates={"503": 1.0})
    response = await neon.api.post("/projects", json={"project": {"name": "x"}})
    assert response.status_code == 503
    assert response.json() == {"code": "", "message": "service temporarily unavailable"}
    await neon.emulator.set_faults()
    assert (await neon.get("/projects"))["projects"] == []
    stats = await neon.emulator.stats()
    assert stats["injected_faults"] == 1


async def test_injected_423_hits_mutations_only(neon: Neon) -> None:
    created = await neon.create_project()
    await neon.emulator.set_faults(status_rates={"423": 1.0})
    assert (await neon.api.get("/projects")).status_code == 200
    project_id, endpoint_id = created["project"]["id"], created["endpoints"][0]["id"]
    locked = await neon.api.post(f"/projects/{project_id}/endpoints/{endpoint_id}/suspend")
    assert locked.status_code == 423
    assert locked.json()["message"].startswith("project already has running conflicting")


async def test_a_dropped_response_still_commits(neon: Neon) -> None:
    await neon.emulator.set_faults(drop_after_commit_rate=1.0)
    with pytest.raises(ResponseDropped):
        await neon.api.post("/projects", json={"project": {"name": "committed"}})
    assert (await neon.get("/projects"))["projects"][0]["name"] == "committed"
    stats = await neon.emulator.stats()
    assert stats["dropped_after_commit"] == 1
    assert isinstance(ResponseDropped(), OSError)  # what a client sees as a transport error


async def test_injected_latency_delays_each_api_request(neon_factory: NeonFactory) -> None:
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    neon = await neon_factory(sleep=record)
    await neon.emulator.set_faults(latency_ms=250)
    await neon.api.get("/projects")
    await neon.api.get("/regions")
    await neon.emulator.stats()  # the control API is never delayed
    assert waits == [0.25, 0.25]


async def test_the_same_seed_injects_the_same_faults(neon_factory: NeonFactory) -> None:
    async def run(seed: int) -> list[int]:
        neon: Neon = await neon_factory(seed=seed)
        await neon.emulator.set_faults(status_rates={"503": 0.3, "429": 0.2})
        return [(await neon.api.get("/regions")).status_code for _ in range(40)]

    first, second, other = await run(7), await run(7), await run(8)
    assert first == second
    assert first != other
    assert {200, 429, 503} == set(first)


@pytest.mark.parametrize(
    "faults",
    [
        {"status_rates": {"200": 0.5}},
        {"status_rates": {"503": 0.7, "429": 0.7}},
        {"drop_after_commit_rate": 1.5},
        {"latency_ms": -1},
        {"surprise": True},
    ],
)
async def test_invalid_fault_settings_are_refused(neon: Neon, faults: dict[str, Any]) -> None:
    async with neon.emulator.client(base_url="http://emulator") as control:
        response = await control.post("/_emulator/faults", json=faults)
    assert response.status_code == 400
    assert response.json()["code"] == ""


async def test_fault_settings_are_readable_and_cleared_by_reset(neon: Neon) -> None:
    await neon.emulator.set_faults(latency_ms=5, operation_failure_rate=0.5)
    current = await neon.emulator.control("GET", "/faults")
    assert (current["latency_ms"], current["operation_failure_rate"]) == (5, 0.5)
    await neon.emulator.reset()
    cleared = await neon.emulator.control("GET", "/faults")
    assert (cleared["latency_ms"], cleared["operation_failure_rate"]) == (0, 0)
