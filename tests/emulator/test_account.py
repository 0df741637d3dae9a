"""The reads Neon's official clients start from: the key's identity, the user, its organizations,
projects shared with it, and a role's password for a connection string."""

from __future__ import annotations

import pytest

from controller.emulator.api_account import DEFAULT_ORG_ID
from tests.emulator.conftest import Neon, NeonFactory
from tests.support.recordings import recorded_exchanges
from tests.support.shapes import assert_shape_covers

pytestmark = pytest.mark.anyio


async def test_the_user_looks_like_a_real_one(neon: Neon) -> None:
    me = await neon.get("/users/me")
    [recorded] = recorded_exchanges("GET", "/users/me")
    assert_shape_covers(me, recorded.response_body, where="GET /users/me")
    assert me["email"] == me["billing_account"]["email"] == "emulator@example.com"
    assert me["plan"] == me["billing_account"]["subscription_type"] == "scale"


@pytest.mark.parametrize(("api", "plan"), [("v2", "scale_v3"), ("legacy", "scale")])
async def test_the_plan_follows_the_consumption_api_the_account_has(
    neon_factory: NeonFactory, api: str, plan: str
) -> None:
    neon = await neon_factory(consumption_api=api)
    assert (await neon.get("/users/me"))["plan"] == plan
    assert (await neon.get(f"/organizations/{DEFAULT_ORG_ID}"))["plan"] == plan


async def test_the_key_is_a_personal_key_of_the_user(neon: Neon) -> None:
    auth = await neon.get("/auth")
    assert auth == {
        "account_id": (await neon.get("/users/me"))["id"],
        "auth_method": "api_key_user",
    }
    assert neon.emulator.api_key not in str(auth)


async def test_organizations_are_the_default_one_and_those_projects_were_created_in(
    neon: Neon,
) -> None:
    listed = (await neon.get("/users/me/organizations"))["organizations"]
    assert [org["id"] for org in listed] == [DEFAULT_ORG_ID]
    await neon.create_project(org_id="org-partner-12345678")
    listed = (await neon.get("/users/me/organizations"))["organizations"]
    assert [org["id"] for org in listed] == [DEFAULT_ORG_ID, "org-partner-12345678"]
    org = await neon.get("/organizations/org-partner-12345678")
    assert (org["id"], org["managed_by"]) == ("org-partner-12345678", "console")
    missing = await neon.api.get("/organizations/org-elsewhere-00000001")
    assert missing.status_code == 404
    malformed = await neon.raw.get("/organizations/Org_Bad")
    assert malformed.status_code == 400


async def test_no_project_is_shared_with_the_account(neon: Neon) -> None:
    await neon.create_project(name="own")
    shared = await neon.get("/projects/shared", limit=100)
    assert shared == {"projects": []}
    refused = await neon.raw.get("/projects/shared", params={"limit": 401})
    assert refused.status_code == 400


async def test_a_roles_password_is_revealed_when_the_project_stores_passwords(
    neon: Neon,
) -> None:
    created = await neon.create_project()
    branch = f"/projects/{created['project']['id']}/branches/{created['branch']['id']}"
    revealed = await neon.get(f"{branch}/roles/neondb_owner/reveal_password")
    assert revealed == {"password": created["roles"][0]["password"]}
    missing = await neon.api.get(f"{branch}/roles/nobody/reveal_password")
    assert missing.status_code == 404


async def test_a_project_that_does_not_store_passwords_answers_412(neon: Neon) -> None:
    created = await neon.create_project(store_passwords=False)
    project_id = created["project"]["id"]
    branch = f"/projects/{project_id}/branches/{created['branch']['id']}"
    response = await neon.api.get(f"{branch}/roles/neondb_owner/reveal_password")
    assert response.status_code == 412
    assert response.json()["message"] == (
        f"project {project_id} does not store passwords (store_passwords is false)"
    )
