"""Refusals in Neon's shape: 400 for what the contract or Neon's rules reject, 401, 404."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.conftest import Neon

pytestmark = pytest.mark.anyio


def error(message: str) -> dict[str, str]:
    return {"code": "", "message": message}


async def test_a_body_without_its_wrapper_gets_the_message_recorded_from_neon(neon: Neon) -> None:
    response = await neon.raw.post("/projects", json={})
    assert response.status_code == 400
    assert response.json() == error(
        "invalid request: decode application/json: invalid: project (field required)"
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"pg_version": 13}, "project.pg_version"),
        ({"history_retention_seconds": 2_592_001}, "project.history_retention_seconds"),
        ({"name": ""}, "project.name"),
        ({"settings": {"quota": {"active_time_seconds": -1}}}, "project.settings.quota"),
        ({"settings": {"quota": {"written_data_bytes": 2**63}}}, "project.settings.quota"),
        ({"default_endpoint_settings": {"suspend_timeout_seconds": -2}}, "project.default_"),
        ({"store_passwords": "yes"}, "project.store_passwords"),
        ({"branch": {"annotations": {str(i): "x" for i in range(51)}}}, "project.branch"),
    ],
)
async def test_values_outside_the_contract_are_refused_naming_the_field(
    neon: Neon, body: dict[str, Any], field: str
) -> None:
    response = await neon.raw.post("/projects", json={"project": body})
    assert response.status_code == 400
    assert response.json()["message"].startswith(
        f"invalid request: decode application/json: invalid: {field}"
    )


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        ({"autoscaling_limit_min_cu": 0.75, "autoscaling_limit_max_cu": 1}, "not a compute size"),
        ({"autoscaling_limit_min_cu": 17, "autoscaling_limit_max_cu": 17}, "not a compute size"),
        ({"autoscaling_limit_min_cu": 10, "autoscaling_limit_max_cu": 18}, "above 16"),
        ({"autoscaling_limit_min_cu": 0.25, "autoscaling_limit_max_cu": 9}, "wider than"),
        ({"autoscaling_limit_min_cu": 4, "autoscaling_limit_max_cu": 2}, "must not exceed"),
        ({"suspend_timeout_seconds": 30}, "is not allowed"),
    ],
)
async def test_neon_compute_rules_apply_to_default_compute_settings(
    neon: Neon, settings: dict[str, Any], reason: str
) -> None:
    response = await neon.api.post(
        "/projects", json={"project": {"default_endpoint_settings": settings}}
    )
    assert response.status_code == 400
    assert reason in response.json()["message"]


@pytest.mark.parametrize(
    "settings",
    [
        {"autoscaling_limit_min_cu": 56, "autoscaling_limit_max_cu": 56},  # fixed size
        {"autoscaling_limit_min_cu": 8, "autoscaling_limit_max_cu": 16},
        {
            "autoscaling_limit_min_cu": 0.5,
            "autoscaling_limit_max_cu": 0.5,
            "suspend_timeout_seconds": -1,
        },
        {"suspend_timeout_seconds": 604_800},
    ],
)
async def test_edges_of_the_compute_rules_are_accepted(
    neon: Neon, settings: dict[str, Any]
) -> None:
    response = await neon.api.post(
        "/projects", json={"project": {"default_endpoint_settings": settings}}
    )
    assert response.status_code == 201, response.text


async def test_unknown_or_retired_regions_are_refused(neon: Neon) -> None:
    for region in ("aws-mars-1", "azure-eastus2"):
        response = await neon.api.post("/projects", json={"project": {"region_id": region}})
        assert response.status_code == 400
        assert f"unsupported region '{region}'" in response.json()["message"]
    regions = (await neon.get("/regions"))["regions"]
    assert len(regions) == 8
    assert [r["region_id"] for r in regions if r["default"]] == ["aws-us-east-2"]


@pytest.mark.parametrize(
    ("role", "reason"),
    [
        ("pg_monitor", "protected"),
        ("neon_superuser", "protected"),
        ("cloud_admin", "protected"),
        ("public", "protected"),
        ("r" * 64, "longer than 63 bytes"),
    ],
)
async def test_protected_and_overlong_role_names_are_refused(
    neon: Neon, role: str, reason: str
) -> None:
    created = await neon.create_project()
    path = f"/projects/{created['project']['id']}/branches/{created['branch']['id']}/roles"
    response = await neon.api.post(path, json={"role": {"name": role}})
    assert response.status_code == 400
    assert reason in response.json()["message"]
    at_creation = await neon.api.post(
        "/projects", json={"project": {"branch": {"role_name": role}}}
    )
    assert at_creation.status_code == 400


@pytest.mark.parametrize("database", ["postgres", "template0", "template1"])
async def test_reserved_database_names_are_refused(neon: Neon, database: str) -> None:
    created = await neon.create_project()
    path = f"/projects/{created['project']['id']}/branches/{created['branch']['id']}/databases"
    body = {"database": {"name": database, "owner_name": "neondb_owner"}}
    response = await neon.api.post(path, json=body)
    assert response.status_code == 400
    assert response.json() == error(f"database name '{database}' is reserved and cannot be used")


@pytest.mark.parametrize(
    ("params", "name"),
    [({"limit": "0"}, "limit"), ({"limit": "401"}, "limit"), ({"org_id": "Org_1"}, "org_id")],
)
async def test_query_parameters_outside_the_contract_are_refused(
    neon: Neon, params: dict[str, str], name: str
) -> None:
    response = await neon.raw.get("/projects", params=params)
    assert response.status_code == 400
    assert response.json()["message"].startswith(f'invalid request: query parameter "{name}"')


async def test_unknown_ids_get_404_and_malformed_ids_get_400(neon: Neon) -> None:
    created = await neon.create_project()
    project_id = created["project"]["id"]
    for path in (
        "/projects/no-such-project",
        f"/projects/{project_id}/endpoints/ep-no-such-a5000000",
        f"/projects/{project_id}/branches/br-no-such-a5000000/roles",
        f"/projects/{project_id}/operations/7fda088f-8f28-41c2-9700-085b6d8e5378",
    ):
        response = await neon.api.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == ""
        assert "not found" in response.json()["message"]
    assert (await neon.raw.get("/projects/Not_An_Id")).status_code == 400
    assert (await neon.raw.get(f"/projects/{project_id}/operations/not-a-uuid")).status_code == 400


async def test_requests_without_a_valid_bearer_key_get_401(neon_factory: Any) -> None:
    neon = await neon_factory(api_key="the-right-key")
    missing = await neon.raw.get("/projects", headers={"Authorization": ""})
    wrong = await neon.raw.get("/projects", headers={"Authorization": "Bearer the-wrong-key"})
    right = await neon.raw.get("/projects", headers={"Authorization": "Bearer the-right-key"})
    assert (missing.status_code, wrong.status_code, right.status_code) == (401, 401, 200)
    assert "Bearer" in missing.json()["message"]
    assert "the-wrong-key" not in wrong.text


async def test_any_non_empty_key_is_accepted_when_none_is_configured(neon_factory: Any) -> None:
    neon = await neon_factory(api_key=None)
    response = await neon.raw.get("/projects", headers={"Authorization": "Bearer anything"})
    assert response.status_code == 200


async def test_errors_echo_x_request_id_and_every_response_has_neons_request_id_header(
    neon: Neon,
) -> None:
    response = await neon.api.get("/projects/missing-1", headers={"X-Request-ID": "req-42"})
    assert response.json() == {**error("project missing-1 not found"), "request_id": "req-42"}
    ok = await neon.api.get("/projects")
    assert response.headers["X-Neon-Ret-Request-Id"] != ok.headers["X-Neon-Ret-Request-Id"]


async def test_unknown_paths_and_methods_get_neon_shaped_errors(neon: Neon) -> None:
    async with neon.emulator.client() as unchecked:  # the contract has nothing to check here
        unknown = await unchecked.get("/no/such/thing")
        wrong_method = await unchecked.put("/projects")
    assert (unknown.status_code, wrong_method.status_code) == (404, 405)
    assert unknown.json()["code"] == ""
    assert wrong_method.json()["code"] == ""
