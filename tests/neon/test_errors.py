"""The error tree: complete, split temporary from permanent, and scrubbed of secrets."""

from __future__ import annotations

import inspect
import re

import httpx
import pytest

from controller.neon import errors
from controller.neon.errors import (
    ConsumptionUnavailableError,
    ForbiddenError,
    GatewayError,
    LockedError,
    NeonError,
    NeonPermanentError,
    NeonTemporaryError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    ServiceUnavailableError,
    UnexpectedStatusError,
    error_class_for_status,
    error_from_response,
)

DEFINED = {
    name: value
    for name, value in vars(errors).items()
    if inspect.isclass(value) and issubclass(value, NeonError)
}


def tree_entries() -> dict[str, int]:
    """Class name -> indentation depth, read from the module docstring's tree."""
    doc = errors.__doc__ or ""
    entries = {}
    for line in doc.splitlines():
        found = re.match(r"^(?P<prefix>[ │├└─]*)(?P<name>[A-Z][A-Za-z]+Error)\b", line)
        if found:
            entries[found["name"]] = len(found["prefix"])
    return entries


def test_the_docstring_tree_lists_every_error_and_only_those() -> None:
    assert set(tree_entries()) == set(DEFINED)


def test_the_docstring_tree_matches_the_class_hierarchy() -> None:
    entries = tree_entries()
    order = list(entries)
    for index, name in enumerate(order[1:], start=1):
        depth = entries[name]
        parent = next(p for p in reversed(order[:index]) if entries[p] < depth)
        assert DEFINED[name].__bases__ == (DEFINED[parent],), name


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (423, LockedError),
        (429, RateLimitedError),
        (503, ServiceUnavailableError),
        (502, GatewayError),
        (504, GatewayError),
        (524, GatewayError),
        (500, ServerError),
        (599, ServerError),
        (409, UnexpectedStatusError),
        (418, UnexpectedStatusError),
    ],
)
def test_statuses_map_to_their_class(status: int, expected: type[NeonError]) -> None:
    assert error_class_for_status(status) is expected


def test_temporary_and_permanent_are_apart() -> None:
    for status in (423, 429, 500, 502, 503, 504, 524):
        assert issubclass(error_class_for_status(status), NeonTemporaryError)
    for status in (400, 401, 403, 404, 406, 412, 422, 409):
        assert issubclass(error_class_for_status(status), NeonPermanentError)
    assert not set(NeonTemporaryError.__subclasses__()) & set(NeonPermanentError.__subclasses__())


def test_consumption_403_and_404_are_unavailable_told_apart_by_status() -> None:
    for status in (403, 404):
        assert error_class_for_status(status, consumption=True) is ConsumptionUnavailableError
        error = error_from_response(
            "GET",
            "/consumption_history/v2/projects",
            response(status, b'{"code":"","message":"no"}'),
            sent_request_id="s",
            consumption=True,
        )
        assert isinstance(error, ConsumptionUnavailableError)
        assert error.status == status
    assert error_class_for_status(403) is ForbiddenError
    assert error_class_for_status(404) is NotFoundError


def test_a_long_neon_message_is_cut_with_a_note() -> None:
    body = b'{"code":"","message":"' + b"x" * 300_000 + b'","request_id":"r-1"}'
    error = error_from_response(
        "GET", "/projects", response(500, body), sent_request_id="s", text_limit=2000
    )
    assert len(error.neon_message) < 2100
    assert error.neon_message.endswith("... [cut: 298000 more characters]")
    assert len(str(error)) < 2300


def response(status: int, content: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=content, headers=headers)


URI = "postgresql://acme_owner:Sup3rS3cret@ep-cool-1.us-east-2.aws.neon.tech/acme"


def test_secrets_in_neon_messages_are_scrubbed() -> None:
    body = (
        b'{"code":"","message":"cannot reach ' + URI.encode() + b' with napi_abc123def456",'
        b'"request_id":"r-1"}'
    )
    error = error_from_response("GET", "/projects/p-1", response(500, body), sent_request_id="s")
    text = f"{error} {error!r} {error.neon_message} {error.args}"
    assert "Sup3rS3cret" not in text
    assert "napi_abc123def456" not in text
    assert "postgresql://***:***@ep-cool-1" in str(error)


def test_a_json_body_that_is_not_an_error_is_withheld() -> None:
    body = b'{"role": {"name": "acme_owner", "password": "Pl41nP4ss"}}'
    error = error_from_response("POST", "/projects", response(502, body), sent_request_id="s-1")
    assert "Pl41nP4ss" not in repr(error)
    assert str(error) == "POST /projects -> 502: Bad Gateway [request_id=s-1]"


def test_a_gateway_page_is_quoted_briefly() -> None:
    page = b"<html><body>524: A timeout occurred</body></html>" + b" " * 500
    error = error_from_response("GET", "/projects", response(524, page), sent_request_id=None)
    assert isinstance(error, GatewayError)
    assert "524: A timeout occurred" in str(error)
    assert len(str(error)) < 300


def test_retry_after_rides_on_temporary_errors() -> None:
    error = error_from_response(
        "GET",
        "/projects",
        response(429, b'{"code":"","message":"slow"}'),
        sent_request_id="s",
        retry_after=2.5,
    )
    assert isinstance(error, RateLimitedError)
    assert error.retry_after == 2.5
