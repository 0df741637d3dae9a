"""Test doubles standing in for the world around the client (never for the client itself).

- `FakeClock`: the injected clock and sleep; sleeping advances time at once and is recorded.
- `ScriptedNeon`: an httpx.MockTransport handler playing Neon for protocol edge cases the
  emulator cannot produce (a Retry-After header, a response lost after commit on demand). Every
  request it receives and every reply it gives is checked against Neon's contract.
- `Recording`: a transport wrapper noting each request the client lets go, and when.
- `project(...)`, `operation(...)`...: contract-valid Neon objects built from real recordings.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable
from typing import Any

import httpx

from controller.neon import NeonClient, NeonSettings, RateLimiterRegistry
from tests.support.clocks import FakeClock
from tests.support.contract import ContractValidator
from tests.support.recordings import recorded_exchanges

__all__ = ["FakeClock"]

BASE_URL = "https://neon.test/api/v2"
API_KEY = "napi_protocoltestkey0123456789abcdef"

Reply = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class ScriptedNeon:
    """Answers each (method, path) from a script; the last reply of a script repeats."""

    def __init__(self, contract: ContractValidator) -> None:
        self._contract = contract
        self._scripts: dict[tuple[str, str], list[Reply]] = {}
        self.requests: list[httpx.Request] = []

    def on(self, method: str, path: str, *replies: Reply) -> ScriptedNeon:
        self._scripts[(method, path)] = list(replies)
        return self

    def sent(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path == "/api/v2" + path]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self._contract.validate_request(request)
        self.requests.append(request)
        path = request.url.path.removeprefix("/api/v2")
        script = self._scripts.get((request.method, path))
        if not script:
            return error(404, f"no script for {request.method} {path}")
        reply = script.pop(0) if len(script) > 1 else script[0]
        if isinstance(reply, Exception):
            raise reply
        response = reply if isinstance(reply, httpx.Response) else reply(request)
        self._contract.validate_response(request, response)
        return response

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


class Recording(httpx.AsyncBaseTransport):
    """Wraps a transport; notes (method, path, clock) as each request leaves the client."""

    def __init__(self, inner: httpx.AsyncBaseTransport, clock: Callable[[], float]) -> None:
        self.inner = inner
        self.clock = clock
        self.sent: list[tuple[str, str, float]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append((request.method, request.url.path.removeprefix("/api/v2"), self.clock()))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()

    def times(self) -> list[float]:
        return [at for _, _, at in self.sent]

    def count(self, method: str, path: str) -> int:
        return sum(
            1
            for sent_method, sent_path, _ in self.sent
            if (sent_method, sent_path) == (method, path)
        )


def make_client(
    transport: httpx.AsyncBaseTransport,
    clock: FakeClock,
    *,
    limiters: RateLimiterRegistry | None = None,
    **overrides: Any,
) -> NeonClient:
    """A client on the fake clock, with its own limiter registry and a fixed random draw."""
    settings = NeonSettings(api_key=API_KEY, host=BASE_URL, **overrides)
    return NeonClient(
        settings,
        transport=transport,
        clock=clock,
        sleep=clock.sleep,
        rng=lambda: 0.5,
        limiters=limiters or RateLimiterRegistry(),
    )


def ok(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def error(status: int, message: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json={"code": "", "message": message}, headers=headers)


@functools.cache
def _valid_recorded_bodies(method: str, path: str) -> tuple[Any, ...]:
    """Real recorded 2xx bodies for a route that today's contract still accepts."""
    validator = ContractValidator.shared()
    valid = []
    for exchange in recorded_exchanges(method, path):
        request = exchange.to_httpx()
        request.headers["Authorization"] = "Bearer recorded"
        if 200 <= exchange.status < 300 and not validator.response_problems(
            request, exchange.response_to_httpx(request)
        ):
            valid.append(exchange.response_body)
    return tuple(valid)


def _template(method: str, path: str, key: str) -> Any:
    """A deep copy of the first valid recorded body that has a non-empty `key`."""
    for body in _valid_recorded_bodies(method, path):
        if not key or body.get(key):
            return copy.deepcopy(body[key] if key else body)
    raise LookupError(f"no contract-valid recording of {method} {path} with {key!r}")


def created_project_body(name: str) -> dict[str, Any]:
    """A real 201 of POST /projects (with its connection URIs and passwords), renamed."""
    body: dict[str, Any] = _template("POST", "/projects", "")
    body["project"]["name"] = name
    return body


def project(project_id: str = "tenant-acme-1", **fields: Any) -> dict[str, Any]:
    """A full Project as GET /projects/{id} returns it (from a real recording)."""
    body = _template("GET", "/projects/{project_id}", "project")
    return {**body, "id": project_id, **fields}


def list_item(project_id: str, **fields: Any) -> dict[str, Any]:
    body = _template("GET", "/projects", "projects")[0]
    return {**body, "id": project_id, "name": project_id, **fields}


def operation(
    op_id: str, status: str, project_id: str = "tenant-acme-1", **fields: Any
) -> dict[str, Any]:
    body = _template("GET", "/projects/{project_id}/operations/{operation_id}", "operation")
    return {**body, "id": op_id, "status": status, "project_id": project_id, **fields}


def endpoint(
    endpoint_id: str = "ep-cool-1", project_id: str = "tenant-acme-1", **fields: Any
) -> dict[str, Any]:
    body = _template("GET", "/projects/{project_id}/endpoints/{endpoint_id}", "endpoint")
    return {**body, "id": endpoint_id, "project_id": project_id, **fields}


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else None
