"""Computes: updates follow Neon's rules, scale to zero, and disabled computes refuse to start."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.conftest import Neon

pytestmark = pytest.mark.anyio


async def project_with_compute(neon: Neon, **fields: Any) -> tuple[str, str, str]:
    created = await neon.create_project(**fields)
    return created["project"]["id"], created["branch"]["id"], created["endpoints"][0]["id"]


async def patch(neon: Neon, project_id: str, endpoint_id: str, **fields: Any) -> Any:
    return await neon.api.patch(
        f"/projects/{project_id}/endpoints/{endpoint_id}", json={"endpoint": fields}
    )


async def test_update_sets_autoscaling_and_timeout_with_an_apply_config_operation(
    neon: Neon,
) -> None:
    project_id, _, endpoint_id = await project_with_compute(neon)
    response = await patch(
        neon,
        project_id,
        endpoint_id,
        autoscaling_limit_min_cu=1,
        autoscaling_limit_max_cu=4,
        suspend_timeout_seconds=-1,
        settings={"pg_settings": {"work_mem": "64MB"}},
    )
    assert response.status_code == 200
    endpoint = response.json()["endpoint"]
    assert (endpoint["autoscaling_limit_min_cu"], endpoint["autoscaling_limit_max_cu"]) == (1, 4)
    assert endpoint["suspend_timeout_seconds"] == -1
    assert endpoint["settings"] == {"pg_settings": {"work_mem": "64MB"}}
    assert [op["action"] for op in response.json()["operations"]] == ["apply_config"]


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"autoscaling_limit_max_cu": 9}, "wider than"),
        ({"autoscaling_limit_min_cu": 3.5}, "not a compute size"),
        ({"suspend_timeout_seconds": 59}, "is not allowed"),
    ],
)
async def test_update_outside_neons_rules_is_refused(
    neon: Neon, fields: dict[str, Any], reason: str
) -> None:
    project_id, _, endpoint_id = await project_with_compute(neon)
    response = await patch(neon, project_id, endpoint_id, **fields)
    assert response.status_code == 400
    assert reason in response.json()["message"]


async def test_an_idle_compute_suspends_after_its_timeout(neon: Neon) -> None:
    project_id, _, endpoint_id = await project_with_compute(neon)
    path = f"/projects/{project_id}/endpoints/{endpoint_id}"
    neon.clock.advance(299)
    assert (await neon.get(path))["endpoint"]["current_state"] == "active"
    neon.clock.advance(1)  # 0 means Neon's default, 300 s
    endpoint = (await neon.get(path))["endpoint"]
    assert endpoint["current_state"] == "idle"
    assert endpoint["suspended_at"] == "2026-03-10T12:05:00Z"
    await patch(neon, project_id, endpoint_id, suspend_timeout_seconds=-1)
    await neon.api.post(f"{path}/start")
    neon.clock.advance(30 * 86400)
    assert (await neon.get(path))["endpoint"]["current_state"] == "active"


async def test_a_disabled_compute_is_suspended_and_refuses_to_start(neon: Neon) -> None:
    project_id, _, endpoint_id = await project_with_compute(neon)
    path = f"/projects/{project_id}/endpoints/{endpoint_id}"
    disabled = await patch(neon, project_id, endpoint_id, disabled=True)
    assert [op["action"] for op in disabled.json()["operations"]] == [
        "apply_config",
        "suspend_compute",
    ]
    endpoint = (await neon.get(path))["endpoint"]
    assert (endpoint["disabled"], endpoint["current_state"]) == (True, "idle")
    refused = await neon.api.post(f"{path}/start")
    assert refused.status_code == 400
    assert "disabled" in refused.json()["message"]
    await patch(neon, project_id, endpoint_id, disabled=False)
    started = await neon.api.post(f"{path}/start")
    assert started.status_code == 200
    assert started.json()["endpoint"]["current_state"] == "active"


async def test_start_and_suspend(neon: Neon) -> None:
    project_id, _, endpoint_id = await project_with_compute(neon)
    path = f"/projects/{project_id}/endpoints/{endpoint_id}"
    suspended = await neon.api.post(f"{path}/suspend")
    assert [op["action"] for op in suspended.json()["operations"]] == ["suspend_compute"]
    assert (await neon.get(path))["endpoint"]["current_state"] == "idle"
    started = await neon.api.post(f"{path}/start")
    assert [op["action"] for op in started.json()["operations"]] == ["start_compute"]
    assert (await neon.get(path))["endpoint"]["current_state"] == "active"


async def test_create_and_delete_computes(neon: Neon) -> None:
    project_id, branch_id, _ = await project_with_compute(neon)
    path = f"/projects/{project_id}/endpoints"
    second_writer = await neon.api.post(
        path, json={"endpoint": {"branch_id": branch_id, "type": "read_write"}}
    )
    assert second_writer.status_code == 400
    reader = await neon.api.post(
        path,
        json={
            "endpoint": {"branch_id": branch_id, "type": "read_only", "autoscaling_limit_max_cu": 2}
        },
    )
    assert reader.status_code == 201
    reader_id = reader.json()["endpoint"]["id"]
    on_branch = await neon.get(f"/projects/{project_id}/branches/{branch_id}/endpoints")
    assert sorted(e["type"] for e in on_branch["endpoints"]) == ["read_only", "read_write"]
    assert (await neon.api.delete(f"{path}/{reader_id}")).status_code == 200
    assert (await neon.api.delete(f"{path}/{reader_id}")).status_code == 204
    assert len((await neon.get(path))["endpoints"]) == 1


async def test_connection_uri_for_the_default_branch_direct_and_pooled(neon: Neon) -> None:
    created = await neon.create_project()
    project_id, endpoint = created["project"]["id"], created["endpoints"][0]
    password = created["roles"][0]["password"]
    query = {"database_name": "neondb", "role_name": "neondb_owner"}
    direct = await neon.get(f"/projects/{project_id}/connection_uri", **query)
    pooled = await neon.get(f"/projects/{project_id}/connection_uri", **query, pooled="true")
    host = endpoint["host"]
    assert direct["uri"] == f"postgresql://neondb_owner:{password}@{host}/neondb?sslmode=require"
    assert pooled["uri"] == direct["uri"].replace(endpoint["id"], endpoint["id"] + "-pooler")
    missing = await neon.api.get(
        f"/projects/{project_id}/connection_uri",
        params={"database_name": "nope", "role_name": "neondb_owner"},
    )
    assert missing.status_code == 404


async def test_branches_databases_and_roles(neon: Neon) -> None:
    project_id, branch_id, _ = await project_with_compute(neon)
    base = f"/projects/{project_id}/branches/{branch_id}"
    role = await neon.api.post(f"{base}/roles", json={"role": {"name": "app"}})
    assert role.status_code == 201
    assert role.json()["role"]["password"]
    database = await neon.api.post(
        f"{base}/databases", json={"database": {"name": "appdb", "owner_name": "app"}}
    )
    assert database.status_code == 201
    assert [op["action"] for op in database.json()["operations"]] == ["apply_config"]
    duplicate = await neon.api.post(f"{base}/roles", json={"role": {"name": "app"}})
    assert duplicate.status_code == 400
    no_owner = await neon.api.post(
        f"{base}/databases", json={"database": {"name": "x", "owner_name": "ghost"}}
    )
    assert no_owner.status_code == 400
    roles = (await neon.get(f"{base}/roles"))["roles"]
    assert sorted(r["name"] for r in roles) == ["app", "neondb_owner"]
    assert all("password" not in r for r in roles)
    names = [d["name"] for d in (await neon.get(f"{base}/databases"))["databases"]]
    assert sorted(names) == ["appdb", "neondb"]
    child = await neon.api.post(
        f"/projects/{project_id}/branches",
        json={"branch": {"name": "dev"}, "endpoints": [{"type": "read_write"}]},
    )
    assert child.status_code == 201
    assert child.json()["branch"]["parent_id"] == branch_id
    assert sorted(r["name"] for r in child.json()["roles"]) == ["app", "neondb_owner"]
    branches = (await neon.get(f"/projects/{project_id}/branches", sort_by="name"))["branches"]
    assert [b["name"] for b in branches] == ["main", "dev"]  # sort_order defaults to desc


@pytest.mark.parametrize(
    ("before", "update", "after"),
    [
        ((1, 4), {"autoscaling_limit_max_cu": 0.5}, (0.5, 0.5)),  # the minimum follows down
        ((1, 4), {"autoscaling_limit_min_cu": 8}, (8, 8)),  # the maximum follows up
        ((1, 4), {"autoscaling_limit_max_cu": 2}, (1, 2)),  # the minimum keeps its value
    ],
)
async def test_one_bound_alone_updates_computes_and_defaults_alike(
    neon: Neon, before: tuple[float, float], update: dict[str, float], after: tuple[float, float]
) -> None:
    low, high = before
    bounds = {"autoscaling_limit_min_cu": low, "autoscaling_limit_max_cu": high}
    project_id, _, endpoint_id = await project_with_compute(neon, default_endpoint_settings=bounds)
    endpoint = (await patch(neon, project_id, endpoint_id, **update)).json()["endpoint"]
    project = await neon.api.patch(
        f"/projects/{project_id}", json={"project": {"default_endpoint_settings": update}}
    )
    defaults = project.json()["project"]["default_endpoint_settings"]
    keys = ("autoscaling_limit_min_cu", "autoscaling_limit_max_cu")
    assert tuple(endpoint[key] for key in keys) == after
    assert tuple(defaults[key] for key in keys) == after
