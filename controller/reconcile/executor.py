"""The executor: carries out a ChangePlan through the Neon client. Only it mutates Neon.

Tenants run concurrently, each tenant's actions in order (the client also serialises
mutations per project). A failure in one tenant never stops the others. A staged rollout
(`ApplyOptions.batch_size`) runs tenants in batches, in plan order, with a pause between
batches, and starts no further batch once `max_failures` tenants failed: the tenants left are
reported `not_started`, for the next run. Before the first
mutation of an existing project, its ownership is verified: the mark read during observation
or vouched for by the tagged mark cache (marks never change), a fresh read for saved plans, or
the tenant file's project_id for adopted ones.

Failure contracts, per action:
- create: a lost response is never re-sent; the project is looked up by name and mark, so a
  re-run finds and finishes it instead of creating a second one.
- update / suspend / resume: idempotent; re-running after a failure converges.
- delete: a failed delete means the project still exists; nothing else was touched.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from controller.logs import get_logger
from controller.neon.client import NeonClient
from controller.neon.errors import CreateOutcomeUnknownError, NeonError
from controller.neon.models import Endpoint
from controller.reconcile.apply_report import ApplyReport, Outcome, TenantResult
from controller.reconcile.changeplan import Action, ActionKind, ChangePlan, ComputeSpec
from controller.reconcile.diff import change_satisfied
from controller.reconcile.observe import Observer, created_in_period
from controller.reconcile.observed import (
    ObservedEndpoint,
    ObservedProject,
    OwnershipMark,
    fingerprint,
)
from controller.reconcile.requests import (
    create_request,
    endpoint_requests,
    endpoint_updates_after_create,
    project_update_request,
    replica_request,
)

_log = get_logger("executor")
# The message of a tenant left unrun because `ApplyOptions.stop` was set (not_started).
STOPPED_PREFIX = "not run: apply is stopping"


class ApplyRefused(Exception):
    """A tenant's actions were not run, for a reason that is not a Neon error."""

    def __init__(self, outcome: Outcome, message: str) -> None:
        super().__init__(message)
        self.outcome = outcome


class ActionBlocked(ApplyRefused):
    """One action is not permitted by this apply's flags; the tenant's others still run."""

    def __init__(self, message: str) -> None:
        super().__init__(Outcome.BLOCKED, message)


@dataclass(frozen=True)
class ApplyOptions:
    """Permissions given to apply, how many tenants run at once, and the staged rollout:
    tenants per batch (None: all in one), the pause between batches, and how many failed
    tenants stop further batches (None: never)."""

    allow_delete: bool = False
    max_deletes: int = 1
    concurrency: int = 8
    check_staleness: bool = False
    # Set (by a long-running loop on SIGTERM): no tenant and no further action starts; the
    # requests already sent, and the operations they wait for, finish.
    stop: asyncio.Event | None = None
    batch_size: int | None = None
    batch_pause_seconds: float = 0.0
    max_failures: int | None = None

    def __post_init__(self) -> None:
        if self.batch_size is not None and self.batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {self.batch_size}")
        if self.max_failures is not None and self.max_failures < 1:
            raise ValueError(f"max_failures must be at least 1, got {self.max_failures}")
        if self.batch_pause_seconds < 0:
            raise ValueError(f"batch_pause_seconds must be >= 0, got {self.batch_pause_seconds}")


class Executor:
    """Runs one plan. Holds the per-run state: verified marks and the delete budget."""

    def __init__(
        self,
        client: NeonClient,
        observer: Observer,
        options: ApplyOptions,
        on_result: Callable[[TenantResult], None] | None = None,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._client = client
        self._sleep = sleep
        self._observer = observer
        self._options = options
        self._on_result = on_result or (lambda _result: None)
        self._deletes_left = options.max_deletes if options.allow_delete else 0
        self._delete_budget = asyncio.Lock()
        self._limit = asyncio.Semaphore(options.concurrency)

    async def apply(self, plan: ChangePlan) -> ApplyReport:
        """Apply every runnable action; report every tenant, including those not run."""
        groups: dict[tuple[str, str], list[Action]] = defaultdict(list)
        for action in plan.actions:
            groups[(action.tenant, action.project_id or "")].append(action)
        ordered = list(groups.values())
        size = self._options.batch_size or max(1, len(ordered))
        batches = [ordered[start : start + size] for start in range(0, len(ordered), size)]
        results: list[TenantResult] = []
        for number, batch in enumerate(batches):
            failed = sum(1 for r in results if r.outcome is Outcome.FAILED)
            limit = self._options.max_failures
            if limit is not None and failed >= limit:
                left = [group for rest in batches[number:] for group in rest]
                results.extend(self._not_started(left, failed, limit))
                break
            if number and self._options.batch_pause_seconds:
                await self._sleep(self._options.batch_pause_seconds)
            if len(batches) > 1:
                _log.info("apply_batch", batch=number + 1, batches=len(batches), tenants=len(batch))
            results.extend(
                await asyncio.gather(*(self._run_group(plan.fleet, group) for group in batch))
            )
        return ApplyReport(
            results=tuple(sorted(results, key=lambda r: (r.tenant, r.project_id or "")))
        )

    def _not_started(
        self, groups: Sequence[Sequence[Action]], failed: int, limit: int
    ) -> list[TenantResult]:
        """The tenants a stopped rollout leaves for the next run, each reported as such."""
        _log.warning("apply_rollout_stopped", failed=failed, max_failures=limit, left=len(groups))
        message = (
            f"{failed} tenant(s) failed in earlier batches (--max-failures {limit}); fix them "
            "and apply again to continue"
        )
        results = []
        for actions in groups:
            first = actions[0]
            kinds = tuple(a.kind for a in actions)
            result = TenantResult(
                first.tenant, Outcome.NOT_STARTED, kinds, message, first.project_id
            )
            self._on_result(result)
            results.append(result)
        return results

    async def _run_group(self, fleet: str, actions: Sequence[Action]) -> TenantResult:
        first = actions[0]
        kinds = tuple(a.kind for a in actions)
        async with self._limit:
            try:
                project_id, blocked = await self._run_actions(fleet, actions)
                result = _result_for(first, kinds, project_id, actions, blocked)
            except ApplyRefused as refused:
                result = TenantResult(
                    first.tenant, refused.outcome, kinds, str(refused), first.project_id
                )
            except NeonError as error:
                _log.warning("apply_tenant_failed", tenant=first.tenant, error=str(error))
                result = TenantResult(
                    first.tenant, Outcome.FAILED, kinds, str(error), first.project_id
                )
            except Exception as error:  # one tenant's bug must not stop the fleet
                _log.exception("apply_tenant_crashed", tenant=first.tenant)
                message = f"unexpected {type(error).__name__}: {error}"
                result = TenantResult(
                    first.tenant, Outcome.FAILED, kinds, message, first.project_id
                )
        self._on_result(result)
        return result

    async def _run_actions(
        self, fleet: str, actions: Sequence[Action]
    ) -> tuple[str | None, list[tuple[Action, str]]]:
        """Run one tenant's actions in order; returns the project id it ends up with, and the
        actions this apply's flags did not permit (blocked, while the others ran)."""
        conflict = next((a for a in actions if a.kind is ActionKind.CONFLICT), None)
        if conflict is not None:
            raise ApplyRefused(Outcome.CONFLICT, conflict.reason)
        runnable = [a for a in actions if a.runnable]
        if not runnable:
            raise ApplyRefused(Outcome.BLOCKED, "; ".join(a.blocked or "" for a in actions))
        self._refuse_if_stopping(0, len(runnable))
        if self._options.check_staleness:
            await self._refuse_if_stale(fleet, runnable)
        project_id = runnable[0].project_id
        if project_id is not None:
            await self._verify_ownership(fleet, runnable[0], project_id)
        blocked: list[tuple[Action, str]] = []
        for done, action in enumerate(runnable):
            self._refuse_if_stopping(done, len(runnable))
            try:
                project_id = await self._run(action, fleet, project_id)
            except ActionBlocked as refused:
                blocked.append((action, str(refused)))
        if len(blocked) == len(runnable):
            raise ApplyRefused(Outcome.BLOCKED, "; ".join(reason for _, reason in blocked))
        return project_id, blocked

    def _refuse_if_stopping(self, done: int, total: int) -> None:
        if self._options.stop is not None and self._options.stop.is_set():
            raise ApplyRefused(
                Outcome.NOT_STARTED,
                f"{STOPPED_PREFIX} ({done} of {total} actions done); the next run continues",
            )

    async def _run(self, action: Action, fleet: str, project_id: str | None) -> str | None:
        _log.info(
            "apply_action", tenant=action.tenant, kind=action.kind.value, project_id=project_id
        )
        if action.kind is ActionKind.CREATE:
            return await self._create(action, fleet)
        assert project_id is not None
        if action.kind is ActionKind.DELETE and action.endpoint_id is not None:
            await self._delete_replica(action, project_id, action.endpoint_id)
            return project_id
        if action.kind is ActionKind.DELETE and action.twin_of is not None:
            await self._delete_twin(action, project_id, fleet)
            return project_id
        if action.kind is ActionKind.DELETE:
            await self._delete(action, project_id)
            return project_id
        request = project_update_request(action)
        if request is not None:
            await self._client.update_project(project_id, request)
        for endpoint_id, update in endpoint_requests(action):
            await self._client.update_endpoint(project_id, endpoint_id, update)
        await self._create_replicas(project_id, None, action.replicas)
        return project_id

    async def _create(self, action: Action, fleet: str) -> str:
        assert action.create is not None
        claimed = await self._observer.claimed_now(fleet, action.tenant, action.project_name)
        if claimed:
            raise ApplyRefused(
                Outcome.STALE,
                f"project {', '.join(claimed)} now carries this tenant's name or mark (another "
                "apply running at the same time?); not creating a twin: run apply again",
            )
        try:
            mark = OwnershipMark(fleet=fleet, tenant_id=action.tenant)
            created = await self._client.create_project(
                create_request(action.create),
                on_created=lambda project_id: self._observer.created(project_id, mark),
            )
            project_id, endpoints = created.project.id, list(created.endpoints)
            branch: str | None = created.branch.id  # a new project's only (default) branch
        except CreateOutcomeUnknownError as error:
            _log.warning("apply_create_outcome_unknown", tenant=action.tenant)
            project_id = await self._find_created(action, fleet, error)
            endpoints = list(await self._client.list_endpoints(project_id))
            branch = None
        await self._settle_new_computes(action, project_id, endpoints)
        await self._create_replicas(project_id, branch, action.create.replicas)
        return project_id

    async def _find_created(
        self, action: Action, fleet: str, error: CreateOutcomeUnknownError
    ) -> str:
        """After a create whose outcome is unknown: the project we may have made, found by
        name and mark. When none is found, say what happened: Neon's own answer, or that
        no answer came back."""
        wanted = OwnershipMark(fleet=fleet, tenant_id=action.tenant)
        for project in await self._client.list_projects(search=action.project_name):
            if (
                project.name == action.project_name
                and await self._observer.mark(project.id) == wanted
            ):
                return project.id
        if error.response_lost:
            what = "the create was sent but its answer was lost"
        else:
            what = f"Neon answered the create with {error.status}"
            if error.neon_message:
                what += f": {error.neon_message}"
        raise ApplyRefused(
            Outcome.FAILED,
            f"{what}; no project carrying this tenant's mark exists, so none was created: run "
            "apply again (it finds the project if Neon created it after all)",
        )

    async def _settle_new_computes(
        self, action: Action, project_id: str, endpoints: Sequence[Endpoint]
    ) -> None:
        """Give a new project's computes the tenant's settings (and suspend them if asked)."""
        assert action.create is not None
        for endpoint_id, update in endpoint_updates_after_create(action.create, endpoints):
            await self._client.update_endpoint(project_id, endpoint_id, update)

    async def _create_replicas(
        self, project_id: str, branch_id: str | None, replicas: Sequence[ComputeSpec]
    ) -> None:
        """Create the missing computes (read replicas, or a missing primary) on the project's
        default branch, read live (a project may have developers' branches with computes of
        their own). Replicas are named, so one whose create answer was lost is found by the next
        plan (and not created twice)."""
        if not replicas:
            return
        if branch_id is None:
            default = (await self._client.list_branches(project_id)).default_branch
            if default is None:
                raise ApplyRefused(
                    Outcome.FAILED, "cannot create computes: Neon reports no default branch"
                )
            branch_id = default.id
        for replica in replicas:
            await self._client.create_endpoint(project_id, replica_request(branch_id, replica))

    async def _delete_replica(self, action: Action, project_id: str, endpoint_id: str) -> None:
        """Remove one of tenantctl's read replicas (needs --allow-delete; holds no data)."""
        if not self._options.allow_delete:
            raise ActionBlocked("removing a read replica needs --allow-delete")
        await self._client.delete_endpoint(project_id, endpoint_id)

    async def _delete_twin(self, action: Action, project_id: str, fleet: str) -> None:
        """Delete a twin left by racing applies, only if Neon's counters still show it untouched
        right now (its mark was verified like any project's before this)."""
        assert action.twin_of is not None
        keeper_mark = await self._observer.mark(action.twin_of, fresh=True)
        if keeper_mark != OwnershipMark(fleet=fleet, tenant_id=action.tenant):
            raise ApplyRefused(
                Outcome.CONFLICT,
                f"project {action.twin_of}, the one to keep, does not carry this tenant's mark; "
                f"project {project_id} is not deleted",
            )
        project = await self._client.get_project(project_id)
        touched = project.written_data_bytes or project.data_transfer_bytes
        if touched or not created_in_period(project):
            raise ApplyRefused(
                Outcome.CONFLICT,
                f"project {project_id} was written to or read from since the plan; it is not "
                f"deleted. Keep one with `tenantctl adopt {action.tenant} --project-id "
                f"{action.twin_of}` (or the other id)",
            )
        await self._client.delete_project(project_id)

    async def _delete(self, action: Action, project_id: str) -> None:
        async with self._delete_budget:
            if not self._options.allow_delete:
                raise ActionBlocked("deletion needs --allow-delete")
            if self._deletes_left <= 0:
                raise ActionBlocked(f"over --max-deletes {self._options.max_deletes} for one run")
            self._deletes_left -= 1
        await self._client.delete_project(project_id)

    async def _verify_ownership(self, fleet: str, action: Action, project_id: str) -> None:
        """The project must carry this tenant's mark, or (adopted) no tenantctl mark at all."""
        mark = await self._observer.mark(project_id, fresh=self._options.check_staleness)
        own = OwnershipMark(fleet=fleet, tenant_id=action.tenant)
        if mark == own or (action.adopted and mark is None):
            return
        raise ApplyRefused(
            Outcome.CONFLICT,
            f"project {project_id} does not carry tenantctl's mark for tenant "
            f"{action.tenant!r}; refusing to modify it",
        )

    async def _refuse_if_stale(self, fleet: str, actions: Sequence[Action]) -> None:
        """A saved plan's tenant runs only on the live state it was planned on. A tenant whose
        live state is already what the plan makes it (the plan was applied before) is reported
        already applied; any other change since the plan makes it stale."""
        action = actions[0]
        if action.kind is ActionKind.CREATE:
            await self._refuse_stale_create(fleet, action)
            return
        assert action.project_id is not None
        state = await self._observer.project_state(action.project_id)
        if state is not None and action.twin_of is not None:
            state = (state[0], ())  # a twin delete was planned on the project alone
        now = fingerprint(*state) if state else None
        if now == action.fingerprint:
            return
        if _already_applied(actions, state):
            raise ApplyRefused(Outcome.ALREADY_APPLIED, "live state is already as planned")
        raise ApplyRefused(Outcome.STALE, "live state changed since the plan was made; plan again")

    async def _refuse_stale_create(self, fleet: str, action: Action) -> None:
        marked = await self._observer.projects_marked_for(fleet, action.tenant)
        listed = await self._client.list_projects(search=action.project_name)
        named = {p.id for p in listed if p.name == action.project_name}
        if marked and set(marked) <= named:
            raise ApplyRefused(
                Outcome.ALREADY_APPLIED, f"project {', '.join(marked)} was created by this plan"
            )
        if marked:
            raise ApplyRefused(
                Outcome.STALE,
                f"project {', '.join(marked)} was created for this tenant since the plan",
            )
        if named:
            raise ApplyRefused(Outcome.STALE, f"a project named {action.project_name!r} exists now")


def _already_applied(
    actions: Sequence[Action],
    state: tuple[ObservedProject, tuple[ObservedEndpoint, ...]] | None,
) -> bool:
    """Whether every action's effect is already live (deleted projects included)."""
    if state is None:  # the project is gone: as planned only if the plan deleted it
        deleted = any(a.kind is ActionKind.DELETE and a.endpoint_id is None for a in actions)
        return deleted and all(a.kind in (ActionKind.DELETE, ActionKind.SUSPEND) for a in actions)
    project, endpoints = state
    for action in actions:
        if action.kind is ActionKind.DELETE:
            if action.endpoint_id is None or any(
                e.endpoint_id == action.endpoint_id for e in endpoints
            ):
                return False
        elif not all(change_satisfied(c, project, endpoints) for c in action.changes):
            return False
    return True


def _result_for(
    first: Action,
    kinds: tuple[ActionKind, ...],
    project_id: str | None,
    actions: Sequence[Action],
    refused: Sequence[tuple[Action, str]] = (),
) -> TenantResult:
    """Applied, with the actions that were not permitted (by the plan, or by this apply's
    flags) counted as blocked."""
    blocked = [(a, a.blocked) for a in actions if a.blocked] + list(refused)
    message = "; ".join(f"blocked: {reason}" for _, reason in blocked)
    return TenantResult(
        first.tenant,
        Outcome.APPLIED,
        kinds,
        message,
        project_id,
        blocked=tuple(a.kind for a, _ in blocked),
    )
