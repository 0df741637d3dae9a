"""The client against the in-process emulator, every exchange checked against Neon's contract."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from controller.neon import (
    BranchInput,
    DefaultEndpointSettingsInput,
    EndpointUpdate,
    NeonClient,
    NeonSettings,
    NotFoundError,
    ProjectCreate,
    ProjectSettingsInput,
    ProjectUpdate,
    QuotaInput,
    RateLimiterRegistry,
)
from tests.neon.fakes import FakeClock
from tests.support.fixtures_emulator import InProcessEmulator

pytestmark = pytest.mark.anyio

EPOCH = 1_790_000_000.0  # the emulator's wall clock, in virtual time (2026-09)
Wrap = Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport]


def client_for(
    emulator: InProcessEmulator, wrap: Wrap, clock: FakeClock, **overrides: Any
) -> NeonClient:
    settings = NeonSettings(api_key=emulator.api_key, host=emulator.base_url, **overrides)
    return NeonClient(
        settings,
        transport=wrap(emulator.transport()),
        clock=clock,
        sleep=clock.sleep,
        rng=lambda: 0.5,
        limiters=RateLimiterRegistry(),
    )


@pytest.fixture
def emulator(emulator_app_factory: Callable[..., InProcessEmulator], clock: FakeClock) -> Any:
    """Operations take 3 s of emulator time, which runs on the test's fake clock."""
    return emulator_app_factory(operation_seconds=3.0, clock=lambda: EPOCH + clock())


def tenant(name: str, **fields: Any) -> ProjectCreate:
    return ProjectCreate(
        name=name,
        region_id="aws-us-east-2",
        pg_version=17,
        settings=ProjectSettingsInput(
            quota=QuotaInput(active_time_seconds=360_000, written_data_bytes=10 * 2**30)
        ),
        default_endpoint_settings=DefaultEndpointSettingsInput(
            autoscaling_limit_min_cu=0.25, autoscaling_limit_max_cu=2, suspend_timeout_seconds=300
        ),
        history_retention_seconds=86_400,
        branch=BranchInput(
            database_name="app", role_name="app_owner", annotations={"tenantctl/tenant": name}
        ),
        **fields,
    )


async def test_create_waits_for_operations_and_reads_back_what_it_set(
    emulator: InProcessEmulator, contract_transport: Wrap, clock: FakeClock
) -> None:
    async with client_for(emulator, contract_transport, clock) as client:
        created = await client.create_project(tenant("tenant-acme"))
        assert created.operations
        assert all(op.status == "finished" for op in created.operations)
        assert clock.sleeps  # it polled while the emulator's operations ran
        project = await client.get_project(created.project.id)
        branches = await client.list_branches(project.id)
        endpoints = await client.list_endpoints(project.id)
    assert project.quota.active_time_seconds == 360_000
    assert project.quota.written_data_bytes == 10 * 2**30
    assert project.default_endpoint_settings is not None
    assert project.default_endpoint_settings.autoscaling_limit_max_cu == 2
    assert project.history_retention_seconds == 86_400
    assert branches.default_branch is not None
    assert branches.annotations_of(branches.default_branch.id) == {
        "tenantctl/tenant": "tenant-acme"
    }
    assert [e.type for e in endpoints] == ["read_write"]
    assert endpoints[0].autoscaling_limit_max_cu == 2


async def test_a_quota_set_back_to_zero_reaches_neon_as_unlimited(
    emulator: InProcessEmulator, contract_transport: Wrap, clock: FakeClock
) -> None:
    async with client_for(emulator, contract_transport, clock) as client:
        created = await client.create_project(tenant("tenant-zero"))
        update = ProjectUpdate(
            settings=ProjectSettingsInput(quota=QuotaInput(active_time_seconds=0))
        )
        updated = await client.update_project(created.project.id, update)
        again = await client.get_project(created.project.id)
    for project in (updated, again):
        assert project.quota.active_time_seconds in (0, None)  # unlimited
        assert project.quota.written_data_bytes == 10 * 2**30  # untouched


async def test_endpoint_update_suspend_and_start(
    emulator: InProcessEmulator, contract_transport: Wrap, clock: FakeClock
) -> None:
    async with client_for(emulator, contract_transport, clock) as client:
        created = await client.create_project(tenant("tenant-compute"))
        project_id, endpoint_id = created.project.id, created.endpoints[0].id
        resized = await client.update_endpoint(
            project_id,
            endpoint_id,
            EndpointUpdate(autoscaling_limit_min_cu=0.5, autoscaling_limit_max_cu=4),
        )
        suspended = await client.suspend_endpoint(project_id, endpoint_id)
        idle = (await client.list_endpoints(project_id))[0]
        await client.start_endpoint(project_id, endpoint_id)
        active = (await client.list_endpoints(project_id))[0]
        operations = await client.list_operations(project_id)
    assert (resized.autoscaling_limit_min_cu, resized.autoscaling_limit_max_cu) == (0.5, 4)
    assert suspended.id == endpoint_id
    assert idle.current_state == "idle"
    assert active.current_state == "active"
    assert {"suspend_compute", "start_compute"} <= {op.action for op in operations}
    assert all(op.is_terminal for op in operations)


async def test_delete_list_recoverable_and_recover(
    emulator: InProcessEmulator, contract_transport: Wrap, clock: FakeClock
) -> None:
    async with client_for(emulator, contract_transport, clock) as client:
        created = await client.create_project(tenant("tenant-gone"))
        project_id = created.project.id
        await client.delete_project(project_id)
        with pytest.raises(NotFoundError):
            await client.get_project(project_id)
        recoverable = await client.list_projects(recoverable=True)
        recovered = await client.recover_project(project_id)
        live = await client.list_projects(search="tenant-gone")
    assert [p.id for p in recoverable] == [project_id]
    assert recoverable[0].deleted_at is not None
    assert recovered.id == project_id
    assert [p.id for p in live] == [project_id]


async def test_the_project_list_is_read_to_the_end_across_pages(
    emulator_app: InProcessEmulator, contract_transport: Wrap, clock: FakeClock
) -> None:
    async with client_for(emulator_app, contract_transport, clock) as client:
        for n in range(403):
            await client.create_project(ProjectCreate(name=f"tenant-{n:03d}"))
        projects = await client.list_projects()
        found = await client.list_projects(search="tenant-40")
    assert sorted(p.name for p in projects) == [f"tenant-{n:03d}" for n in range(403)]
    assert sorted(p.name for p in found) == ["tenant-400", "tenant-401", "tenant-402"]
    stats = await emulator_app.stats()
    list_calls = sum(
        row["count"]
        for row in stats["requests"]
        if (row["method"], row["route"]) == ("GET", "/projects")
    )
    assert list_calls == 2 + 1  # 400 + 3, then the search


async def test_consumption_history_matches_the_usage_added(
    emulator: InProcessEmulator, contract_transport: Wrap, clock: FakeClock
) -> None:
    async with client_for(emulator, contract_transport, clock) as client:
        created = await client.create_project(tenant("tenant-usage"))
        await emulator.add_consumption(created.project.id, written_data_bytes=5_000)
        clock.now += 60  # the write is a minute old when the history is read
        now = datetime.fromtimestamp(EPOCH + clock(), UTC)
        history = await client.consumption_history(
            [created.project.id],
            since=now - timedelta(days=2),
            until=now + timedelta(hours=1),
            granularity="hourly",
            metrics=["written_data_bytes", "active_time_seconds"],
        )
    assert [h.project_id for h in history] == [created.project.id]
    written = sum(
        frame.written_data_bytes or 0
        for period in history[0].periods
        for frame in period.consumption
    )
    assert written == 5_000
