"""The control API (`/_emulator/...`): what tests and demos do to the emulator that Neon can't.

Why this exists: a test of quotas or billing must make time pass and usage happen without waiting
for either, and a test of retries must make Neon fail. These routes move the emulator's clock,
add usage to a project, configure faults, read request counters and reset everything. Anyone
who can call them can wipe the emulator, so they ask for a bearer key whenever the emulator has
one (`control_key`, else `api_key`) and answer 401 before revealing which paths exist; they are
open only with no key at all (localhost or in-process).
"""

from __future__ import annotations

import json
import math
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.types import Receive, Scope, Send

from controller.emulator.auth import authenticate
from controller.emulator.bodies import NonNegative
from controller.emulator.engine import Emulator
from controller.emulator.errors import ApiError, bad_request
from controller.emulator.faults import FaultSettings
from controller.emulator.lifecycle import settle
from controller.emulator.request_body import error_headers, read_body
from controller.emulator.state import ProjectRecord, UsageEvent, UsageMetric
from controller.emulator.timeutil import LATEST_INSTANT, iso, month_start, next_month_start
from controller.emulator.usage import (
    exceeded_quotas,
    logical_size,
    period_usage,
    writes_blocked_branches,
)

M = TypeVar("M", bound=BaseModel)
CONTROL_PREFIX = "/_emulator"
USAGE_METRICS: tuple[UsageMetric, ...] = (
    "active_time_seconds",
    "compute_time_seconds",
    "written_data_bytes",
    "data_transfer_bytes",
    "logical_size_bytes",
)


class AdvanceBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    seconds: Annotated[float, Field(ge=0.0)]


class ConsumptionBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    written_data_bytes: NonNegative = 0
    data_transfer_bytes: NonNegative = 0
    logical_size_bytes: NonNegative = 0
    active_time_seconds: NonNegative = 0
    compute_time_seconds: NonNegative = 0
    branch_id: str | None = None


def project_status(project: ProjectRecord, now: float) -> dict[str, Any]:
    """What the emulator knows of a project's usage and quotas (Neon shows no such view)."""
    used = period_usage(project, now)
    return {
        "project_id": project.id,
        "now": iso(now),
        "consumption_period_start": iso(month_start(now)),
        "consumption_period_end": iso(next_month_start(now)),
        "usage": {
            "active_time_seconds": used.active_seconds,
            "compute_time_seconds": used.compute_seconds,
            "written_data_bytes": used.written_data_bytes,
            "data_transfer_bytes": used.data_transfer_bytes,
            "logical_size_bytes": logical_size(project, now),
        },
        "quota": project.quota(),
        "exceeded_quotas": exceeded_quotas(project, now),
        "writes_blocked_branches": writes_blocked_branches(project, now),
        "endpoints": [
            {"id": e.id, "current_state": e.state, "disabled": e.disabled}
            for e in project.endpoints
        ],
    }


def _error(error: ApiError) -> JSONResponse:
    return JSONResponse(
        {"code": error.code, "message": error.message},
        status_code=error.status,
        headers=error_headers(error.status),
    )


async def _decode(request: Request, model: type[M], max_bytes: int) -> M:
    raw = await read_body(request, max_bytes)
    try:
        return model.model_validate(json.loads(raw or b"{}"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise bad_request(f"body is not JSON: {error}") from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise bad_request(f"{where}: {first['msg']}") from None


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    path = str(scope.get("path", ""))[:200]
    await _error(ApiError(404, f"no such control endpoint: {path}"))(scope, receive, send)


class ControlApi:
    """The ASGI app mounted at `/_emulator`: the key check, then the control routes."""

    def __init__(self, emulator: Emulator) -> None:
        self._emulator = emulator
        self._router = Router(
            routes=[
                Route("/clock", self.clock, methods=["GET"]),
                Route("/clock/advance", self.advance_clock, methods=["POST"]),
                Route("/projects/{project_id}", self.project, methods=["GET"]),
                Route("/projects/{project_id}/consumption", self.add_consumption, methods=["POST"]),
                Route("/faults", self.faults, methods=["GET"]),
                Route("/faults", self.set_faults, methods=["POST"]),
                Route("/stats", self.stats, methods=["GET"]),
                Route("/reset", self.reset, methods=["POST"]),
            ],
            default=_not_found,
        )

    def routes(self) -> list[BaseRoute]:
        return [Mount(CONTROL_PREFIX, app=self)]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        expected = self._emulator.config.control_api_key
        if expected is not None:
            try:
                authenticate(Request(scope).headers, expected)
            except ApiError as error:
                await _error(error)(scope, receive, send)
                return
        try:
            await self._router(scope, receive, send)
        except ClientDisconnect:
            return  # gone (or cut off by a deadline) while sending its body: no one to answer

    async def _parse(self, request: Request, model: type[M]) -> M:
        return await _decode(request, model, self._emulator.config.max_body_bytes)

    def _clock_view(self) -> dict[str, Any]:
        clock = self._emulator.clock
        return {"now": iso(clock.now()), "offset_seconds": clock.offset}

    async def clock(self, request: Request) -> JSONResponse:
        return JSONResponse(self._clock_view())

    async def advance_clock(self, request: Request) -> JSONResponse:
        try:
            body = await self._parse(request, AdvanceBody)
            if not math.isfinite(body.seconds):
                raise bad_request("seconds: must be a finite number")
            if self._emulator.clock.now() + body.seconds > LATEST_INSTANT:
                raise bad_request(f"seconds: would move the clock past {iso(LATEST_INSTANT)}")
        except ApiError as error:
            return _error(error)
        with self._emulator.store.transaction():
            self._emulator.clock.advance(body.seconds)
        return JSONResponse(self._clock_view())

    async def project(self, request: Request) -> JSONResponse:
        try:
            with self._emulator.session() as session:
                project = session.project(request.path_params["project_id"])
                return JSONResponse(project_status(project, session.now))
        except ApiError as error:
            return _error(error)

    async def add_consumption(self, request: Request) -> JSONResponse:
        try:
            body = await self._parse(request, ConsumptionBody)
            with self._emulator.session() as session:
                project = session.project(request.path_params["project_id"])
                branch_id = body.branch_id or project.default_branch().id
                if project.branch(branch_id) is None:
                    raise bad_request(f"branch_id: project {project.id} has no branch {branch_id}")
                for metric in USAGE_METRICS:
                    amount = getattr(body, metric)
                    if amount:
                        project.events.append(
                            UsageEvent(
                                at=session.now, branch_id=branch_id, metric=metric, amount=amount
                            )
                        )
                settle(project, session.now)  # a quota reached now suspends computes now
                session.save(project)
                return JSONResponse(project_status(project, session.now))
        except ApiError as error:
            return _error(error)

    async def faults(self, request: Request) -> JSONResponse:
        return JSONResponse(self._emulator.faults.settings.model_dump())

    async def set_faults(self, request: Request) -> JSONResponse:
        try:
            settings = await self._parse(request, FaultSettings)
        except ApiError as error:
            return _error(error)
        self._emulator.faults.configure(settings)
        return JSONResponse(settings.model_dump())

    async def stats(self, request: Request) -> JSONResponse:
        return JSONResponse(self._emulator.stats.snapshot())

    async def reset(self, request: Request) -> JSONResponse:
        self._emulator.reset()
        return JSONResponse({"reset": True, **self._clock_view()})
