"""After a mutation the client waits for its operations: backoff, jitter, deadline, no hang."""

from __future__ import annotations

import httpx
import pytest

from controller.neon import (
    NeonUsageError,
    Operation,
    OperationDeadlineError,
    OperationFailedError,
    ProjectUpdate,
)
from controller.neon.operations import OperationWaiter
from controller.neon.settings import NeonSettings
from tests.neon.fakes import API_KEY, FakeClock, ScriptedNeon, make_client, ok, operation, project

pytestmark = pytest.mark.anyio

PROJECT = "/projects/tenant-acme-1"
OP = "3f1d9c3e-1111-4b7e-9d33-000000000001"
OP2 = "3f1d9c3e-1111-4b7e-9d33-000000000002"
OP_PATH = f"{PROJECT}/operations/{OP}"


def patched(*operations: dict[str, object]) -> httpx.Response:
    return ok({"project": project(), "operations": list(operations)})


async def test_a_mutation_returns_after_its_operations_finish(
    neon: ScriptedNeon, clock: FakeClock
) -> None:
    neon.on("PATCH", PROJECT, patched(operation(OP, "scheduling")))
    neon.on(
        "GET",
        OP_PATH,
        ok({"operation": operation(OP, "running")}),
        ok({"operation": operation(OP, "running")}),
        ok({"operation": operation(OP, "finished")}),
    )
    async with make_client(neon.transport(), clock) as client:
        await client.update_project("tenant-acme-1", ProjectUpdate(name="x"))
    assert len(neon.sent("GET", OP_PATH)) == 3
    # polls back off 0.5, 0.75, 1.125 s (x1.5), each jittered to 75 % by the fake draw
    assert clock.sleeps == pytest.approx([0.375, 0.5625, 0.84375])


async def test_operations_already_done_are_not_polled(neon: ScriptedNeon, clock: FakeClock) -> None:
    neon.on("PATCH", PROJECT, patched(operation(OP, "finished"), operation(OP2, "skipped")))
    async with make_client(neon.transport(), clock) as client:
        await client.update_project("tenant-acme-1", ProjectUpdate(name="x"))
    assert [request.method for request in neon.requests] == ["PATCH"]


@pytest.mark.parametrize("status", ["failed", "error", "cancelled"])
async def test_an_unsuccessful_operation_is_an_error_naming_operation_and_project(
    neon: ScriptedNeon, clock: FakeClock, status: str
) -> None:
    neon.on("PATCH", PROJECT, patched(operation(OP, "running", action="apply_config")))
    failed = operation(OP, status, action="apply_config", error="compute did not start")
    neon.on("GET", OP_PATH, ok({"operation": failed}))
    async with make_client(neon.transport(), clock) as client:
        with pytest.raises(OperationFailedError) as caught:
            await client.update_project("tenant-acme-1", ProjectUpdate(name="x"))
    error = caught.value
    assert (error.operation_id, error.action, error.project_id) == (
        OP,
        "apply_config",
        "tenant-acme-1",
    )
    assert error.operation_status == status
    assert (error.method, error.path) == ("PATCH", PROJECT)
    assert error.neon_message == "compute did not start"
    assert str(error) == (
        f"PATCH {PROJECT}: operation {OP} (apply_config) on project tenant-acme-1 ended {status}: "
        f"compute did not start [request_id={neon.requests[0].headers['X-Request-ID']}]"
    )


async def test_an_operation_that_never_ends_hits_the_deadline(
    neon: ScriptedNeon, clock: FakeClock
) -> None:
    neon.on("PATCH", PROJECT, patched(operation(OP, "running")))
    neon.on("GET", OP_PATH, ok({"operation": operation(OP, "running")}))
    started = clock()
    async with make_client(neon.transport(), clock, operation_timeout_seconds=20) as client:
        with pytest.raises(OperationDeadlineError) as caught:
            await client.update_project("tenant-acme-1", ProjectUpdate(name="x"))
    assert clock() - started == pytest.approx(20)
    assert caught.value.operation_id == OP
    assert "still running after 20s" in str(caught.value)
    # backoff capped at 5 s: a handful of polls, not a busy loop
    assert 5 <= len(neon.sent("GET", OP_PATH)) <= 10


async def test_the_lock_is_released_when_an_operation_fails(
    neon: ScriptedNeon, clock: FakeClock
) -> None:
    neon.on("PATCH", PROJECT, patched(operation(OP, "running")))
    neon.on("GET", OP_PATH, ok({"operation": operation(OP, "error")}))
    async with make_client(neon.transport(), clock) as client:
        for _ in range(2):
            with pytest.raises(OperationFailedError):
                await client.update_project("tenant-acme-1", ProjectUpdate(name="x"))
    assert len(neon.sent("PATCH", PROJECT)) == 2


async def test_wait_for_operations_waits_for_listed_running_work(
    neon: ScriptedNeon, clock: FakeClock
) -> None:
    neon.on("GET", OP_PATH, ok({"operation": operation(OP, "finished")}))
    async with make_client(neon.transport(), clock) as client:
        running = Operation.model_validate(operation(OP, "running"))
        done = await client.wait_for_operations("tenant-acme-1", [running])
    assert [op.status for op in done] == ["finished"]


async def test_statuses_neon_adds_later_count_as_still_running(clock: FakeClock) -> None:
    answers = iter(["rebalancing", "finished"])

    async def fetch(project_id: str, operation_id: str) -> Operation:
        return Operation.model_validate(operation(operation_id, next(answers), project_id))

    waiter = OperationWaiter(
        fetch, NeonSettings(api_key=API_KEY), clock=clock, sleep=clock.sleep, draw=lambda: 0.0
    )
    start = Operation.model_validate(operation(OP, "some_new_status"))
    assert not start.is_terminal
    done = await waiter.wait([start])
    assert done[0].status == "finished"
    assert len(clock.sleeps) == 2


async def test_waiting_for_another_projects_operations_is_refused(
    neon: ScriptedNeon, clock: FakeClock
) -> None:
    stranger = Operation.model_validate(operation(OP, "running", "tenant-other-1"))
    async with make_client(neon.transport(), clock) as client:
        with pytest.raises(NeonUsageError, match=r"other projects \['tenant-other-1'\]"):
            await client.wait_for_operations("tenant-acme-1", [stranger])
    assert neon.requests == []
