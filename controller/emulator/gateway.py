"""The `/api/v2` pipeline: authenticate, rate-limit, inject faults, run the handler, answer.

Why this exists: what happens around every Neon call is the same whatever the route (bearer key
check, 700/min and 40/s buckets, injected 503/429/423, latency, a bounded body, a lost response
after commit, `X-Neon-Ret-Request-Id`, the GeneralError body echoing `X-Request-ID`), so it lives
in one place and handlers only do their resource's work. A body is read only once the key and the
rate limits let the request through. It is a raw ASGI app because losing a response after commit
needs control over what is sent.
"""

from __future__ import annotations

import json
import logging
from email.utils import formatdate
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from controller.emulator import errors, ids
from controller.emulator.auth import authenticate
from controller.emulator.bodies import Query
from controller.emulator.engine import Emulator
from controller.emulator.errors import ApiError
from controller.emulator.request_body import error_headers, read_body
from controller.emulator.routing import JSON, ApiRequest, Route, Router

LOGGER = logging.getLogger("controller.emulator")
_FAULT_MESSAGES = {
    423: errors.LOCKED_MESSAGE,
    429: errors.RATE_LIMITED_MESSAGE,
    503: errors.UNAVAILABLE_MESSAGE,
}


class ResponseDropped(ConnectionResetError):
    """The emulator committed a change and then lost its response (drop-after-commit fault).

    Over HTTP the connection closes after the status line, so the client gets no response. In
    process (httpx.ASGITransport) this exception reaches the client instead.
    """


def error_body(error: ApiError, request_id: str | None) -> JSON:
    body: JSON = {"code": error.code, "message": error.message}
    if request_id:
        body["request_id"] = request_id
    return body


def _encode(status: int, payload: JSON | None) -> Response:
    content = b"" if payload is None else json.dumps(payload, separators=(",", ":")).encode()
    media_type = None if status == 204 else "application/json"
    return Response(content, status_code=status, media_type=media_type)


class NeonApi:
    """The ASGI app mounted at `/api/v2/{path}`."""

    def __init__(self, emulator: Emulator, router: Router) -> None:
        self._emulator = emulator
        self._router = router

    def _authenticate(self, request: Request) -> str:
        return authenticate(request.headers, self._emulator.config.api_key)

    async def _admit(self, request: Request, route: Route) -> None:
        """Everything before the handler: key, rate limits, injected latency and status."""
        key = self._authenticate(request)
        label = f"{route.method} {route.template}"
        if not self._emulator.limiter.admit(key, label, consumption=route.consumption):
            raise ApiError(429, errors.RATE_LIMITED_MESSAGE)
        faults = self._emulator.faults
        if faults.latency_seconds:
            await self._emulator.config.sleep(faults.latency_seconds)
        injected = faults.injected_status(mutating=route.mutating)
        if injected is not None:
            self._emulator.stats.injected_faults += 1
            raise ApiError(injected, _FAULT_MESSAGES.get(injected, "internal server error"))

    async def _serve(
        self, request: Request, route: Route, params: dict[str, str]
    ) -> tuple[int, JSON | None]:
        await self._admit(request, route)
        query: dict[str, list[str]] = {}
        for name, value in request.query_params.multi_items():
            query.setdefault(name, []).append(value)
        body = await read_body(request, self._emulator.config.max_body_bytes)
        api_request = ApiRequest(params, Query(query), body)
        with self._emulator.session() as session:
            return route.handler(session, api_request)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        method, path = request.method, "/" + str(scope["path_params"].get("path", ""))
        label, drop = "(no route)", False
        try:
            try:
                route, params = self._router.match(method, path)
            except ApiError:
                self._authenticate(request)  # 401 before revealing which paths exist
                raise
            label = route.template
            status, payload = await self._serve(request, route, params)
            drop = route.mutating and status < 300 and self._emulator.faults.drops_after_commit()
        except ApiError as error:
            status, payload = error.status, error_body(error, request.headers.get("x-request-id"))
        except ClientDisconnect:
            return  # gone (or cut off by a deadline) while sending its body: no one to answer
        except Exception:
            LOGGER.exception("emulator_handler_failed method=%s route=%s", method, label)
            status = 500
            payload = error_body(ApiError(500, "internal server error"), None)
        self._emulator.stats.record(method, label, status)
        response = _encode(status, payload)
        response.headers.update(error_headers(status))
        response.headers["X-Neon-Ret-Request-Id"] = ids.request_id()
        # Neon's responses carry its clock in `Date`; ours is the emulator's (advanceable) clock.
        response.headers["Date"] = formatdate(self._emulator.clock.now(), usegmt=True)
        if drop:
            self._emulator.stats.dropped_after_commit += 1
            await send(
                {"type": "http.response.start", "status": status, "headers": response.raw_headers}
            )
            raise ResponseDropped(
                f"{method} {path}: response dropped after commit (injected fault)"
            )
        await response(scope, receive, send)


def is_dropped_response(record: logging.LogRecord) -> bool:
    """True for the server's log of a deliberately dropped response (not an error)."""
    exc_info: Any = record.exc_info
    return bool(exc_info) and isinstance(exc_info[1], ResponseDropped)
