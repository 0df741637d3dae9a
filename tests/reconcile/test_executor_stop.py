"""`ApplyOptions.stop`: once set, no tenant and no further action starts; requests already sent
finish. The long-running loop sets it on SIGTERM (see controller.loop)."""

from __future__ import annotations

import asyncio

import httpx

from controller.neon.client import NeonClient
from controller.reconcile.apply_report import Outcome, TenantResult
from controller.reconcile.changeplan import Action, ActionKind, ChangePlan, FieldChange
from controller.reconcile.executor import STOPPED_PREFIX, ApplyOptions
from controller.reconcile.requests import create_request
from controller.reconcile.run import apply_plan
from tests.reconcile.builders import create_spec, tenant
from tests.reconcile.test_executor import settings_for
from tests.support.fixtures_contract import TransportWrapper
from tests.support.fixtures_emulator import InProcessEmulator


class StopOnFirstPatch(httpx.AsyncBaseTransport):
    """Sets `stop` as the first PATCH leaves, as a SIGTERM arriving mid-request would."""

    def __init__(self, inner: httpx.AsyncBaseTransport, stop: asyncio.Event) -> None:
        self._inner, self._stop = inner, stop

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PATCH":
            self._stop.set()
        return await self._inner.handle_async_request(request)


async def marked_project(client: NeonClient, tenant_id: str) -> tuple[str, str]:
    created = await client.create_project(create_request(create_spec(tenant(tenant_id), "f")))
    return created.project.id, created.endpoints[0].id


def endpoint_action(
    tenant_id: str, kind: ActionKind, project_id: str, endpoint_id: str, field: str, new: object
) -> Action:
    change = FieldChange(target=endpoint_id, field=field, old=None, new=new)  # type: ignore[arg-type]
    return Action(
        tenant=tenant_id,
        kind=kind,
        project_id=project_id,
        project_name=tenant_id,
        reason="test",
        changes=(change,),
    )


def test_no_tenant_starts_once_stop_is_set(
    emulator_app: InProcessEmulator, contract_transport: TransportWrapper
) -> None:
    async def run() -> tuple[list[TenantResult], list[bool]]:
        stop = asyncio.Event()
        transport = contract_transport(emulator_app.transport())
        async with NeonClient(settings_for(emulator_app), transport=transport) as client:
            projects = [await marked_project(client, f"t{n}") for n in range(3)]
            actions = tuple(
                endpoint_action(f"t{n}", ActionKind.SUSPEND, pid, eid, "disabled", True)
                for n, (pid, eid) in enumerate(projects)
            )
            options = ApplyOptions(concurrency=1, stop=stop)
            report = await apply_plan(
                client,
                ChangePlan(fleet="f", actions=actions),
                options,
                on_result=lambda _result: stop.set(),  # the first tenant's end: stop
            )
            live = [(await client.list_endpoints(pid))[0].disabled for pid, _ in projects]
            return list(report.results), live

    results, disabled = asyncio.run(run())
    assert [r.outcome for r in results] == [
        Outcome.APPLIED,
        Outcome.NOT_STARTED,
        Outcome.NOT_STARTED,
    ]
    assert results[1].message == f"{STOPPED_PREFIX} (0 of 1 actions done); the next run continues"
    assert disabled == [True, False, False]


def test_a_request_in_flight_finishes_and_the_next_action_does_not_start(
    emulator_app: InProcessEmulator, contract_transport: TransportWrapper
) -> None:
    async def run() -> tuple[TenantResult, float, bool]:
        stop = asyncio.Event()
        transport = StopOnFirstPatch(contract_transport(emulator_app.transport()), stop)
        async with NeonClient(settings_for(emulator_app), transport=transport) as client:
            pid, eid = await marked_project(client, "acme")
            actions = (
                endpoint_action("acme", ActionKind.UPDATE, pid, eid, "compute.max_cu", 3),
                endpoint_action("acme", ActionKind.SUSPEND, pid, eid, "disabled", True),
            )
            report = await apply_plan(
                client, ChangePlan(fleet="f", actions=actions), ApplyOptions(stop=stop)
            )
            (endpoint,) = await client.list_endpoints(pid)
            return report.results[0], endpoint.autoscaling_limit_max_cu or 0, endpoint.disabled

    result, max_cu, disabled = asyncio.run(run())
    assert result.outcome is Outcome.NOT_STARTED
    assert result.message == f"{STOPPED_PREFIX} (1 of 2 actions done); the next run continues"
    assert max_cu == 3  # the PATCH sent before the stop finished
    assert disabled is False  # the suspend after it never started
