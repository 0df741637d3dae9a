"""ContractValidator on requests: one case per rule of Neon's contract it must enforce."""

from __future__ import annotations

import warnings
from typing import Any

import httpx
import pytest

from tests.support.contract import ContractValidator, ContractViolation

AUTH = {"Authorization": "Bearer not-a-real-key"}


def neon(method: str, path: str, *, host: str = "http://emulator", **kwargs: Any) -> httpx.Request:
    headers = {**AUTH, **kwargs.pop("headers", {})}
    return httpx.Request(method, f"{host}/api/v2{path}", headers=headers, **kwargs)


def problems_of(contract: ContractValidator, request: httpx.Request) -> list[str]:
    with pytest.raises(ContractViolation) as caught:
        contract.validate_request(request)
    assert caught.value.status is None
    assert caught.value.method == request.method
    assert caught.value.path == request.url.path
    return list(caught.value.problems)


@pytest.mark.parametrize(
    "request_",
    [
        neon("GET", "/projects", params={"limit": "400", "search": "tenant-"}),
        neon("GET", "/projects/cold-bonus-61650555"),
        neon("POST", "/projects", json={"project": {"name": "t", "pg_version": 17}}),
        neon("PATCH", "/projects/p-1", json={"project": {"settings": {"quota": {}}}}),
        neon("GET", "/projects/p-1/connection_uri?database_name=db&role_name=r&pooled=true"),
        neon("POST", "/projects/p-1/endpoints/ep-1/suspend"),
        neon("GET", "/regions"),
    ],
    ids=["list", "get", "create", "patch", "connection-uri", "suspend", "regions"],
)
def test_accepts_valid_requests(contract: ContractValidator, request_: httpx.Request) -> None:
    contract.validate_request(request_)


@pytest.mark.parametrize("host", ["http://127.0.0.1:8765", "http://emulator", "https://x.test"])
def test_matches_api_paths_whatever_the_host(contract: ContractValidator, host: str) -> None:
    contract.validate_request(neon("GET", "/projects", host=host))
    with pytest.raises(ContractViolation):
        contract.validate_request(neon("GET", "/projects?limit=0", host=host))


def test_skips_requests_outside_the_api(contract: ContractValidator) -> None:
    control = httpx.Request("POST", "http://emulator/_emulator/reset", content=b"not json")
    assert not contract.covers(control)
    assert contract.request_problems(control) == []
    contract.validate_request(control)
    assert not contract.covers(httpx.Request("GET", "http://emulator/api/v20/projects"))


def test_rejects_query_parameter_above_maximum(contract: ContractValidator) -> None:
    problems = problems_of(contract, neon("GET", "/projects?limit=401"))
    assert problems == ["query parameter 'limit': 401 is greater than the maximum of 400"]


def test_rejects_query_parameter_of_wrong_type(contract: ContractValidator) -> None:
    problems = problems_of(contract, neon("GET", "/projects?recoverable=maybe"))
    assert problems == [
        "query parameter 'recoverable': Failed to cast value to boolean type: maybe"
    ]


def test_rejects_missing_required_query_parameter(contract: ContractValidator) -> None:
    problems = problems_of(contract, neon("GET", "/projects/p-1/connection_uri?database_name=d"))
    assert problems == ["query parameter 'role_name': Missing required query parameter: role_name"]


def test_rejects_query_parameter_with_bad_format(contract: ContractValidator) -> None:
    request = neon(
        "GET",
        "/consumption_history/projects",
        params={"from": "yesterday", "to": "2025-01-02T00:00:00Z", "granularity": "daily"},
    )
    assert problems_of(contract, request) == [
        "query parameter 'from': 'yesterday' is not a 'date-time'"
    ]


def test_rejects_path_parameter_not_matching_pattern(contract: ContractValidator) -> None:
    problems = problems_of(contract, neon("GET", "/projects/Not_An_Id"))
    assert problems == [
        "path parameter 'project_id': 'Not_An_Id' does not match '^[a-z0-9-]{1,60}$'"
    ]


def test_rejects_path_not_in_contract(contract: ContractValidator) -> None:
    assert problems_of(contract, neon("GET", "/api_keys")) == [
        "path is not declared in the contract"
    ]


def test_rejects_method_not_in_contract(contract: ContractValidator) -> None:
    assert problems_of(contract, neon("PUT", "/projects")) == [
        "method PUT is not declared for this path in the contract"
    ]


def test_rejects_request_without_credentials(contract: ContractValidator) -> None:
    request = httpx.Request("GET", "http://emulator/api/v2/projects")
    assert problems_of(contract, request) == [
        "no credentials the contract accepts (expected 'Authorization: Bearer <key>')"
    ]


def test_rejects_missing_required_body(contract: ContractValidator) -> None:
    assert problems_of(contract, neon("POST", "/projects")) == [
        "request body: Missing required request body"
    ]


def test_rejects_body_missing_required_field(contract: ContractValidator) -> None:
    request = neon("POST", "/projects/p-1/endpoints", json={"endpoint": {"type": "read_write"}})
    assert problems_of(contract, request) == [
        "request body: $.endpoint: 'branch_id' is a required property"
    ]


def test_rejects_body_field_of_wrong_type_and_out_of_range(contract: ContractValidator) -> None:
    body = {"project": {"name": 5, "pg_version": 13}}
    assert problems_of(contract, neon("POST", "/projects", json=body)) == [
        "request body: $.project.name: 5 is not of type 'string'",
        "request body: $.project.pg_version: 13 is less than the minimum of 14",
    ]


def test_rejects_body_value_outside_enum(contract: ContractValidator) -> None:
    body = {"endpoint": {"branch_id": "br-1", "type": "read_mostly"}}
    problems = problems_of(contract, neon("POST", "/projects/p-1/endpoints", json=body))
    assert problems == [
        "request body: $.endpoint.type: 'read_mostly' is not one of ['read_only', 'read_write']"
    ]


def test_rejects_number_below_minimum_inside_nested_object(contract: ContractValidator) -> None:
    body = {"project": {"default_endpoint_settings": {"autoscaling_limit_min_cu": 0.1}}}
    assert problems_of(contract, neon("POST", "/projects", json=body)) == [
        "request body: $.project.default_endpoint_settings.autoscaling_limit_min_cu: "
        "0.1 is less than the minimum of 0.25"
    ]


def test_rejects_body_that_is_not_json(contract: ContractValidator) -> None:
    request = neon(
        "POST", "/projects", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    [problem] = problems_of(contract, request)
    assert problem.startswith("request body: Failed to deserialize value")


def test_long_raw_body_is_cut_in_messages(contract: ContractValidator) -> None:
    body = b'{"project": {"name": "' + b"x" * 500 + b'"'  # truncated JSON
    request = neon("POST", "/projects", content=body, headers={"Content-Type": "application/json"})
    [problem] = problems_of(contract, request)
    assert problem.endswith("...")
    assert len(problem) < 250


def test_accepts_json_content_type_with_charset(contract: ContractValidator) -> None:
    request = neon(
        "POST",
        "/projects",
        content=b'{"project": {}}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    contract.validate_request(request)


def test_rejects_body_with_undeclared_content_type(contract: ContractValidator) -> None:
    request = neon(
        "POST", "/projects", content=b"project=x", headers={"Content-Type": "text/plain"}
    )
    [problem] = problems_of(contract, request)
    assert problem.startswith(
        "request body: Content for the following mimetype not found: text/plain"
    )


def test_violation_message_names_method_path_and_each_problem(contract: ContractValidator) -> None:
    with pytest.raises(ContractViolation) as caught:
        contract.validate_request(neon("GET", "/projects?limit=0"))
    assert str(caught.value) == (
        "Neon API contract violation (request) GET /api/v2/projects:\n"
        "  - query parameter 'limit': 0 is less than the minimum of 1"
    )


def test_violation_message_never_shows_the_api_key(contract: ContractValidator) -> None:
    request = neon("GET", "/projects?limit=0", headers={"Authorization": "Bearer napi_SECRET"})
    with pytest.raises(ContractViolation) as caught:
        contract.validate_request(request)
    assert "napi_SECRET" not in str(caught.value)


def test_deprecated_parameter_is_legal_and_raises_no_warning(contract: ContractValidator) -> None:
    request = neon(
        "GET",
        "/consumption_history/projects",
        params={
            "from": "2025-01-01T00:00:00Z",
            "to": "2025-01-02T00:00:00Z",
            "granularity": "daily",
            "include_v1_metrics": "true",  # deprecated in the contract
        },
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        contract.validate_request(request)
