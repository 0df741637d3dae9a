"""NeonClient: the controller's only door to Neon, one typed async method per call it needs.

An async context manager over one httpx.AsyncClient (see controller.neon.core for the wiring).
Reads page to the end; mutations hold their project's lock and return only after the operations
they scheduled have finished (or raise). Sending, retrying, rate limiting, bounds and error
mapping live in controller.neon.session; confirming operations in controller.neon.operations;
consumption reads in controller.neon.consumption_reads. The clock, sleep and random draw are
injected so tests never wait for real time where they need not; the transport is injected so
tests run the client against the emulator (in process or over real HTTP) or a scripted
httpx.MockTransport.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from controller.logs import register_secret
from controller.neon import routes
from controller.neon.consumption_reads import ConsumptionReads, Granularity
from controller.neon.core import origin_of
from controller.neon.envelopes import (
    BranchesPage,
    ConnectionUri,
    EndpointOperationsEnvelope,
    EndpointsEnvelope,
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
    OutcomeUnknownError,
    neon_answer,
)
from controller.neon.models import (
    Branch,
    BranchAnnotation,
    BranchList,
    CreatedProject,
    Endpoint,
    Operation,
    Project,
    ProjectListItem,
)
from controller.neon.pagination import Page, collect_pages
from controller.neon.payloads import EndpointCreate, EndpointUpdate, ProjectCreate, ProjectUpdate
from controller.neon.session import Reply

PROJECTS_PAGE_LIMIT = 400  # Neon's maximum for GET /projects
BRANCHES_PAGE_LIMIT = 1000
OPERATIONS_PAGE_LIMIT = 100
MAX_OPERATIONS_LIMIT = 1000
NO_CONTENT = 204
__all__ = ["Granularity", "NeonClient"]


class NeonClient(ConsumptionReads):
    """Typed async access to the Neon API v2 for one API key."""

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
            fetch,
            PROJECTS_PAGE_LIMIT,
            path="/projects",
            max_items=self._settings.max_list_items,
            cursor_required=True,
        )

    async def get_project(self, project_id: str) -> Project:
        """One project with its settings, quota and this period's consumption counters."""
        ids = {"project_id": project_id}
        return (await self._get(routes.GET_PROJECT, ids, ProjectEnvelope)).project

    async def create_project(
        self, create: ProjectCreate, *, on_created: Callable[[str], None] | None = None
    ) -> CreatedProject:
        """Create a project and wait for its operations; the result holds no secrets.

        `on_created` is called with the new project's id as soon as Neon answers, before its
        operations finish: the project exists from then on (a caller watching the project list
        can tell its own new projects from strangers').

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
        if on_created is not None:
            on_created(created.project.id)
        async with self._locks.hold(created.project.id):
            done = await self._waiter.wait(created.operations, origin=origin_of(reply))
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
        branches = await collect_pages(
            fetch, BRANCHES_PAGE_LIMIT, path=path, max_items=self._settings.max_list_items
        )
        return BranchList(branches=branches, annotations=annotations)

    async def list_endpoints(self, project_id: str) -> list[Endpoint]:
        """The project's computes (Neon does not paginate this list)."""
        ids = {"project_id": project_id}
        return (await self._get(routes.LIST_ENDPOINTS, ids, EndpointsEnvelope)).endpoints

    async def create_endpoint(self, project_id: str, create: EndpointCreate) -> Endpoint:
        """Create a compute on a branch and wait for its operations (it starts at once).

        A create whose outcome is unknown (response lost, 5xx) raises OutcomeUnknownError and is
        never re-sent: list the branch's endpoints before creating again.
        """
        ids = {"project_id": project_id}
        envelope = await self._mutate(
            routes.CREATE_ENDPOINT, ids, EndpointOperationsEnvelope, body=create.body()
        )
        return envelope.endpoint

    async def delete_endpoint(self, project_id: str, endpoint_id: str) -> None:
        """Delete a compute and wait for its operations; one already gone (204) is success."""
        ids = {"project_id": project_id, "endpoint_id": endpoint_id}
        path = routes.DELETE_ENDPOINT.path(**ids)
        async with self._locks.hold(project_id):
            reply = await self._session.send(routes.DELETE_ENDPOINT, path)
            if reply.status == NO_CONTENT or not reply.content.strip():
                return
            envelope = reply.parse(EndpointOperationsEnvelope)
            await self._waiter.wait(envelope.operations, origin=origin_of(reply))

    async def update_endpoint(
        self, project_id: str, endpoint_id: str, update: EndpointUpdate
    ) -> Endpoint:
        """PATCH a compute (size changes restart it) and wait for its operations."""
        ids = {"project_id": project_id, "endpoint_id": endpoint_id}
        envelope = await self._mutate(
            routes.UPDATE_ENDPOINT, ids, EndpointOperationsEnvelope, body=update.body()
        )
        return envelope.endpoint

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

    # -- operations -------------------------------------------------------------------------

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
        ids = {"project_id": project_id}
        optional = {"branch_id": branch_id, "endpoint_id": endpoint_id}
        for key, chosen in optional.items():
            if chosen is not None:
                routes.check_id(routes.CONNECTION_URI, key, chosen)
                params.append((key, chosen))
        uri = (await self._get(routes.CONNECTION_URI, ids, ConnectionUri, params)).uri
        register_secret(uri)
        return uri

    # -- operations -------------------------------------------------------------------------

    async def list_operations(
        self, project_id: str, *, limit: int = OPERATIONS_PAGE_LIMIT
    ) -> list[Operation]:
        """The project's most recent operations, newest first (one page of 1..1000)."""
        if not 1 <= limit <= MAX_OPERATIONS_LIMIT:
            raise NeonUsageError(f"list_operations: limit must be 1..1000, got {limit}")
        operations, _ = await self._operations_page(project_id, limit, None)
        return operations

    async def wait_for_operations(
        self, project_id: str, operations: Iterable[Operation]
    ) -> list[Operation]:
        """Wait until operations of `project_id` (e.g. running ones from list_operations) are
        terminal, under the client's deadline; raises on failure or timeout. Confirms them all
        with one read of the project's operations list per round (see docs/client.md)."""
        pending = list(operations)
        strangers = sorted({op.project_id for op in pending if op.project_id != project_id})
        if strangers:
            raise NeonUsageError(
                f"wait_for_operations({project_id!r}): operations of other projects {strangers}"
            )
        return await self._waiter.wait(pending)


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


def _create_outcome_unknown(
    name: str | None, error: OutcomeUnknownError | InvalidResponseError
) -> CreateOutcomeUnknownError:
    """The create's outcome is unknown: say what Neon answered (or that nothing came back)."""
    advice = (
        f"Neon may have created project {name!r}: look it up by name "
        f"(list_projects(search={name!r})) before creating it again"
        if name
        else "Neon may have created an unnamed project: list projects and compare before"
        " creating again"
    )
    lost = isinstance(error, OutcomeUnknownError) and error.response_lost
    if lost:
        cause = type(error.__cause__ or error).__name__
        what = f"the create was sent but its response was lost ({cause})"
    elif isinstance(error, OutcomeUnknownError):
        what = f"the create was sent and {neon_answer(error)}"
    else:
        what = f"{neon_answer(error)} but its body could not be read ({error.args[0]})"
    return CreateOutcomeUnknownError(
        f"{what}. {advice}",
        project_name=name,
        response_lost=lost,
        method=error.method,
        path=error.path,
        status=error.status,
        neon_message=error.neon_message,
        code=error.code,
        request_id=error.request_id,
    )
