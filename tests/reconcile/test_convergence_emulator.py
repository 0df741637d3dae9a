"""Hypothesis over the real executor: whatever the live org looks like, one apply converges.

The planner properties use a model of Neon; here the same property runs through the real
client and executor against the in-process emulator, every exchange contract-checked.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from controller.neon.client import NeonClient
from controller.neon.payloads import EndpointUpdate, ProjectUpdate
from controller.neon.settings import NeonSettings
from controller.reconcile.changeplan import PlanTarget
from controller.reconcile.desired import DesiredFleetState
from controller.reconcile.executor import ApplyOptions
from controller.reconcile.planner import PlanOptions
from controller.reconcile.requests import create_request
from controller.reconcile.run import apply_plan, make_plan
from controller.spec.managed import QUOTAS
from controller.spec.model import ResolvedTenant, TenantState
from tests.reconcile.builders import create_spec, tenant
from tests.support.fixtures_contract import TransportWrapper
from tests.support.fixtures_emulator import InProcessEmulator

FLEET = "prop"
GiB = 1024**3
SIZES = [(0.25, 1.0), (0.25, 2.0), (0.5, 4.0), (1.0, 8.0), (2.0, 8.0)]
quota_values = st.sampled_from([0, 3600, 360_000, GiB, 10 * GiB])


@st.composite
def desired_tenants(draw: st.DrawFn, tenant_id: str) -> ResolvedTenant:
    min_cu, max_cu = draw(st.sampled_from(SIZES))
    values = {
        **{field.key: draw(quota_values) for field in QUOTAS},
        "compute.min_cu": min_cu,
        "compute.max_cu": max_cu,
        "compute.suspend_timeout": draw(st.sampled_from([-1, 0, 300, 3600])),
        "history_retention": draw(st.sampled_from([0, 21600, 86400, 604800])),
        "compute.pg_settings": draw(st.sampled_from([{}, {"work_mem": "64MB"}])),
        "network.allowed_ips": draw(st.sampled_from([[], ["203.0.113.0/24"]])),
        "network.block_public_connections": draw(st.booleans()),
        "logical_replication": draw(st.sampled_from([None, True])),  # never off: a conflict
        "maintenance_window": draw(
            st.sampled_from([None, {"weekdays": [7], "start_time": "01:00", "end_time": "02:00"}])
        ),
        "read_replicas.count": draw(st.integers(0, 2)),
    }
    return tenant(tenant_id, state=draw(st.sampled_from(list(TenantState))), values=values)


@st.composite
def scenarios(
    draw: st.DrawFn,
) -> tuple[DesiredFleetState, list[tuple[str, ResolvedTenant, str]]]:
    """A desired fleet and, per tenant, what already exists live: nothing, drifted or renamed."""
    ids = draw(st.lists(st.sampled_from(["a1", "b2", "c3", "d4"]), unique=True, min_size=1))
    wanted = {tid: draw(desired_tenants(tid)) for tid in ids}
    live = [
        (tid, draw(desired_tenants(tid)), draw(st.sampled_from(["missing", "drifted", "renamed"])))
        for tid in ids
    ]
    return DesiredFleetState(fleet=FLEET, tenants=wanted), live


async def seed(client: NeonClient, live: list[tuple[str, ResolvedTenant, str]]) -> None:
    """Make the live org: projects tenantctl created earlier, then drifted out of band."""
    for tid, before, how in live:
        if how == "missing":
            continue
        created = await client.create_project(create_request(create_spec(before, FLEET)))
        if how == "renamed":
            await client.update_project(created.project.id, ProjectUpdate(name=f"{tid}-renamed"))
        for endpoint in created.endpoints:
            await client.update_endpoint(
                created.project.id, endpoint.id, EndpointUpdate(disabled=before.state != "active")
            )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenarios())
def test_after_apply_the_plan_is_empty(
    emulator_app: InProcessEmulator, contract_transport: TransportWrapper, scenario: Any
) -> None:
    desired, live = scenario
    options = PlanOptions(allow_delete=True, max_deletes=10)
    settings_ = NeonSettings(
        api_key=emulator_app.api_key,
        host=emulator_app.base_url,
        requests_per_minute=10**6,
        burst_per_second=10**5,
    )

    async def run() -> None:
        await emulator_app.reset()
        async with NeonClient(
            settings_, transport=contract_transport(emulator_app.transport())
        ) as client:
            await seed(client, live)
            target = PlanTarget(host=emulator_app.base_url)
            planned = await make_plan(client, desired, options, target)
            report = await apply_plan(
                client,
                planned.plan,
                ApplyOptions(allow_delete=True, max_deletes=10),
                observer=planned.observer,
            )
            assert report.ok, report.render()
            again = await make_plan(client, desired, options, target)
            assert not again.plan.has_changes, again.plan.actions
            projects = await client.list_projects()
            names = sorted(p.name for p in projects)
            expected = sorted(
                t.project_name
                for t in desired.tenants.values()
                if t.state is not TenantState.DELETED
            )
            assert names == expected

    asyncio.run(run())
