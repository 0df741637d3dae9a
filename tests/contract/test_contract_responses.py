"""ContractValidator on responses: real recorded responses pass, each broken rule is caught."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from tests.support.contract import ContractValidator, ContractViolation
from tests.support.recordings import RecordedExchange, all_exchanges

AUTH = {"Authorization": "Bearer not-a-real-key"}


def neon(method: str, path: str) -> httpx.Request:
    return httpx.Request(method, f"http://emulator/api/v2{path}", headers=AUTH)


def recorded(source: str) -> RecordedExchange:
    [exchange] = [exchange for exchange in all_exchanges() if exchange.source == source]
    return exchange


def real_body(source: str) -> Any:
    return copy.deepcopy(recorded(source).response_body)


def problems_of(
    contract: ContractValidator, request: httpx.Request, response: httpx.Response
) -> list[str]:
    with pytest.raises(ContractViolation) as caught:
        contract.validate_response(request, response)
    assert caught.value.status == response.status_code
    return list(caught.value.problems)


GET_PROJECT = neon("GET", "/projects/long-forest-06846227")
GET_ENDPOINT = neon("GET", "/projects/p-1/endpoints/ep-1")
GET_OPERATION = neon("GET", "/projects/p-1/operations/d6ad21e4-725d-493f-a495-43867ad88d09")


@pytest.mark.parametrize(
    ("request_", "source"),
    [
        (GET_PROJECT, "test_project.yaml#3"),
        (GET_ENDPOINT, "test_endpoints.yaml#4"),
        (GET_OPERATION, "test_operations.yaml#5"),
    ],
    ids=["project", "endpoint", "operation"],
)
def test_accepts_real_recorded_responses(
    contract: ContractValidator, request_: httpx.Request, source: str
) -> None:
    contract.validate_response(request_, httpx.Response(200, json=real_body(source)))


def test_rejects_missing_required_field(contract: ContractValidator) -> None:
    body = real_body("test_endpoints.yaml#4")
    del body["endpoint"]["host"]
    assert problems_of(contract, GET_ENDPOINT, httpx.Response(200, json=body)) == [
        "response body: $.endpoint: 'host' is a required property"
    ]


def test_rejects_wrong_type(contract: ContractValidator) -> None:
    body = real_body("test_endpoints.yaml#4")
    body["endpoint"]["disabled"] = "false"
    assert problems_of(contract, GET_ENDPOINT, httpx.Response(200, json=body)) == [
        "response body: $.endpoint.disabled: 'false' is not of type 'boolean'"
    ]


def test_rejects_object_where_scalar_expected_without_dumping_it(
    contract: ContractValidator,
) -> None:
    body = real_body("test_endpoints.yaml#4")
    body["endpoint"]["settings"] = ["not", "an", "object"]
    assert problems_of(contract, GET_ENDPOINT, httpx.Response(200, json=body)) == [
        "response body: $.endpoint.settings: expected type 'object', got array"
    ]


def test_rejects_float_for_integer(contract: ContractValidator) -> None:
    body = real_body("test_endpoints.yaml#4")
    body["endpoint"]["suspend_timeout_seconds"] = 300.5
    assert problems_of(contract, GET_ENDPOINT, httpx.Response(200, json=body)) == [
        "response body: $.endpoint.suspend_timeout_seconds: 300.5 is not of type 'integer'"
    ]


def test_accepts_integer_for_number(contract: ContractValidator) -> None:
    body = real_body("test_endpoints.yaml#4")
    body["endpoint"]["autoscaling_limit_max_cu"] = 2  # ComputeUnit: a number (min 0.25)
    contract.validate_response(GET_ENDPOINT, httpx.Response(200, json=body))


def test_rejects_int64_overflow(contract: ContractValidator) -> None:
    body = real_body("test_project.yaml#3")
    body["project"]["branch_logical_size_limit_bytes"] = 2**63
    assert problems_of(contract, GET_PROJECT, httpx.Response(200, json=body)) == [
        f"response body: $.project.branch_logical_size_limit_bytes: {2**63} is not a 'int64'"
    ]


def test_rejects_bad_date_time(contract: ContractValidator) -> None:
    body = real_body("test_project.yaml#3")
    body["project"]["created_at"] = "2025-01-16 21:02:04"
    assert problems_of(contract, GET_PROJECT, httpx.Response(200, json=body)) == [
        "response body: $.project.created_at: '2025-01-16 21:02:04' is not a 'date-time'"
    ]


def test_rejects_bad_uuid(contract: ContractValidator) -> None:
    body = real_body("test_operations.yaml#5")
    body["operation"]["id"] = "op-1"
    assert problems_of(contract, GET_OPERATION, httpx.Response(200, json=body)) == [
        "response body: $.operation.id: 'op-1' is not a 'uuid'"
    ]


def test_rejects_value_outside_enum(contract: ContractValidator) -> None:
    body = real_body("test_endpoints.yaml#4")
    body["endpoint"]["current_state"] = "running"
    assert problems_of(contract, GET_ENDPOINT, httpx.Response(200, json=body)) == [
        "response body: $.endpoint.current_state: 'running' is not one of "
        "['init', 'active', 'idle']"
    ]


def test_nullable_all_of_accepts_null_and_checks_the_enum(contract: ContractValidator) -> None:
    body = real_body("test_project.yaml#3")
    body["project"]["effective_project_permission"] = None
    contract.validate_response(GET_PROJECT, httpx.Response(200, json=body))
    body["project"]["effective_project_permission"] = "CAN_OWN"
    assert problems_of(contract, GET_PROJECT, httpx.Response(200, json=body)) == [
        "response body: $.project.effective_project_permission: 'CAN_OWN' is not one of "
        "['CAN_VIEW', 'CAN_EDIT', 'CAN_MANAGE']"
    ]


def test_all_of_response_needs_every_part(contract: ContractValidator) -> None:
    patch = neon("PATCH", "/projects/long-forest-06846227")
    body = real_body("test_project.yaml#3")
    body["operations"] = []
    contract.validate_response(patch, httpx.Response(200, json=body))
    del body["operations"]
    assert problems_of(contract, patch, httpx.Response(200, json=body)) == [
        "response body: $: 'operations' is a required property"
    ]


def test_rejects_missing_body(contract: ContractValidator) -> None:
    assert problems_of(contract, GET_PROJECT, httpx.Response(200)) == [
        "response body: Missing response data"
    ]


def test_accepts_json_with_charset(contract: ContractValidator) -> None:
    response = httpx.Response(
        200,
        content=httpx.Response(200, json=real_body("test_operations.yaml#5")).content,
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    contract.validate_response(GET_OPERATION, response)


@pytest.mark.parametrize("status", [400, 404, 423, 429, 500, 503])
def test_error_status_must_carry_general_error(contract: ContractValidator, status: int) -> None:
    request = neon("DELETE", "/projects/p-1")
    error = {"code": "", "message": "project already has running conflicting operations"}
    contract.validate_response(request, httpx.Response(status, json=error))
    contract.validate_response(request, httpx.Response(status, json={**error, "request_id": "r"}))
    assert problems_of(contract, request, httpx.Response(status, json={"error": "locked"})) == [
        "response body: $: 'message' is a required property",
        "response body: $: 'code' is a required property",
    ]


def test_rejects_error_that_is_not_json(contract: ContractValidator) -> None:
    [problem] = problems_of(contract, GET_PROJECT, httpx.Response(502, text="Bad Gateway"))
    assert problem.startswith("response body: Content for the following mimetype not found")


def test_declared_status_specific_error_schema_applies(contract: ContractValidator) -> None:
    request = neon(
        "GET",
        "/consumption_history/projects?from=2025-01-01T00:00:00Z&to=2025-01-02T00:00:00Z"
        "&granularity=daily",
    )
    contract.validate_response(request, httpx.Response(406, json={"code": "", "message": "m"}))
    assert problems_of(contract, request, httpx.Response(406, json={"code": ""})) == [
        "response body: $: 'message' is a required property"
    ]


def test_no_content_only_where_declared(contract: ContractValidator) -> None:
    contract.validate_response(neon("DELETE", "/projects/p-1/endpoints/ep-1"), httpx.Response(204))
    [problem] = problems_of(contract, neon("DELETE", "/projects/p-1"), httpx.Response(204))
    assert problem == "response body: Missing response data"


def consumption(value: int) -> dict[str, Any]:
    timeframe = {
        "timeframe_start": "2025-01-01T00:00:00Z",
        "timeframe_end": "2025-01-02T00:00:00Z",
        "active_time_seconds": value,
        "compute_time_seconds": 0,
        "written_data_bytes": 0,
        "synthetic_storage_size_bytes": 0,
    }
    period = {
        "period_id": "79ec829f-1828-4006-ac82-9f1828a0067d",
        "period_plan": "scale",
        "period_start": "2025-01-01T00:00:00Z",
        "consumption": [timeframe],
    }
    return {
        "projects": [{"project_id": "p-1", "periods": [period]}],
        "pagination": {"cursor": "p-1"},
    }


def test_uint64_format_is_checked(contract: ContractValidator) -> None:
    request = neon(
        "GET",
        "/consumption_history/projects?from=2025-01-01T00:00:00Z&to=2025-01-02T00:00:00Z"
        "&granularity=daily",
    )
    contract.validate_response(request, httpx.Response(200, json=consumption(2**64 - 1)))
    assert problems_of(contract, request, httpx.Response(200, json=consumption(-1))) == [
        "response body: $.projects[0].periods[0].consumption[0].active_time_seconds: "
        "-1 is not a 'uint64'"
    ]


def test_hides_values_of_x_sensitive_fields(contract: ContractValidator) -> None:
    request = neon("POST", "/projects/p-1/branches/br-1/roles")
    body = {
        "role": {
            "branch_id": "br-1",
            "name": "app",
            "password": 480_913_377,
            "protected": False,
            "created_at": "2025-01-16T21:02:04Z",
            "updated_at": "2025-01-16T21:02:04Z",
        },
        "operations": [],
    }
    problems = problems_of(contract, request, httpx.Response(201, json=body))
    assert problems == [
        "response body: $.role.password: value (hidden: x-sensitive field) fails type='string'"
    ]
    assert "480913377" not in "".join(problems)


MINI_CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "mini", "version": "1"},
    "servers": [{"url": "https://example.test/api/v2"}],
    "paths": {
        "/things": {
            "get": {
                "responses": {
                    "200": {
                        "description": "",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "ratio": {"type": "number", "format": "float"},
                                        "count": {"type": "integer", "format": "int32"},
                                    },
                                }
                            }
                        },
                    }
                }
            }
        }
    },
}


def test_float_format_accepts_json_integers_and_int32_is_bounded() -> None:
    mini = ContractValidator(MINI_CONTRACT)
    request = httpx.Request("GET", "http://emulator/api/v2/things")
    mini.validate_response(request, httpx.Response(200, json={"ratio": 1, "count": 2**31 - 1}))
    mini.validate_response(request, httpx.Response(200, json={"ratio": 0.5}))
    assert problems_of(mini, request, httpx.Response(200, json={"ratio": "1", "count": 2**31})) == [
        "response body: $.ratio: '1' is not of type 'number'",
        f"response body: $.count: {2**31} is not a 'int32'",
    ]


def test_undeclared_status_without_default_is_a_violation() -> None:
    mini = ContractValidator(MINI_CONTRACT)
    request = httpx.Request("GET", "http://emulator/api/v2/things")
    response = httpx.Response(404, json={"code": "", "message": "m"})
    assert problems_of(mini, request, response) == [
        "status 404 is not declared for this operation (and no default)"
    ]
