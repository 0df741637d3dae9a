"""The requests Neon's CLI (neonctl) made in its basic flows, replayed against the emulator: each
answer has the recorded status, validates against the vendored contract (requests too), and
carries what neonctl reads from it. The recording is tests/fixtures/neonctl/flows.json, made by
`scripts/check_neonctl.py --record` against a real neonctl, so CI needs no npm."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.emulator.conftest import Neon
from tests.support.recordings import substitute

pytestmark = pytest.mark.anyio

FLOWS = Path(__file__).resolve().parents[1] / "fixtures" / "neonctl" / "flows.json"


def recording() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(FLOWS.read_text(encoding="utf-8"))
    return loaded


def read(document: Any, path: str) -> list[Any]:
    """The values at `path` (`a.b[].c`: `[]` walks every item of a non-empty list)."""
    found = [document]
    for part in path.split("."):
        name, each = part.removesuffix("[]"), part.endswith("[]")
        found = [item[name] for item in found if isinstance(item, dict) and name in item]
        if each:
            assert all(isinstance(item, list) and item for item in found), f"{path}: no items"
            found = [element for item in found for element in item]
    return found


def learn(ids: dict[str, str], method: str, path: str, body: Any) -> None:
    """Ids the emulator made, and the last cursor, under the placeholders the recording uses."""
    pagination = body.get("pagination", {}) if isinstance(body, dict) else {}
    ids["{previous_cursor}"] = pagination.get("next") or pagination.get("cursor") or ""
    if (method, path) == ("POST", "/projects"):
        ids["{project_id}"] = body["project"]["id"]
        ids["{branch_id}"] = body["branch"]["id"]
        for index, endpoint in enumerate(body["endpoints"]):
            ids[f"{{endpoint_id:{index}}}"] = endpoint["id"]


def test_the_recording_states_its_provenance() -> None:
    provenance = recording()["provenance"]
    assert provenance["tool"] == "neonctl (npm)"
    assert provenance["version"].split(".")[0].isdigit()
    assert provenance["recorded_at"].endswith("Z")
    names = [flow["name"] for flow in recording()["flows"]]
    assert names[:6] == [
        "projects create",
        "projects list",
        "projects get",
        "branches list",
        "connection-string",
        "operations list",
    ]


async def test_neonctls_recorded_requests_get_contract_valid_answers(neon: Neon) -> None:
    ids: dict[str, str] = {}
    replayed = 0
    for flow in recording()["flows"]:
        for request in flow["requests"]:
            method, path = request["method"], substitute(request["path"], ids)
            params = [tuple(pair) for pair in substitute(request["query"], ids)]
            body = substitute(request["body"], ids)
            response = await neon.api.request(
                method, path, params=params, json=body if body is not None else None
            )
            where = f"{flow['name']}: {method} {path}"
            assert response.status_code == request["status"], f"{where}: {response.text[:300]}"
            answer = response.json() if response.content else None
            learn(ids, method, request["path"], answer)
            for field in request["reads"]:
                assert read(answer, field), f"{where}: nothing at {field}"
            replayed += 1
    assert replayed >= 14
    assert {"{project_id}", "{branch_id}"} <= set(ids)


def test_reading_a_path_needs_items_where_it_walks_a_list() -> None:
    assert read({"a": [{"b": 1}, {"b": 2}]}, "a[].b") == [1, 2]
    assert read({"a": {"b": None}}, "a.b") == [None]
    with pytest.raises(AssertionError, match=r"a\[\]\.b: no items"):
        read({"a": []}, "a[].b")
