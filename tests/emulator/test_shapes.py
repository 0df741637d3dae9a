"""Shape checks: emulator responses carry every field real Neon sent, with the same JSON types
and nesting (the real responses are the recordings in tests/fixtures/recordings/)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.conftest import Neon, NeonFactory
from tests.support.recordings import recorded_exchanges
from tests.support.shapes import assert_shape_covers

pytestmark = pytest.mark.anyio

# Fields real Neon sent in 2024 and has since renamed, as (parent key, old name): new name.
# The contract and the 2025 recordings have only the new name.
RENAMED_SINCE = {("allowed_ips", "primary_branch_only"): "protected_branches_only"}


def current_fields(body: Any, parent: str = "") -> Any:
    """A recorded body without the fields Neon renamed since it was recorded."""
    if isinstance(body, list):
        return [current_fields(item, parent) for item in body]
    if not isinstance(body, dict):
        return body
    return {
        key: current_fields(value, key)
        for key, value in body.items()
        if (parent, key) not in RENAMED_SINCE
    }


async def emulator_responses(neon: Neon) -> dict[tuple[str, str, int], Any]:
    """One emulator response per recorded route, from projects like the recorded ones: one whose
    compute has run (as in the recorded project reads), one just created (its operations still
    in progress, as in the recorded create and the reads right after it)."""
    aged_id = (await neon.create_project(name="aged"))["project"]["id"]
    neon.clock.advance(3600)
    created = await neon.create_project(name="pytest-1")
    project_id, branch_id = created["project"]["id"], created["branch"]["id"]
    endpoint_id, operation_id = created["endpoints"][0]["id"], created["operations"][1]["id"]
    aged, project = f"/projects/{aged_id}", f"/projects/{project_id}"
    uri_query = {"database_name": "neondb", "role_name": "neondb_owner", "pooled": "True"}
    renamed = await neon.api.patch(aged, json={"project": {"name": "pytest-2"}})
    invalid = await neon.raw.post("/projects", json={})
    responses = {
        ("POST", "/projects", 201): created,
        ("POST", "/projects", 400): invalid.json(),
        ("GET", "/projects", 200): await neon.get("/projects"),
        ("GET", "/projects/{project_id}", 200): await neon.get(aged),
        ("PATCH", "/projects/{project_id}", 200): renamed.json(),
        ("GET", "/projects/{project_id}/branches", 200): await neon.get(f"{project}/branches"),
        ("GET", "/projects/{project_id}/branches/{branch_id}/databases", 200): await neon.get(
            f"{project}/branches/{branch_id}/databases"
        ),
        ("GET", "/projects/{project_id}/branches/{branch_id}/roles", 200): await neon.get(
            f"{project}/branches/{branch_id}/roles"
        ),
        ("GET", "/projects/{project_id}/connection_uri", 200): await neon.get(
            f"{project}/connection_uri", **uri_query
        ),
        ("GET", "/projects/{project_id}/endpoints", 200): await neon.get(f"{project}/endpoints"),
        ("GET", "/projects/{project_id}/endpoints/{endpoint_id}", 200): await neon.get(
            f"{project}/endpoints/{endpoint_id}"
        ),
        ("GET", "/projects/{project_id}/operations", 200): await neon.get(f"{project}/operations"),
        ("GET", "/projects/{project_id}/operations/{operation_id}", 200): await neon.get(
            f"{project}/operations/{operation_id}"
        ),
    }
    responses[("DELETE", "/projects/{project_id}", 200)] = (await neon.api.delete(aged)).json()
    return responses


async def test_every_recorded_response_shape_is_covered(neon_factory: NeonFactory) -> None:
    # As recorded: every call right after the create, its operations still in progress.
    responses = await emulator_responses(await neon_factory(operation_seconds=1.0))
    compared = 0
    for (method, template, status), actual in responses.items():
        recorded = [e for e in recorded_exchanges(method, template) if e.status == status]
        assert recorded, f"no recording of {method} {template} {status}"
        for exchange in recorded:
            if (
                isinstance(exchange.response_body, dict)
                and exchange.response_body.get("projects") == []
            ):
                continue  # an empty list says nothing about the shape of its items
            assert_shape_covers(
                actual,
                current_fields(exchange.response_body),
                where=f"{exchange.source} {method} {template}",
            )
            compared += 1
    assert compared >= 25
