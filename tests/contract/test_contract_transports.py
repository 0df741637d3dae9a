"""ValidatingTransport / ValidatingAsyncTransport: check every exchange, record, raise."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from tests.support.contract import (
    ContractValidator,
    ContractViolation,
    ValidatingAsyncTransport,
    ValidatingTransport,
)

BASE = "http://emulator/api/v2"
AUTH = {"Authorization": "Bearer not-a-real-key"}
REGION = {
    "region_id": "aws-us-east-2",
    "name": "AWS US East 2 (Ohio)",
    "default": True,
    "geo_lat": "39.96",
    "geo_long": "-83.0",
}


class Handler:
    """A tiny stand-in server for httpx.MockTransport that counts what reached it."""

    def __init__(self, body: Any) -> None:
        self.body = body
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        return httpx.Response(200, json=self.body)


def sync_client(
    handler: Handler, contract: ContractValidator
) -> tuple[httpx.Client, ValidatingTransport]:
    transport = ValidatingTransport(httpx.MockTransport(handler), contract)
    return httpx.Client(transport=transport, base_url=BASE, headers=AUTH), transport


def test_valid_exchange_passes_through(contract: ContractValidator) -> None:
    handler = Handler({"regions": [REGION]})
    client, transport = sync_client(handler, contract)
    with client:
        response = client.get("/regions")
        assert response.json() == {"regions": [REGION]}
        assert transport.violations == []
    assert handler.calls == 1


def test_invalid_request_is_raised_recorded_and_not_forwarded(
    contract: ContractValidator,
) -> None:
    handler = Handler({"projects": []})
    client, transport = sync_client(handler, contract)
    with client:
        with pytest.raises(ContractViolation, match="limit"):
            client.get("/projects", params={"limit": 1000})
        [violation] = transport.violations
    assert violation.status is None
    assert handler.calls == 0


def test_invalid_response_is_raised_and_recorded(contract: ContractValidator) -> None:
    handler = Handler({"regions": [{**REGION, "default": "yes"}]})
    client, transport = sync_client(handler, contract)
    with client:
        with pytest.raises(ContractViolation, match=r"\$\.regions\[0\]\.default"):
            client.get("/regions")
        [violation] = transport.violations
    assert violation.status == 200
    assert handler.calls == 1


def test_swallowed_violation_stays_recorded(contract: ContractValidator) -> None:
    handler = Handler({"regions": "none"})
    client, transport = sync_client(handler, contract)
    with client:
        with contextlib.suppress(Exception):  # code under test may do this; the record stays
            client.get("/regions")
        assert len(transport.violations) == 1


def test_paths_outside_the_api_are_forwarded_unchecked(contract: ContractValidator) -> None:
    handler = Handler({"anything": "goes"})
    transport = ValidatingTransport(httpx.MockTransport(handler), contract)
    with httpx.Client(transport=transport) as client:
        assert client.post("http://emulator/_emulator/reset").json() == {"anything": "goes"}
    assert transport.violations == []


def test_streamed_response_is_still_readable(contract: ContractValidator) -> None:
    client, _ = sync_client(Handler({"regions": [REGION]}), contract)
    with client, client.stream("GET", "/regions") as response:
        assert response.read() == httpx.Response(200, json={"regions": [REGION]}).content


async def regions(request: Request) -> JSONResponse | PlainTextResponse:
    if request.query_params.get("org_id") == "broken":
        return PlainTextResponse("oops", status_code=500)
    return JSONResponse({"regions": [REGION]})


APP = Starlette(routes=[Route("/api/v2/regions", regions)])


async def exchange_over_asgi(contract: ContractValidator, org_id: str) -> list[ContractViolation]:
    transport = ValidatingAsyncTransport(httpx.ASGITransport(app=APP), contract)
    async with httpx.AsyncClient(transport=transport, base_url=BASE, headers=AUTH) as client:
        try:
            response = await client.get("/regions", params={"org_id": org_id})
            assert response.json() == {"regions": [REGION]}
        except ContractViolation:
            pass
    return transport.violations


def test_async_transport_validates_a_real_asgi_app(contract: ContractValidator) -> None:
    assert asyncio.run(exchange_over_asgi(contract, "org-1")) == []
    [violation] = asyncio.run(exchange_over_asgi(contract, "broken"))
    assert violation.status == 500
    assert "mimetype not found: text/plain" in violation.problems[0]


def test_default_validator_is_the_shared_vendored_contract() -> None:
    transport = ValidatingTransport(httpx.MockTransport(Handler({})))
    assert transport.validator is ContractValidator.shared()
