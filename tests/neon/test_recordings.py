"""The client's models parse every response Neon really sent (tests/fixtures/recordings)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter

from controller.neon import (
    BadRequestError,
    BranchList,
    CreatedProject,
    Database,
    Endpoint,
    InvalidResponseError,
    Role,
)
from controller.neon.envelopes import (
    BranchesPage,
    EndpointsEnvelope,
    OperationEnvelope,
    OperationsPage,
    ProjectEnvelope,
    ProjectOperationsEnvelope,
    ProjectsPage,
)
from controller.neon.errors import error_from_response
from controller.neon.session import Reply
from tests.support.recordings import RecordedExchange, all_exchanges

# Route -> how the client reads its 2xx body.
PARSERS: dict[tuple[str, str], TypeAdapter[Any]] = {
    ("GET", "/projects"): TypeAdapter(ProjectsPage),
    ("POST", "/projects"): TypeAdapter(CreatedProject),
    ("GET", "/projects/{project_id}"): TypeAdapter(ProjectEnvelope),
    ("PATCH", "/projects/{project_id}"): TypeAdapter(ProjectOperationsEnvelope),
    ("DELETE", "/projects/{project_id}"): TypeAdapter(ProjectOperationsEnvelope),
    ("GET", "/projects/{project_id}/branches"): TypeAdapter(BranchesPage),
    ("GET", "/projects/{project_id}/endpoints"): TypeAdapter(EndpointsEnvelope),
    ("GET", "/projects/{project_id}/endpoints/{endpoint_id}"): TypeAdapter(dict[str, Endpoint]),
    ("GET", "/projects/{project_id}/operations"): TypeAdapter(OperationsPage),
    ("GET", "/projects/{project_id}/operations/{operation_id}"): TypeAdapter(OperationEnvelope),
    ("GET", "/projects/{project_id}/branches/{branch_id}/databases"): TypeAdapter(
        dict[str, list[Database]]
    ),
    ("GET", "/projects/{project_id}/branches/{branch_id}/roles"): TypeAdapter(
        dict[str, list[Role]]
    ),
    ("GET", "/projects/{project_id}/branches/{branch_id}/roles/{role_name}"): TypeAdapter(
        dict[str, Role]
    ),
}
# Routes the controller never calls, each for a reason; nothing else may go unparsed.
NOT_MODELLED = {
    ("GET", "/projects/shared"): "projects shared with the key's user are not the fleet",
    ("GET", "/projects/{project_id}/connection_uri"): "a secret the controller never reads",
    ("GET", "/api_keys"): "key management is out of scope",
    ("POST", "/api_keys"): "key management is out of scope",
    ("DELETE", "/api_keys/{key_id}"): "key management is out of scope",
    ("GET", "/users/me"): "user profile is out of scope",
}


def route_of(exchange: RecordedExchange) -> tuple[str, str]:
    for method, template in [*NOT_MODELLED, *PARSERS]:  # exact paths before templates
        if exchange.matches(method, template):
            return method, template
    raise AssertionError(f"{exchange.source}: {exchange.method} {exchange.path} has no parser")


SUCCESSES = [exchange for exchange in all_exchanges() if 200 <= exchange.status < 300]
MODELLED = [exchange for exchange in SUCCESSES if route_of(exchange) in PARSERS]


def test_every_recording_is_parsed_or_deliberately_out_of_scope() -> None:
    assert len(SUCCESSES) >= 45
    routes = {route_of(exchange) for exchange in SUCCESSES}
    assert routes == set(PARSERS) | set(NOT_MODELLED)
    assert len(MODELLED) >= 35


@pytest.mark.parametrize("exchange", MODELLED, ids=lambda exchange: exchange.source)
def test_every_recorded_response_parses(exchange: RecordedExchange) -> None:
    parsed = PARSERS[route_of(exchange)].validate_json(json.dumps(exchange.response_body))
    if isinstance(parsed, BaseModel):
        assert json.loads(parsed.model_dump_json())  # round-trips as JSON
    else:
        assert parsed  # {"endpoint": Endpoint}, {"roles": [Role...]}...


def test_created_projects_keep_no_password_or_connection_uri() -> None:
    creates = [e for e in SUCCESSES if e.matches("POST", "/projects")]
    assert creates
    for exchange in creates:
        body = exchange.response_body
        secrets = [uri["connection_parameters"]["password"] for uri in body["connection_uris"]]
        secrets += [role["password"] for role in body["roles"] if role.get("password")]
        secrets += [uri["connection_uri"] for uri in body["connection_uris"]]
        assert secrets
        created = CreatedProject.model_validate(body)
        reply = Reply("POST", "/projects", 201, json.dumps(body).encode(), "req-1")
        for text in (
            repr(created),
            created.model_dump_json(),
            str(created.model_dump()),
            repr(reply),
        ):
            for secret in secrets:
                assert secret not in text
        assert created.project.id == body["project"]["id"]
        assert [op.id for op in created.operations] == [op["id"] for op in body["operations"]]


def test_the_recorded_error_becomes_a_bad_request_error() -> None:
    (exchange,) = [e for e in all_exchanges() if e.status == 400]
    request = exchange.to_httpx()
    error = error_from_response(
        "POST",
        exchange.path,
        exchange.response_to_httpx(request),
        sent_request_id="req-1",
    )
    assert isinstance(error, BadRequestError)
    assert error.neon_message == exchange.response_body["message"]
    assert str(error) == (
        "POST /projects -> 400: Bad Request: invalid request: decode application/json: "
        "invalid: project (field required) [request_id=req-1]"
    )


def test_zero_consumption_period_reads_as_no_period() -> None:
    created = next(e for e in SUCCESSES if e.matches("POST", "/projects"))
    assert created.response_body["project"]["consumption_period_start"].startswith("0001-01-01")
    project = CreatedProject.model_validate(created.response_body).project
    assert project.consumption_period_start is None
    assert project.consumption_period_end is None


def test_unknown_fields_are_ignored_and_optional_fields_may_be_missing() -> None:
    body = {
        "endpoint": {
            "id": "ep-1",
            "project_id": "p-1",
            "branch_id": "br-1",
            "type": "read_write",
            "current_state": "idle",
            "a_field_neon_adds_next_year": {"nested": [1, 2]},
        }
    }
    endpoint = TypeAdapter(dict[str, Endpoint]).validate_python(body)["endpoint"]
    assert endpoint.current_state == "idle"
    assert endpoint.autoscaling_limit_max_cu is None
    assert not hasattr(endpoint, "a_field_neon_adds_next_year")


def test_a_response_missing_what_the_controller_needs_is_invalid() -> None:
    reply = Reply("GET", "/projects/p-1", 200, b'{"project": {"id": "p-1"}}', "req-9")
    with pytest.raises(InvalidResponseError) as caught:
        reply.parse(ProjectEnvelope)
    assert str(caught.value).startswith(
        "GET /projects/p-1 -> 200: response is not a valid ProjectEnvelope: project.name: Field"
    )
    assert caught.value.request_id == "req-9"


def test_annotations_are_read_per_branch() -> None:
    page = BranchesPage.model_validate(
        {
            "branches": [
                {
                    "id": "br-1",
                    "project_id": "p-1",
                    "name": "main",
                    "current_state": "ready",
                    "default": True,
                },
            ],
            "annotations": {
                "br-1": {
                    "object": {"type": "console/branch", "id": "br-1"},
                    "value": {"tenantctl/tenant": "acme"},
                },
            },
        }
    )
    branches = BranchList(branches=page.branches, annotations=page.annotations)
    assert branches.annotations_of("br-1") == {"tenantctl/tenant": "acme"}
    assert branches.annotations_of("br-2") == {}
    assert branches.default_branch is not None
    assert branches.default_branch.id == "br-1"
