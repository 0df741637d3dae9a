"""The executor's own safety checks, independent of the planner that normally guards them."""

from __future__ import annotations

import asyncio

import httpx

from controller.neon.client import NeonClient
from controller.neon.payloads import ProjectCreate
from controller.neon.settings import NeonSettings
from controller.reconcile.apply_report import Outcome
from controller.reconcile.changeplan import Action, ActionKind, ChangePlan, FieldChange
from controller.reconcile.executor import ApplyOptions
from controller.reconcile.planner import PlanOptions, plan_changes
from controller.reconcile.run import apply_plan
from tests.reconcile.builders import create_spec, fleet, observed, tenant
from tests.support.fixtures_contract import TransportWrapper
from tests.support.fixtures_emulator import InProcessEmulator


def settings_for(emulator: InProcessEmulator) -> NeonSettings:
    return NeonSettings(
        api_key=emulator.api_key,
        host=emulator.base_url,
        requests_per_minute=10**6,
        burst_per_second=10**5,
    )


def suspend_action(project_id: str, endpoint_id: str, *, adopted: bool = False) -> Action:
    return Action(
        tenant="acme",
        kind=ActionKind.SUSPEND,
        project_id=project_id,
        project_name="acme",
        reason="test",
        changes=(FieldChange(target=endpoint_id, field="disabled", old=False, new=True),),
        adopted=adopted,
    )


def test_executor_refuses_a_project_without_the_tenants_mark(
    emulator_app: InProcessEmulator, contract_transport: TransportWrapper
) -> None:
    async def run() -> tuple[Outcome, str, bool]:
        transport = contract_transport(emulator_app.transport())
        async with NeonClient(settings_for(emulator_app), transport=transport) as client:
            theirs = await client.create_project(ProjectCreate(name="acme"))
            endpoint = theirs.endpoints[0]
            plan = ChangePlan(fleet="f", actions=(suspend_action(theirs.project.id, endpoint.id),))
            report = await apply_plan(client, plan, ApplyOptions())
            (result,) = report.results
            (live,) = await client.list_endpoints(theirs.project.id)
            return result.outcome, result.message, live.disabled

    outcome, message, disabled = asyncio.run(run())
    assert outcome is Outcome.CONFLICT
    assert "does not carry tenantctl's mark for tenant 'acme'; refusing to modify it" in message
    assert disabled is False


def test_executor_accepts_an_unmarked_project_only_when_adopted(
    emulator_app: InProcessEmulator, contract_transport: TransportWrapper
) -> None:
    async def run() -> tuple[Outcome, bool]:
        transport = contract_transport(emulator_app.transport())
        async with NeonClient(settings_for(emulator_app), transport=transport) as client:
            legacy = await client.create_project(ProjectCreate(name="legacy"))
            action = suspend_action(legacy.project.id, legacy.endpoints[0].id, adopted=True)
            report = await apply_plan(
                client, ChangePlan(fleet="f", actions=(action,)), ApplyOptions()
            )
            (live,) = await client.list_endpoints(legacy.project.id)
            return report.results[0].outcome, live.disabled

    assert asyncio.run(run()) == (Outcome.APPLIED, True)


def test_executor_never_deletes_without_permission_whatever_the_plan_says(
    emulator_app: InProcessEmulator, contract_transport: TransportWrapper
) -> None:
    async def run(options: ApplyOptions) -> tuple[Outcome, int]:
        transport = contract_transport(emulator_app.transport())
        async with NeonClient(settings_for(emulator_app), transport=transport) as client:
            legacy = await client.create_project(ProjectCreate(name="legacy"))
            delete = Action(
                tenant="acme",
                kind=ActionKind.DELETE,
                project_id=legacy.project.id,
                project_name="legacy",
                reason="test",
                adopted=True,
            )
            report = await apply_plan(client, ChangePlan(fleet="f", actions=(delete,)), options)
            left = len(await client.list_projects(search=legacy.project.id))
            return report.results[0].outcome, left

    assert asyncio.run(run(ApplyOptions(allow_delete=False))) == (Outcome.BLOCKED, 1)
    assert asyncio.run(run(ApplyOptions(allow_delete=True, max_deletes=0))) == (Outcome.BLOCKED, 1)
    assert asyncio.run(run(ApplyOptions(allow_delete=True, max_deletes=1))) == (Outcome.APPLIED, 0)


def test_one_tenants_failure_never_stops_the_others(
    emulator_app: InProcessEmulator, contract_transport: TransportWrapper
) -> None:
    from controller.reconcile.requests import create_request

    async def run() -> dict[str, tuple[Outcome, str]]:
        transport = contract_transport(emulator_app.transport())
        async with NeonClient(settings_for(emulator_app), transport=transport) as client:
            actions = []
            for tenant_id in ("a-broken", "b-fine", "c-fine"):
                t = tenant(tenant_id)
                created = await client.create_project(create_request(create_spec(t, "f")))
                endpoint_id = (
                    "ep-no-such-compute" if tenant_id == "a-broken" else created.endpoints[0].id
                )
                action = suspend_action(created.project.id, endpoint_id)
                actions.append(action.model_copy(update={"tenant": tenant_id}))
            report = await apply_plan(
                client, ChangePlan(fleet="f", actions=tuple(actions)), ApplyOptions()
            )
            return {r.tenant: (r.outcome, r.message) for r in report.results}

    results = asyncio.run(run())
    assert results["a-broken"][0] is Outcome.FAILED
    assert "404" in results["a-broken"][1]
    assert results["b-fine"] == (Outcome.APPLIED, "")
    assert results["c-fine"] == (Outcome.APPLIED, "")


class CreateAnswers(httpx.AsyncBaseTransport):
    """Neon as a transport: a create answered with a 500 (Neon's own message), or lost."""

    def __init__(self, inner: httpx.AsyncBaseTransport, *, lose: bool) -> None:
        self._inner, self._lose = inner, lose

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/projects"):
            if self._lose:
                raise httpx.ReadError("connection reset after the request was sent")
            body = {
                "code": "",
                "message": "internal error: storage is resting",
                "request_id": "r-9",
            }
            return httpx.Response(500, json=body)
        return await self._inner.handle_async_request(request)


def _create_action() -> Action:
    (action,) = plan_changes(fleet(tenant("acme")), observed(), PlanOptions()).actions
    return action


def test_a_failed_create_says_what_neon_answered_or_that_the_answer_was_lost(
    emulator_app: InProcessEmulator,
) -> None:
    async def run(lose: bool) -> str:
        transport = CreateAnswers(emulator_app.transport(), lose=lose)
        async with NeonClient(settings_for(emulator_app), transport=transport) as client:
            plan = ChangePlan(fleet="default", actions=(_create_action(),))
            (result,) = (await apply_plan(client, plan, ApplyOptions())).results
            assert result.outcome is Outcome.FAILED
            return result.message

    answered = asyncio.run(run(lose=False))
    assert answered.startswith(
        "Neon answered the create with 500: internal error: storage is resting; no project "
        "carrying this tenant's mark exists"
    )
    assert "lost" not in answered
    lost = asyncio.run(run(lose=True))
    assert lost.startswith("the create was sent but its answer was lost; no project carrying")


def test_a_staged_rollout_pauses_between_batches_with_the_injected_sleep(
    emulator_app: InProcessEmulator,
) -> None:
    from controller.reconcile.desired import DesiredFleetState
    from controller.reconcile.executor import Executor
    from controller.reconcile.observe import Observer
    from controller.reconcile.observed import ObservedFleet
    from controller.reconcile.planner import PlanOptions, plan_changes
    from tests.reconcile.builders import tenant

    tenants = {t: tenant(t) for t in ("a", "b", "c", "d", "e")}
    plan = plan_changes(DesiredFleetState("f", tenants), ObservedFleet(()), PlanOptions())
    pauses: list[float] = []
    started: list[str] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)

    async def run() -> list[Outcome]:
        options = ApplyOptions(batch_size=2, batch_pause_seconds=30, max_failures=1)
        transport = emulator_app.transport()
        async with NeonClient(settings_for(emulator_app), transport=transport) as client:
            executor = Executor(
                client, Observer(client), options, lambda r: started.append(r.tenant), sleep=sleep
            )
            return [r.outcome for r in (await executor.apply(plan)).results]

    assert asyncio.run(run()) == [Outcome.APPLIED] * 5
    assert pauses == [30, 30]  # three batches: a b | c d | e
    assert sorted(started[:2]) == ["a", "b"]
    assert sorted(started[2:4]) == ["c", "d"]
