"""The contract suite's coverage: every operation the emulator serves answers contract-valid
responses, successes and refusals alike (the clients validate each exchange as it happens)."""

from __future__ import annotations

import json

import pytest

from controller.emulator.api_account import DEFAULT_ORG_ID
from controller.emulator.routes import ROUTES
from tests.emulator.conftest import Neon, NeonFactory
from tests.support.contract import CONTRACT_PATH

pytestmark = pytest.mark.anyio

HISTORY = {"granularity": "daily", "from": "2026-03-09T00:00:00Z", "to": "2026-03-11T00:00:00Z"}
V2 = {**HISTORY, "org_id": DEFAULT_ORG_ID, "metrics": "compute_unit_seconds"}


async def exercise_every_route(neon: Neon) -> None:
    created = await neon.create_project(name="everything")
    project = f"/projects/{created['project']['id']}"
    branch = f"{project}/branches/{created['branch']['id']}"
    endpoint = f"{project}/endpoints/{created['endpoints'][0]['id']}"
    api = neon.api
    await api.get("/projects", params={"limit": 1})
    await api.get(project)
    await api.patch(project, json={"project": {"settings": {"quota": {"active_time_seconds": 9}}}})
    await api.get(f"{project}/branches")
    await api.get(branch)
    await api.get(f"{branch}/endpoints")
    await api.get(f"{branch}/databases")
    await api.post(f"{branch}/roles", json={"role": {"name": "app"}})
    await api.get(f"{branch}/roles")
    await api.get(f"{branch}/roles/app/reveal_password")
    await api.post(f"{branch}/databases", json={"database": {"name": "db", "owner_name": "app"}})
    await api.post(f"{project}/branches", json={"branch": {"name": "dev"}})
    await api.get(f"{project}/connection_uri", params={"database_name": "db", "role_name": "app"})
    await api.get(f"{project}/endpoints")
    await api.get(endpoint)
    await api.patch(endpoint, json={"endpoint": {"autoscaling_limit_max_cu": 1}})
    await api.post(f"{endpoint}/suspend")
    await api.post(f"{endpoint}/start")
    reader = await api.post(
        f"{project}/endpoints",
        json={"endpoint": {"branch_id": created["branch"]["id"], "type": "read_only"}},
    )
    await api.delete(f"{project}/endpoints/{reader.json()['endpoint']['id']}")
    operations = (await api.get(f"{project}/operations")).json()["operations"]
    await api.get(f"{project}/operations/{operations[0]['id']}")
    await api.get("/consumption_history/projects", params=HISTORY)
    await api.get("/consumption_history/v2/projects", params=V2)
    await api.get(
        "/consumption_history/v2/branches",
        params={**V2, "project_ids": created["project"]["id"]},
    )
    await api.get("/regions")
    await api.get("/projects/shared")
    await api.get("/users/me")
    await api.get("/users/me/organizations")
    await api.get(f"/organizations/{DEFAULT_ORG_ID}")
    await api.get("/auth")
    await api.delete(project)
    await api.post(f"{project}/recover")


async def test_every_emulated_operation_answers_within_the_contract(neon: Neon) -> None:
    await exercise_every_route(neon)
    stats = await neon.emulator.stats()
    served = {(row["method"], row["route"]) for row in stats["requests"] if row["status"] < 300}
    assert served == {(route.method, route.template) for route in ROUTES}


async def test_refusals_answer_within_the_contract_too(neon_factory: NeonFactory) -> None:
    neon = await neon_factory(operation_seconds=5.0, burst_per_second=1)
    created = await neon.create_project()
    endpoint = f"/projects/{created['project']['id']}/endpoints/{created['endpoints'][0]['id']}"
    responses = [
        await neon.api.post(f"{endpoint}/start"),  # 423, locked by the create
        await neon.api.get(endpoint),
        await neon.api.get(endpoint),  # 429, over the burst
        await neon.api.get("/projects/nope-1"),  # 404
        await neon.raw.get("/projects", params={"limit": 0}),  # 400
        await neon.raw.get("/regions", headers={"Authorization": "Bearer wrong"}),  # 401
    ]
    assert [r.status_code for r in responses] == [423, 200, 429, 404, 400, 401]


def test_the_emulated_surface_is_the_vendored_contract() -> None:
    document = json.loads(CONTRACT_PATH.read_text(encoding="utf-8"))
    declared = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "post", "patch", "delete", "put"}
    }
    assert declared == {(route.method, route.template) for route in ROUTES}
