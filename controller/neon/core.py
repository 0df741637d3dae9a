"""The plumbing every NeonClient method stands on: one httpx client, the session, the limiter,
the project locks and the operation waiter, wired from NeonSettings.

NeonClient (controller.neon.client) adds the typed methods on top; this module is where the
settings become objects: the connection pool, pacing (a process-wide limiter, a limiter shared
with other processes through a file, or none), and the operation waiter's list reads.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Self, TypeVar

import httpx

from controller.logs import register_secret
from controller.neon import routes
from controller.neon.envelopes import (
    EndpointOperationsEnvelope,
    OperationEnvelope,
    OperationsPage,
    ProjectOperationsEnvelope,
)
from controller.neon.locks import ProjectLocks
from controller.neon.models import NeonModel, Operation
from controller.neon.operations import OperationWaiter, Origin
from controller.neon.ratelimit import (
    SHARED_LIMITERS,
    Pacer,
    RateLimiterRegistry,
    RateLimits,
    Unpaced,
)
from controller.neon.routes import Route
from controller.neon.session import NeonSession, QueryParams, Reply
from controller.neon.settings import NeonSettings

USER_AGENT = "tenantctl-neon-client/0.1"
E = TypeVar("E", ProjectOperationsEnvelope, EndpointOperationsEnvelope)
M = TypeVar("M", bound=NeonModel)


class ClientCore:
    """Owns the connection pool and the session; subclasses add one method per Neon call."""

    def __init__(
        self,
        settings: NeonSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: Callable[[], float] = random.random,
        limiters: RateLimiterRegistry = SHARED_LIMITERS,
    ) -> None:
        register_secret(settings.api_key)
        self._settings = settings
        self._http = httpx.AsyncClient(
            base_url=settings.host,
            transport=transport,
            headers={
                "Authorization": f"Bearer {settings.api_key}",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            },
            timeout=httpx.Timeout(
                settings.request_timeout_seconds, connect=settings.connect_timeout_seconds
            ),
            limits=httpx.Limits(max_connections=settings.max_connections),
            follow_redirects=False,
        )
        self._session = NeonSession(
            settings,
            self._http,
            _pacer(settings, limiters, clock),
            clock=clock,
            sleep=sleep,
            draw=rng,
        )
        self._waiter = OperationWaiter(
            self.get_operation, self._operations_page, settings, clock=clock, sleep=sleep, draw=rng
        )
        self._locks = ProjectLocks()

    @property
    def settings(self) -> NeonSettings:
        return self._settings

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def get_operation(self, project_id: str, operation_id: str) -> Operation:
        """One operation of a project, by id."""
        ids = {"project_id": project_id, "operation_id": operation_id}
        return (await self._get(routes.GET_OPERATION, ids, OperationEnvelope)).operation

    async def _operations_page(
        self, project_id: str, limit: int, cursor: str | None
    ) -> tuple[list[Operation], str | None]:
        """One page of the project's operations, newest first, and the cursor of the next."""
        ids = {"project_id": project_id}
        params = [("limit", str(limit))]
        page = await self._get(routes.LIST_OPERATIONS, ids, OperationsPage, params, cursor)
        return page.operations, page.pagination.cursor if page.pagination else None

    def _org_param(self) -> list[tuple[str, str]]:
        return [("org_id", self._settings.org_id)] if self._settings.org_id else []

    async def _get(
        self,
        route: Route,
        ids: dict[str, str],
        model: type[M],
        params: QueryParams = (),
        cursor: str | None = None,
    ) -> M:
        query = [*params, ("cursor", cursor)] if cursor else list(params)
        reply = await self._session.send(route, route.path(**ids), params=query)
        return reply.parse(model)

    async def _mutate(
        self,
        route: Route,
        ids: dict[str, str],
        model: type[E],
        *,
        body: dict[str, object] | None = None,
    ) -> E:
        """Send a mutation under its project's lock and wait for the operations it scheduled."""
        path = route.path(**ids)
        async with self._locks.hold(ids["project_id"]):
            reply = await self._session.send(route, path, body=body)
            envelope = reply.parse(model)
            done = await self._waiter.wait(envelope.operations, origin=origin_of(reply))
        return envelope.model_copy(update={"operations": done})


def origin_of(reply: Reply) -> Origin:
    return Origin(method=reply.method, path=reply.path, request_id=reply.request_id)


def _pacer(
    settings: NeonSettings, limiters: RateLimiterRegistry, clock: Callable[[], float]
) -> Pacer:
    """No pacing, a process-wide limiter, or one shared with other processes through a file."""
    if not settings.pace:
        return Unpaced()
    return limiters.limiter_for(
        settings.host,
        settings.api_key,
        RateLimits.from_settings(settings),
        clock=clock,
        shared_dir=settings.shared_limiter_dir,
    )
