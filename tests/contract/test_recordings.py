"""The vendored cassettes parse, are untampered, and real traffic agrees with the contract."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
import yaml

from tests.support.contract import ContractValidator
from tests.support.recordings import (
    RECORDINGS_DIR,
    CassetteError,
    RecordedExchange,
    all_exchanges,
    cassette_paths,
    load_cassette,
    recorded_exchanges,
    recorded_responses,
)

# Re-recorded in January 2025 (see tests/fixtures/recordings/PROVENANCE.md); the 2024 ones predate
# fields the 2026 contract requires.
RECORDED_2025 = {
    "test_api_keys.yaml",
    "test_branches.yaml",
    "test_database.yaml",
    "test_endpoints.yaml",
    "test_me.yaml",
    "test_operations.yaml",
    "test_project.yaml",
    "test_roles.yaml",
}
# Neon operations the reduced contract does not keep (`GET /users/me` and `/projects/shared` it
# keeps since the official clients' flows need them).
NOT_IN_CONTRACT = re.compile(r"^(/api_keys|.*/roles/[^/]+$)")


def test_every_cassette_parses_completely() -> None:
    paths = cassette_paths()
    assert len(paths) == 14
    assert RECORDINGS_DIR / "historical" / "test_get_project.yaml" in paths
    for path in paths:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        exchanges = load_cassette(path)
        assert len(exchanges) == len(raw["interactions"]), path.name
    assert len(all_exchanges()) == 53


@pytest.mark.parametrize("exchange", all_exchanges(), ids=lambda exchange: exchange.source)
def test_every_exchange_is_decoded(exchange: RecordedExchange) -> None:
    assert exchange.method in {"GET", "POST", "PATCH", "DELETE"}
    assert exchange.path.startswith("/")
    assert not exchange.path.startswith("/api/v2")
    assert 200 <= exchange.status < 500
    assert isinstance(exchange.response_body, dict | list)
    assert exchange.request_body is None or isinstance(exchange.request_body, dict)


def test_bodies_query_and_status_are_decoded() -> None:
    [bad_create] = recorded_exchanges("POST", "/projects", status=400)
    assert bad_create.source == "test_project_delete.yaml#1"
    assert bad_create.request_body == {}
    assert bad_create.response_body == {
        "code": "",
        "message": "invalid request: decode application/json: invalid: project (field required)",
    }
    [uri] = recorded_exchanges("GET", "/projects/{project_id}/connection_uri")
    assert uri.path == "/projects/long-forest-06846227/connection_uri"
    assert uri.query == (
        ("database_name", "neondb"),
        ("role_name", "neondb_owner"),
        ("pooled", "True"),
    )


def test_path_templates_match_one_segment_per_variable() -> None:
    [endpoint] = recorded_exchanges("GET", "/projects/{project_id}/endpoints/{endpoint_id}")
    assert endpoint.matches("get", "/projects/{project_id}/endpoints/{endpoint_id}")
    assert not endpoint.matches("GET", "/projects/{project_id}")
    assert not endpoint.matches("DELETE", "/projects/{project_id}/endpoints/{endpoint_id}")
    gets = recorded_exchanges("GET", "/projects/{project_id}")
    assert {exchange.path for exchange in gets} >= {"/projects/long-forest-06846227"}
    assert all(exchange.path.count("/") == 2 for exchange in gets)


def test_recorded_responses_default_to_success_bodies() -> None:
    created = recorded_responses("POST", "/projects")
    assert len(created) == 7
    assert all("project" in body and "operations" in body for body in created)
    assert recorded_responses("POST", "/projects", status=400) == [
        recorded_exchanges("POST", "/projects", status=400)[0].response_body
    ]
    assert recorded_responses("PUT", "/projects") == []


def provenance_checksums() -> dict[str, str]:
    text = (RECORDINGS_DIR / "PROVENANCE.md").read_text(encoding="utf-8")
    return dict(re.findall(r"^\| `([^`]+)` \| `([0-9a-f]{64})` \|$", text, flags=re.MULTILINE))


def test_files_match_their_provenance_checksums() -> None:
    files = {
        path.relative_to(RECORDINGS_DIR).as_posix(): path
        for path in [*cassette_paths(), RECORDINGS_DIR / "README.md"]
    }
    checksums = provenance_checksums()
    assert set(checksums) == set(files)
    for name, path in files.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == checksums[name], name


def is_2025_contract_exchange(exchange: RecordedExchange) -> bool:
    cassette = exchange.source.split("#")[0]
    return cassette in RECORDED_2025 and not NOT_IN_CONTRACT.match(exchange.path)


REAL_2025 = [exchange for exchange in all_exchanges() if is_2025_contract_exchange(exchange)]


@pytest.mark.parametrize("exchange", REAL_2025, ids=lambda exchange: exchange.source)
def test_real_2025_traffic_satisfies_the_contract(
    contract: ContractValidator, exchange: RecordedExchange
) -> None:
    request = exchange.to_httpx()
    request.headers["Authorization"] = "Bearer filtered-upstream"
    contract.validate_request(request)
    contract.validate_response(request, exchange.response_to_httpx(request))


def test_real_2025_traffic_covers_the_main_operations() -> None:
    assert len(REAL_2025) >= 30
    assert {(exchange.method, exchange.status) for exchange in REAL_2025} >= {
        ("GET", 200),
        ("POST", 201),
        ("PATCH", 200),
        ("DELETE", 200),
    }


def test_real_rejected_request_is_rejected_by_the_contract_too(
    contract: ContractValidator,
) -> None:
    [exchange] = recorded_exchanges("POST", "/projects", status=400)
    request = exchange.to_httpx()
    request.headers["Authorization"] = "Bearer filtered-upstream"
    assert contract.request_problems(request) == [
        "request body: $: 'project' is a required property"
    ]
    contract.validate_response(request, exchange.response_to_httpx(request))


def cassette(uri: str, response_body: str) -> str:
    return (
        "version: 1\ninteractions:\n"
        f"- request: {{method: GET, uri: '{uri}', body: null}}\n"
        f"  response: {{status: {{code: 200}}, body: {{string: '{response_body}'}}}}\n"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("interactions: [", "bad.yaml: cannot read cassette"),
        ("version: 1\n", "bad.yaml: not a VCR cassette (no 'interactions' list)"),
        ("version: 2\ninteractions: []\n", "bad.yaml: unsupported cassette version 2"),
        ("version: 1\ninteractions: [{request: {}}]\n", "bad.yaml#0: malformed interaction"),
        (cassette("https://x/v1/p", "{}"), "bad.yaml#0: '/v1/p' is not under /api/v2"),
        (cassette("https://x/api/v2/p", "oops"), "bad.yaml#0: response: body is not JSON"),
    ],
    ids=["yaml", "no-interactions", "version", "interaction", "outside-api", "body"],
)
def test_bad_cassettes_are_reported_with_where_and_what(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CassetteError) as caught:
        load_cassette(path, root=tmp_path)
    assert str(caught.value).startswith(message)
