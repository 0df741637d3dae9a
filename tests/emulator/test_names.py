"""Names with control characters (a NUL, an escape sequence) are refused with a 400 naming the
field and the character, wherever a name enters: projects, branches, computes, roles, databases
(issue 14: "a project name with NUL is accepted")."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.conftest import Neon

pytestmark = pytest.mark.anyio

PREFIX = "invalid request: decode application/json: invalid:"


def refused(field: str, code_point: str, index: int) -> dict[str, str]:
    return {
        "code": "",
        "message": f"{PREFIX} {field} (must not contain control characters "
        f"({code_point} at index {index}))",
    }


@pytest.mark.parametrize(
    ("project", "field", "code_point", "index"),
    [
        ({"name": "acme\x00"}, "project.name", "U+0000", 4),
        ({"name": "\x1b[2Jacme"}, "project.name", "U+001B", 0),
        ({"name": "a\x7fb"}, "project.name", "U+007F", 1),
        ({"name": "a\x85b"}, "project.name", "U+0085", 1),
        ({"branch": {"name": "ma\tin"}}, "project.branch.name", "U+0009", 2),
        ({"branch": {"role_name": "own\x00er"}}, "project.branch.role_name", "U+0000", 3),
        ({"branch": {"database_name": "db\n"}}, "project.branch.database_name", "U+000A", 2),
    ],
)
async def test_a_project_create_with_a_control_character_in_a_name_is_refused(
    neon: Neon, project: dict[str, Any], field: str, code_point: str, index: int
) -> None:
    response = await neon.api.post("/projects", json={"project": project})
    assert response.status_code == 400
    assert response.json() == refused(field, code_point, index)
    assert (await neon.get("/projects"))["projects"] == []


async def test_printable_unicode_names_are_kept(neon: Neon) -> None:
    created = await neon.create_project(name="Café — 東京 ✓")
    assert created["project"]["name"] == "Café — 東京 ✓"


async def test_renames_branches_computes_roles_and_databases_are_checked_too(
    neon: Neon,
) -> None:
    created = await neon.create_project(name="acme")
    project = f"/projects/{created['project']['id']}"
    branch = f"{project}/branches/{created['branch']['id']}"
    endpoint = f"{project}/endpoints/{created['endpoints'][0]['id']}"
    attempts = [
        (neon.api.patch(project, json={"project": {"name": "x\x00"}}), "project.name", 1),
        (
            neon.api.post(f"{project}/branches", json={"branch": {"name": "dev\x00"}}),
            "branch.name",
            3,
        ),
        (neon.api.patch(endpoint, json={"endpoint": {"name": "\x00ro"}}), "endpoint.name", 0),
        (neon.api.post(f"{branch}/roles", json={"role": {"name": "app\x00"}}), "role.name", 3),
        (
            neon.api.post(
                f"{branch}/databases",
                json={"database": {"name": "d\x00b", "owner_name": "neondb_owner"}},
            ),
            "database.name",
            1,
        ),
    ]
    for call, field, index in attempts:
        response = await call
        assert (response.status_code, response.json()) == (
            400,
            refused(field, "U+0000", index),
        ), field
    assert (await neon.get(project))["project"]["name"] == "acme"
