"""Against the emulator's real HTTP server with faults injected, every call ends correctly or
with the right error: 423 storms, 429s, 503s, latency, responses dropped after commit, failed
operations. Every exchange is checked against Neon's contract.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from controller.neon import (
    CreateOutcomeUnknownError,
    NeonClient,
    NeonSettings,
    NeonTransportError,
    OperationFailedError,
    OutcomeUnknownError,
    ProjectCreate,
    ProjectUpdate,
    RateLimiterRegistry,
)
from tests.neon.fakes import Recording
from tests.support.emulator_process import EmulatorProcess, running_emulator

pytestmark = pytest.mark.anyio

Wrap = Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport]
FAST_RETRIES: dict[str, Any] = {
    "backoff_initial_seconds": 0.01,
    "backoff_max_seconds": 0.05,
    "max_attempts": 12,
    "operation_poll_initial_seconds": 0.02,
    "operation_poll_max_seconds": 0.1,
    "operation_timeout_seconds": 30.0,
    "requests_per_minute": 60_000.0,
    "burst_per_second": 1_000.0,
}


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorProcess]:
    """One seeded server for the module (faults are drawn reproducibly), reset per test."""
    with running_emulator(seed=20261126, operation_seconds=0.1) as process:
        yield process


@pytest.fixture
def neon(server: EmulatorProcess) -> EmulatorProcess:
    server.reset()
    return server


def client_for(
    server: EmulatorProcess, transport: httpx.AsyncBaseTransport, **overrides: Any
) -> NeonClient:
    settings = NeonSettings(
        api_key=server.api_key, host=server.base_url, **{**FAST_RETRIES, **overrides}
    )
    return NeonClient(settings, transport=transport, limiters=RateLimiterRegistry())


def recording(wrap: Wrap) -> Recording:
    return Recording(wrap(httpx.AsyncHTTPTransport()), time.monotonic)


async def make_projects(client: NeonClient, count: int) -> list[str]:
    created = [await client.create_project(ProjectCreate(name=f"tenant-{n}")) for n in range(count)]
    return [project.project.id for project in created]


async def test_a_423_storm_is_ridden_out(neon: EmulatorProcess, contract_transport: Wrap) -> None:
    transport = recording(contract_transport)
    async with client_for(neon, transport) as client:
        project_ids = await make_projects(client, 3)
        neon.set_faults(status_rates={"423": 0.5})
        updated = await asyncio.gather(
            *(
                client.update_project(project_id, ProjectUpdate(name=f"{project_id}-{n}"))
                for project_id in project_ids
                for n in range(3)
            )
        )
        endpoints = [(await client.list_endpoints(p))[0] for p in project_ids]
        for endpoint in endpoints:
            await client.suspend_endpoint(endpoint.project_id, endpoint.id)
            await client.start_endpoint(endpoint.project_id, endpoint.id)
    assert len(updated) == 9
    stats = neon.stats()
    locked = sum(row["count"] for row in stats["requests"] if row["status"] == 423)
    assert locked >= 5  # the storm happened, and every call above still succeeded
    assert stats["injected_faults"] == locked


async def test_429s_and_503s_on_reads_and_writes(
    neon: EmulatorProcess, contract_transport: Wrap
) -> None:
    async with client_for(neon, recording(contract_transport)) as client:
        project_ids = await make_projects(client, 2)
        neon.set_faults(status_rates={"429": 0.25, "503": 0.25})
        for project_id in project_ids:
            await client.update_project(project_id, ProjectUpdate(history_retention_seconds=3600))
            project = await client.get_project(project_id)
            assert project.history_retention_seconds == 3600
            assert len((await client.list_branches(project_id)).branches) == 1
        listed = await client.list_projects()
    assert sorted(p.id for p in listed) == sorted(project_ids)
    assert neon.stats()["injected_faults"] >= 3


async def test_latency_under_the_timeout_only_slows_calls(
    neon: EmulatorProcess, contract_transport: Wrap
) -> None:
    async with client_for(neon, recording(contract_transport)) as client:
        neon.set_faults(latency_ms=50)
        (project_id,) = await make_projects(client, 1)
        renamed = await client.update_project(project_id, ProjectUpdate(name="renamed"))
    assert renamed.name == "renamed"


async def test_latency_beyond_the_timeout(neon: EmulatorProcess, contract_transport: Wrap) -> None:
    transport = recording(contract_transport)
    async with client_for(neon, transport, request_timeout_seconds=0.2, max_attempts=3) as client:
        (project_id,) = await make_projects(client, 1)
        neon.set_faults(latency_ms=1_000)
        with pytest.raises(NeonTransportError) as read_error:
            await client.get_project(project_id)
        with pytest.raises(OutcomeUnknownError) as write_error:
            await client.update_project(project_id, ProjectUpdate(name="late"))
    path = f"/projects/{project_id}"
    assert transport.count("GET", path) == 3  # a read is retried up to the attempt budget
    assert transport.count("PATCH", path) == 1  # a write that may have landed is not re-sent
    assert "ReadTimeout" in str(read_error.value)
    assert write_error.value.method == "PATCH"


async def test_a_create_whose_response_is_dropped_is_not_resent_and_can_be_found(
    neon: EmulatorProcess, contract_transport: Wrap
) -> None:
    transport = recording(contract_transport)
    async with client_for(neon, transport) as client:
        neon.set_faults(drop_after_commit_rate=1.0)
        with pytest.raises(CreateOutcomeUnknownError) as caught:
            await client.create_project(ProjectCreate(name="tenant-lost"))
        neon.set_faults()
        found = await client.list_projects(search="tenant-lost")
    assert transport.count("POST", "/projects") == 1
    assert caught.value.project_name == "tenant-lost"
    assert "look it up by name" in str(caught.value)
    assert [p.name for p in found] == ["tenant-lost"]  # Neon did act: exactly one project


async def test_a_patch_whose_response_is_dropped_has_an_unknown_outcome(
    neon: EmulatorProcess, contract_transport: Wrap
) -> None:
    transport = recording(contract_transport)
    async with client_for(neon, transport) as client:
        (project_id,) = await make_projects(client, 1)
        neon.set_faults(drop_after_commit_rate=1.0)
        with pytest.raises(OutcomeUnknownError):
            await client.update_project(project_id, ProjectUpdate(name="applied"))
        neon.set_faults()
        project = await client.get_project(project_id)
    assert transport.count("PATCH", f"/projects/{project_id}") == 1
    assert project.name == "applied"  # it had committed: observing first was the right advice


async def test_failed_operations_surface_as_errors(
    neon: EmulatorProcess, contract_transport: Wrap
) -> None:
    async with client_for(neon, recording(contract_transport)) as client:
        (project_id,) = await make_projects(client, 1)
        endpoint = (await client.list_endpoints(project_id))[0]
        neon.set_faults(operation_failure_rate=1.0)
        with pytest.raises(OperationFailedError) as caught:
            await client.suspend_endpoint(project_id, endpoint.id)
    error = caught.value
    assert error.project_id == project_id
    assert error.operation_status in ("failed", "error", "cancelled")
    assert error.operation_id in str(error)
    assert f"on project {project_id}" in str(error)


async def test_a_mixed_storm_ends_every_call_correctly_or_with_the_right_error(
    neon: EmulatorProcess, contract_transport: Wrap
) -> None:
    async with client_for(neon, recording(contract_transport)) as client:
        project_ids = await make_projects(client, 4)
        neon.set_faults(
            status_rates={"423": 0.2, "429": 0.1, "503": 0.1},
            drop_after_commit_rate=0.15,
            latency_ms=5,
        )
        creates = [client.create_project(ProjectCreate(name=f"storm-{n}")) for n in range(8)]
        updates = [
            client.update_project(p, ProjectUpdate(name=f"{p}-{n}"))
            for p in project_ids
            for n in range(3)
        ]
        reads = [client.get_project(p) for p in project_ids for _ in range(3)]
        outcomes = await asyncio.gather(*creates, *updates, *reads, return_exceptions=True)
        neon.set_faults()
        storm_projects = await client.list_projects(search="storm-")
    create_outcomes, update_outcomes = outcomes[:8], outcomes[8:20]
    read_outcomes = outcomes[20:]
    assert all(not isinstance(outcome, BaseException) for outcome in read_outcomes)
    for outcome in create_outcomes:
        assert not isinstance(outcome, BaseException) or isinstance(
            outcome, CreateOutcomeUnknownError
        ), repr(outcome)
    for outcome in update_outcomes:
        assert not isinstance(outcome, BaseException) or type(outcome) is OutcomeUnknownError
    # creates are never duplicated: each name exists at most once, and every success exists
    names = [p.name for p in storm_projects]
    assert len(names) == len(set(names))
    assert sum(not isinstance(o, BaseException) for o in create_outcomes) <= len(names) <= 8
    stats = neon.stats()
    assert stats["injected_faults"] + stats["dropped_after_commit"] >= 3
