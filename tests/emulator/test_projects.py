"""Projects: create seeds what Neon seeds, lists page by id, updates merge, deletes recover."""

from __future__ import annotations

import re

import pytest

from tests.emulator.conftest import Neon, NeonFactory

pytestmark = pytest.mark.anyio

PROJECT_ID = re.compile(r"^[a-z]+-[a-z]+-\d{8}$")
BRANCH_ID = re.compile(r"^br-[a-z]+-[a-z]+-a5[a-z0-9]{6}$")
ENDPOINT_ID = re.compile(r"^ep-[a-z]+-[a-z]+-a5[a-z0-9]{6}$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


async def test_create_seeds_branch_compute_role_database_and_connection_uri(neon: Neon) -> None:
    created = await neon.create_project(name="acme")
    project, branch, endpoint = created["project"], created["branch"], created["endpoints"][0]
    assert PROJECT_ID.match(project["id"])
    assert BRANCH_ID.match(branch["id"])
    assert branch["name"] == "main"
    assert branch["default"]
    assert ENDPOINT_ID.match(endpoint["id"])
    assert endpoint["type"] == "read_write"
    assert endpoint["host"] == f"{endpoint['id']}.us-east-2.aws.neon.tech"
    assert (project["name"], project["pg_version"], project["region_id"]) == (
        "acme",
        17,
        "aws-us-east-2",
    )
    assert [r["name"] for r in created["roles"]] == ["neondb_owner"]
    assert created["roles"][0]["password"]
    assert [(d["name"], d["owner_name"]) for d in created["databases"]] == [
        ("neondb", "neondb_owner")
    ]
    parameters = created["connection_uris"][0]["connection_parameters"]
    assert parameters["pooler_host"] == f"{endpoint['id']}-pooler.us-east-2.aws.neon.tech"
    assert created["connection_uris"][0]["connection_uri"] == (
        f"postgresql://neondb_owner:{parameters['password']}@{endpoint['host']}/neondb"
        "?sslmode=require"
    )


async def test_create_returns_operations_in_progress_like_neon(neon_factory: NeonFactory) -> None:
    neon = await neon_factory(operation_seconds=2.0)
    created = await neon.create_project()
    operations = [(op["action"], op["status"]) for op in created["operations"]]
    assert operations == [("create_timeline", "running"), ("start_compute", "scheduling")]
    assert all(UUID.match(op["id"]) for op in created["operations"])
    assert created["branch"]["current_state"] == "init"
    assert created["branch"]["pending_state"] == "ready"
    assert created["endpoints"][0]["current_state"] == "init"
    assert created["endpoints"][0]["pending_state"] == "active"
    assert created["project"]["consumption_period_start"] == "0001-01-01T00:00:00Z"
    neon.clock.advance(2.0)
    endpoint = (await neon.get(f"/projects/{created['project']['id']}/endpoints"))["endpoints"][0]
    assert endpoint["current_state"] == "active"
    assert "pending_state" not in endpoint


async def test_create_with_custom_names_defaults_and_annotations(neon: Neon) -> None:
    created = await neon.create_project(
        name="t-1",
        region_id="aws-eu-central-1",
        pg_version=16,
        default_endpoint_settings={
            "autoscaling_limit_min_cu": 0.5,
            "autoscaling_limit_max_cu": 4,
            "suspend_timeout_seconds": 600,
        },
        branch={
            "name": "prod",
            "database_name": "app",
            "role_name": "app_user",
            "annotations": {"tenantctl/tenant": "t-1", "tenantctl/owner": "fleet-a"},
        },
    )
    project_id, branch_id = created["project"]["id"], created["branch"]["id"]
    endpoint = created["endpoints"][0]
    assert endpoint["host"].endswith(".eu-central-1.aws.neon.tech")
    assert (endpoint["autoscaling_limit_min_cu"], endpoint["autoscaling_limit_max_cu"]) == (0.5, 4)
    assert endpoint["suspend_timeout_seconds"] == 600
    assert created["databases"][0]["owner_name"] == "app_user"
    listed = await neon.get(f"/projects/{project_id}/branches")
    assert listed["annotations"] == {
        branch_id: {
            "object": {"type": "console/branch", "id": branch_id},
            "value": {"tenantctl/tenant": "t-1", "tenantctl/owner": "fleet-a"},
            "created_at": created["branch"]["created_at"],
            "updated_at": created["branch"]["created_at"],
        }
    }
    single = await neon.get(f"/projects/{project_id}/branches/{branch_id}")
    assert single["annotation"]["value"]["tenantctl/tenant"] == "t-1"


async def test_get_has_counters_period_and_owner_that_the_list_item_lacks(neon: Neon) -> None:
    project_id = (await neon.create_project(name="a"))["project"]["id"]
    project = (await neon.get(f"/projects/{project_id}"))["project"]
    assert project["consumption_period_start"] == "2026-03-01T00:00:00Z"
    assert project["consumption_period_end"] == "2026-04-01T00:00:00Z"
    assert {"active_time_seconds", "compute_time_seconds", "owner"} <= project.keys()
    item = (await neon.get("/projects"))["projects"][0]
    assert {"settings", "default_endpoint_settings", "history_retention_seconds"} <= item.keys()
    assert item["active_time"] == 0
    assert item["quota_reset_at"] == "2026-04-01T00:00:00Z"
    assert not {"active_time_seconds", "written_data_bytes", "consumption_period_end"} & item.keys()


async def test_list_pages_by_last_project_id_until_an_empty_page(neon: Neon) -> None:
    assert await neon.get("/projects") == {"projects": [], "applications": {}, "integrations": {}}
    created = sorted([(await neon.create_project())["project"]["id"] for _ in range(5)])
    first = await neon.get("/projects", limit=2)
    assert [p["id"] for p in first["projects"]] == created[:2]
    assert first["pagination"] == {"cursor": created[1]}
    second = await neon.get("/projects", limit=2, cursor=created[1])
    third = await neon.get("/projects", limit=2, cursor=second["pagination"]["cursor"])
    assert [p["id"] for p in second["projects"] + third["projects"]] == created[2:]
    assert third["pagination"] == {"cursor": created[4]}  # present on a short last page too
    last = await neon.get("/projects", limit=2, cursor=created[4])
    assert last["projects"] == []
    assert "pagination" not in last


async def test_list_without_a_limit_gives_neons_default_page_of_10(neon: Neon) -> None:
    created = sorted([(await neon.create_project())["project"]["id"] for _ in range(12)])
    page = await neon.get("/projects")
    assert [p["id"] for p in page["projects"]] == created[:10]
    assert page["pagination"] == {"cursor": created[9]}


async def test_search_matches_part_of_a_name_or_an_id_and_org_filters(neon: Neon) -> None:
    acme = (await neon.create_project(name="tenant-acme", org_id="org-one"))["project"]
    await neon.create_project(name="tenant-globex")
    by_name = await neon.get("/projects", search="acm")
    by_id = await neon.get("/projects", search=acme["id"][3:12])
    by_org = await neon.get("/projects", org_id="org-one")
    assert [p["id"] for p in by_name["projects"]] == [acme["id"]]
    assert acme["id"] in [p["id"] for p in by_id["projects"]]
    assert [p["id"] for p in by_org["projects"]] == [acme["id"]]
    assert by_org["projects"][0]["org_id"] == "org-one"


async def test_update_merges_settings_and_quota_fields_and_zero_clears_a_quota(neon: Neon) -> None:
    project_id = (await neon.create_project())["project"]["id"]
    path = f"/projects/{project_id}"
    quota = {"active_time_seconds": 3600, "written_data_bytes": 10**9}
    await neon.api.patch(path, json={"project": {"settings": {"quota": quota}}})
    response = await neon.api.patch(
        path,
        json={
            "project": {
                "name": "renamed",
                "history_retention_seconds": 3600,
                "settings": {"quota": {"active_time_seconds": 0}, "block_public_connections": True},
            }
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["operations"] == []
    project = body["project"]
    assert project["name"] == "renamed"
    assert project["history_retention_seconds"] == 3600
    assert project["settings"]["quota"] == {"active_time_seconds": 0, "written_data_bytes": 10**9}
    assert project["settings"]["block_public_connections"] is True
    assert project["settings"]["allowed_ips"] == {"ips": [], "protected_branches_only": False}


async def test_update_of_default_compute_settings_leaves_existing_computes_alone(
    neon: Neon,
) -> None:
    created = await neon.create_project()
    project_id = created["project"]["id"]
    settings = {"autoscaling_limit_min_cu": 1, "autoscaling_limit_max_cu": 2}
    response = await neon.api.patch(
        f"/projects/{project_id}", json={"project": {"default_endpoint_settings": settings}}
    )
    assert response.json()["project"]["default_endpoint_settings"] == {
        **settings,
        "suspend_timeout_seconds": 0,
    }
    endpoint = (await neon.get(f"/projects/{project_id}/endpoints"))["endpoints"][0]
    assert endpoint["autoscaling_limit_max_cu"] == 0.25


async def test_deleted_project_is_listed_as_recoverable_and_recovers(neon: Neon) -> None:
    project_id = (await neon.create_project(name="gone"))["project"]["id"]
    deleted = await neon.api.delete(f"/projects/{project_id}")
    assert deleted.status_code == 200
    assert deleted.json()["project"]["id"] == project_id
    assert (await neon.api.get(f"/projects/{project_id}")).status_code == 404
    assert (await neon.get("/projects"))["projects"] == []
    recoverable = (await neon.get("/projects", recoverable="true"))["projects"]
    assert [p["id"] for p in recoverable] == [project_id]
    assert recoverable[0]["recoverable_until"] == "2026-03-17T12:00:00Z"
    recovered = await neon.api.post(f"/projects/{project_id}/recover")
    assert recovered.status_code == 200
    assert [b["name"] for b in recovered.json()["branches"]] == ["main"]
    assert (await neon.get(f"/projects/{project_id}"))["project"]["name"] == "gone"
    assert (await neon.api.delete(f"/projects/{project_id}")).status_code == 200
    assert (await neon.api.delete(f"/projects/{project_id}")).status_code == 404


async def test_deleted_project_cannot_be_recovered_after_seven_days(neon: Neon) -> None:
    project_id = (await neon.create_project())["project"]["id"]
    await neon.api.delete(f"/projects/{project_id}")
    await neon.emulator.advance_clock(7 * 86400 + 1)
    assert (await neon.get("/projects", recoverable="true"))["projects"] == []
    assert (await neon.api.post(f"/projects/{project_id}/recover")).status_code == 404


async def test_a_deleted_project_does_no_work_while_deleted(neon_factory: NeonFactory) -> None:
    neon = await neon_factory(operation_seconds=10.0)
    created = await neon.create_project(name="stopped")
    project_id = created["project"]["id"]
    await neon.api.delete(f"/projects/{project_id}")  # its compute has not started yet
    neon.clock.advance(3600)
    await neon.api.post(f"/projects/{project_id}/recover")
    project = (await neon.get(f"/projects/{project_id}"))["project"]
    assert project["active_time_seconds"] == 0
    assert "compute_last_active_at" not in project
    endpoint = (await neon.get(f"/projects/{project_id}/endpoints"))["endpoints"][0]
    assert endpoint["current_state"] == "idle"
    operations = (await neon.get(f"/projects/{project_id}/operations"))["operations"]
    assert [op["status"] for op in operations] == ["cancelled", "cancelled"]
