"""NeonClient: the controller's only door to Neon, one typed async method per call it needs.

An async context manager over one httpx.AsyncClient. Reads page to the end; mutations hold their
project's lock and return only after the operations they scheduled have finished (or raise).
Sending, retrying, rate limiting and error mapping live in controller.neon.session; operation
polling in controller.neon.operations. The clock, sleep and random draw are injected so tests
never wait for real time where they need not; the transport is injected so tests run the client
against the emulator (in process or over real HTTP) or a scripted httpx.MockTransport.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Literal, TypeVar

import httpx
from pydantic import Field

from controller.logs import register_secret
from controller.neon import routes
from controller.neon.consumption import ConsumptionQuery
from controller.neon.envelopes import (
    BranchesPage,
    ConsumptionPage,
    EndpointOperationsEnvelope,
    EndpointsEnvelope,
    OperationEnvelope,
    OperationsPage,
    ProjectEnvelope,
    ProjectOperationsEnvelope,
    ProjectsCompleteness,
    ProjectsPage,
)
from controller.neon.errors import (
    CreateOutcomeUnknownError,
    IncompleteListError,
    InvalidResponseError,
    NeonUsageError,
    NotFoundError,
    OutcomeUnknownError,
)
from controller.neon.locks import ProjectLocks
from controller.neon.models import (
    Branch,
    BranchAnnotation,
    BranchList,
    CreatedProject,
    Endpoint,
    NeonModel,
    Operation,
    Project,
    ProjectConsumptionHistory,
    ProjectListItem,
)
from controller.neon.operations import OperationWaiter, Origin
from controller.neon.pagination import Page, collect_pages
from controller.neon.payloads import EndpointCreate, EndpointUpdate, ProjectCreate, ProjectUpdate
from controller.neon.ratelimit import SHARED_LIMITERS, RateLimiterRegistry, RateLimits
from controller.neon.routes import Route
from controller.neon.session import NeonSession, QueryParams, Reply
from controller.neon.settings import NeonSettings

PROJECTS_PAGE_LIMIT = 400  # Neon's maximum for GET /projects
BRANCHES_PAGE_LIMIT = 1000
OPERATIONS_PAGE_LIMIT = 100
MAX_OPERATIONS_LIMIT = 1000
USER_AGENT = "tenantctl-neon-client/0.1"
Granularity = Literal["hourly", "daily", "monthly"]
E = TypeVar("E", ProjectOperationsEnvelope, EndpointOperationsEnvelope)
_M = TypeVar("_M", bound=NeonModel)


class NeonClient:
    """Typed async access to the Neon API v2 for one API key."""

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
        limiter = limiters.limiter_for(
            settings.host, settings.api_key, RateLimits.from_settings(settings), clock=clock
        )
        self._session = NeonSession(
            settings, self._http, limiter, clock=clock, sleep=sleep, draw=rng
        )
        self._waiter = OperationWaiter(
            self.get_operation, settings, clock=clock, sleep=sleep, draw=rng
        )
        self._locks = ProjectLocks()

    @property
    def settings(self) -> NeonSettings:
        return self._settings

    async def __aenter__(self) -> NeonClient:
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

    # -- projects ---------------------------------------------------------------------------

    async def list_projects(
        self, *, search: str | None = None, recoverable: bool = False
    ) -> list[ProjectListItem]:
        """Every project visible to the key (in NEON_ORG_ID if set), paging at 400 to the end.

        `search` matches part of a name or id; `recoverable=True` lists deleted projects still
        in their recovery window instead. A page on which Neon names projects it could not list
        in time is asked again like a temporary failure; IncompleteListError if it stays
        partial: a partial list must never be mistaken for the whole fleet.
        """
        params = [("limit", str(PROJECTS_PAGE_LIMIT)), *self._org_param()]
        if search:
            params.append(("search", search))
        if recoverable:
            params.append(("recoverable", "true"))

        async def fetch(cursor: str | None) -> Page[ProjectListItem]:
            query = [*params, ("cursor", cursor)] if cursor else params
            reply = await self._session.send(
                routes.LIST_PROJECTS, "/projects", params=query, check=_refuse_partial_page
            )
            page = reply.parse(ProjectsPage)
            return page.projects, page.pagination.cursor if page.pagination else None

        return await collect_pages(
            fetch, PROJECTS_PAGE_LIMIT, path="/projects", cursor_required=True
        )

    async def get_project(self, project_id: str) -> Project:
        """One project with its settings, quota and this period's consumption counters."""
        ids = {"project_id": project_id}
        return (await self._get(routes.GET_PROJECT, ids, ProjectEnvelope)).project

    async def create_project(self, create: ProjectCreate) -> CreatedProject:
        """Create a project and wait for its operations; the result holds no secrets.

        423/429/503 are retried (Neon did not act). If the request was sent but the answer was
        lost, or Neon answered 2xx with a body the client cannot read (so the new project's id is
        unknown), raises CreateOutcomeUnknownError and never re-sends: look the project up by
        name (`list_projects(search=name)`) before trying again, or risk a duplicate.
        """
        if create.org_id is None and self._settings.org_id is not None:
            create = create.model_copy(update={"org_id": self._settings.org_id})
        try:
            reply = await self._session.send(
                routes.CREATE_PROJECT, routes.CREATE_PROJECT.path(), body=create.body()
            )
            created = reply.parse(CreatedProject)
        except (OutcomeUnknownError, InvalidResponseError) as error:
            raise _create_outcome_unknown(create.name, error) from error
        async with self._locks.hold(created.project.id):
            done = await self._waiter.wait(created.operations, origin=_origin(reply))
        return created.model_copy(update={"operations": done})

    async def update_project(self, project_id: str, update: ProjectUpdate) -> Project:
        """PATCH the project (name, quota, compute defaults, history) and wait for it."""
        envelope = await self._mutate(
            routes.UPDATE_PROJECT,
            {"project_id": project_id},
            ProjectOperationsEnvelope,
            body=update.body(),
        )
        return envelope.project

    async def delete_project(self, project_id: str) -> Project:
        """Delete the project (recoverable for 7 days); NotFoundError if it is already gone."""
        ids = {"project_id": project_id}
        return (await self._mutate(routes.DELETE_PROJECT, ids, ProjectOperationsEnvelope)).project

    async def recover_project(self, project_id: str) -> Project:
        """Recover a deleted project still inside its recovery window."""
        ids = {"project_id": project_id}
        return (await self._mutate(routes.RECOVER_PROJECT, ids, ProjectOperationsEnvelope)).project

    # -- branches and endpoints -------------------------------------------------------------

    async def list_branches(self, project_id: str) -> BranchList:
        """All branches of a project with their annotations (keyed by branch id)."""
        ids = {"project_id": project_id}
        annotations: dict[str, BranchAnnotation] = {}

        async def fetch(cursor: str | None) -> Page[Branch]:
            limit = [("limit", str(BRANCHES_PAGE_LIMIT))]
            page = await self._get(routes.LIST_BRANCHES, ids, BranchesPage, limit, cursor)
            annotations.update(page.annotations)
            return page.branches, page.pagination.next if page.pagination else None

        path = routes.LIST_BRANCHES.path(**ids)
        branches = await collect_pages(fetch, BRANCHES_PAGE_LIMIT, path=path)
        return BranchList(branches=branches, annotations=annotations)

    async def list_endpoints(self, project_id: str) -> list[Endpoint]:
        """The project's computes (Neon does not paginate this list)."""
        ids = {"project_id": project_id}
        return (await self._get(routes.LIST_ENDPOINTS, ids, EndpointsEnvelope)).endpoints

    async def update_endpoint(
        self, project_id: str, endpoint_id: str, update: EndpointUpdate
    ) -> Endpoint:
        """PATCH a compute (size changes restart it) and wait for its operations."""
        ids = {"project_id": project_id, "endpoint_id": endpoint_id}
        envelope = await self._mutate(
            routes.UPDATE_ENDPOINT, ids, EndpointOperationsEnvelope, body=update.body()
        )
        return envelope.endpoint

    async def create_endpoint(self, project_id: str, create: EndpointCreate) -> Endpoint:
        """Create a compute (a read replica: type read_only) and wait for its operations.

        Not idempotent: a lost answer may leave the compute created; callers name computes so
        that the next run finds it (see reconcile's replica names).
        """
        ids = {"project_id": project_id}
        envelope = await self._mutate(
            routes.CREATE_ENDPOINT, ids, EndpointOperationsEnvelope, body=create.body()
        )
        return envelope.endpoint

    async def delete_endpoint(self, project_id: str, endpoint_id: str) -> None:
        """Delete a compute and wait for its operations; a compute already gone is success."""
        ids = {"project_id": project_id, "endpoint_id": endpoint_id}
        route = routes.DELETE_ENDPOINT
        async with self._locks.hold(project_id):
            try:
                reply = await self._session.send(route, route.path(**ids))
            except NotFoundError:
                return
            if reply.status == HTTP_NO_CONTENT:  # Neon's answer when it was already gone
                return
            envelope = reply.parse(EndpointOperationsEnvelope)
            await self._waiter.wait(envelope.operations, origin=_origin(reply))

    async def start_endpoint(self, project_id: str, endpoint_id: str) -> Endpoint:
        """Start an idle compute and wait until Neon reports the start done."""
        ids = {"project_id": project_id, "endpoint_id": endpoint_id}
        return (await self._mutate(routes.START_ENDPOINT, ids, EndpointOperationsEnvelope)).endpoint

    async def suspend_endpoint(self, project_id: str, endpoint_id: str) -> Endpoint:
        """Suspend a compute and wait until Neon reports it done."""
        ids = {"project_id": project_id, "endpoint_id": endpoint_id}
        return (
            await self._mutate(routes.SUSPEND_ENDPOINT, ids, EndpointOperationsEnvelope)
        ).endpoint

    # -- connection details -----------------------------------------------------------------

    async def connection_uri(
        self,
        project_id: str,
        *,
        database_name: str,
        role_name: str,
        pooled: bool = False,
        branch_id: str | None = None,
        endpoint_id: str | None = None,
    ) -> str:
        """The connection URI of a role on a database (default branch and its read-write compute
        unless `branch_id`/`endpoint_id` say otherwise; `pooled` for the pooler host).

        The URI holds the role's password: it is registered with the redactor before it is
        returned, and never logged, cached or put in an error or a repr by the client. Call it
        only on a user's explicit request: planning never needs it.
        """
        for name, value in (("database_name", database_name), ("role_name", role_name)):
            if not isinstance(value, str) or not value or not value.isprintable():
                raise NeonUsageError(f"connection_uri: {name} must be a non-empty name")
        params = [("database_name", database_name), ("role_name", role_name)]
        if pooled:
            params.append(("pooled", "true"))
        for key, chosen in (("branch_id", branch_id), ("endpoint_id", endpoint_id)):
            if chosen is not None:
                if not routes.NEON_ID.fullmatch(chosen):
                    raise NeonUsageError(f"connection_uri: {key} {chosen!r} is not a Neon id")
                params.append((key, chosen))
        ids = {"project_id": project_id}
        uri = (await self._get(routes.CONNECTION_URI, ids, _ConnectionUri, params)).uri
        register_secret(uri)
        return uri

    # -- operations -------------------------------------------------------------------------

    async def get_operation(self, project_id: str, operation_id: str) -> Operation:
        ids = {"project_id": project_id, "operation_id": operation_id}
        return (await self._get(routes.GET_OPERATION, ids, OperationEnvelope)).operation

    async def list_operations(
        self, project_id: str, *, limit: int = OPERATIONS_PAGE_LIMIT
    ) -> list[Operation]:
        """The project's most recent operations, newest first (one page of 1..1000)."""
        if not 1 <= limit <= MAX_OPERATIONS_LIMIT:
            raise NeonUsageError(f"list_operations: limit must be 1..1000, got {limit}")
        ids = {"project_id": project_id}
        params = [("limit", str(limit))]
        return (await self._get(routes.LIST_OPERATIONS, ids, OperationsPage, params)).operations

    async def wait_for_operations(
        self, project_id: str, operations: Iterable[Operation]
    ) -> list[Operation]:
        """Wait until operations of `project_id` (e.g. running ones from list_operations) are
        terminal, under the client's deadline; raises on failure or timeout."""
        pending = list(operations)
        strangers = sorted({op.project_id for op in pending if op.project_id != project_id})
        if strangers:
            raise NeonUsageError(
                f"wait_for_operations({project_id!r}): operations of other projects {strangers}"
            )
        return await self._waiter.wait(pending)

    # -- consumption ------------------------------------------------------------------------

    async def consumption_history(
        self,
        project_ids: Iterable[str],
        *,
        since: datetime,
        until: datetime,
        granularity: Granularity,
        metrics: Sequence[str] | None = None,
    ) -> list[ProjectConsumptionHistory]:
        """Consumption of the given projects (legacy-plan endpoint), 100 ids per request.

        Pages at limit 100 within each batch and draws from the consumption rate bucket. An
        empty `project_ids` returns [] (Neon would return every project). A plan without access
        raises ConsumptionUnavailableError: fall back to the project counters.
        """
        query = ConsumptionQuery.build(
            project_ids,
            since=since,
            until=until,
            granularity=granularity,
            metrics=metrics,
            org_id=self._settings.org_id,
        )
        results: list[ProjectConsumptionHistory] = []
        for batch, params in query.batches():
            results.extend(await self._consumption_batch(batch, params, query.page_limit))
        return results

    async def _consumption_batch(
        self, batch: Sequence[str], params: QueryParams, limit: int
    ) -> list[ProjectConsumptionHistory]:
        """One batch of ids, paged; stops as soon as every asked project has been answered."""
        missing = set(batch)

        async def fetch(cursor: str | None) -> Page[ProjectConsumptionHistory]:
            page = await self._get(routes.CONSUMPTION_HISTORY, {}, ConsumptionPage, params, cursor)
            missing.difference_update(history.project_id for history in page.projects)
            more = page.pagination.cursor if page.pagination and missing else None
            return page.projects, more

        return await collect_pages(fetch, limit, path=routes.CONSUMPTION_HISTORY.template)

    # -- plumbing ---------------------------------------------------------------------------

    def _org_param(self) -> list[tuple[str, str]]:
        return [("org_id", self._settings.org_id)] if self._settings.org_id else []

    async def _get(
        self,
        route: Route,
        ids: dict[str, str],
        model: type[_M],
        params: QueryParams = (),
        cursor: str | None = None,
    ) -> _M:
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
            done = await self._waiter.wait(envelope.operations, origin=_origin(reply))
        return envelope.model_copy(update={"operations": done})


class _ConnectionUri(NeonModel):
    """`{"uri": ...}`: the answer of GET /projects/{id}/connection_uri; kept out of reprs."""

    uri: str = Field(repr=False)


HTTP_NO_CONTENT = 204


def _refuse_partial_page(reply: Reply) -> None:
    """IncompleteListError (temporary: the page is asked again) if Neon left projects out."""
    unavailable = reply.parse(ProjectsCompleteness).unavailable_project_ids
    if unavailable:
        raise IncompleteListError(
            f"Neon could not list {len(unavailable)} project(s) in time; the list is partial",
            method=reply.method,
            path=reply.path,
            status=reply.status,
            request_id=reply.request_id,
        )


def _origin(reply: Reply) -> Origin:
    return Origin(method=reply.method, path=reply.path, request_id=reply.request_id)


def _create_outcome_unknown(
    name: str | None, error: OutcomeUnknownError | InvalidResponseError
) -> CreateOutcomeUnknownError:
    advice = (
        f"Neon may have created project {name!r}: look it up by name "
        f"(list_projects(search={name!r})) before creating it again"
        if name
        else "Neon may have created an unnamed project: list projects and compare before"
        " creating again"
    )
    cause = type(error.__cause__ or error).__name__
    return CreateOutcomeUnknownError(
        f"the create was sent but no usable answer came back ({cause}). {advice}",
        project_name=name,
        method=error.method,
        path=error.path,
        status=error.status,
        neon_message=error.neon_message,
        request_id=error.request_id,
    )
