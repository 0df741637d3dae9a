"""After a mutation the client confirms its operations with as few reads as Neon allows: the
expected wait, then one read of the project's operations list per round; backoff, jitter and a
deadline after that, never a hang."""

from __future__ import annotations

from typing import Any

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
OPS = f"{PROJECT}/operations"
OP = "3f1d9c3e-1111-4b7e-9d33-000000000001"
OP2 = "3f1d9c3e-1111-4b7e-9d33-000000000002"
OP_PATH = f"{OPS}/{OP}"


def patched(*operations: dict[str, object]) -> httpx.Response:
    return ok({"project": project(), "operations": list(operations)})


def at(second: int) -> str:
    return f"2026-11-20T10:00:{second:02d}Z"


def listed(*operations: dict[str, Any]) -> httpx.Response:
    """A page of GET .../operations, newest first, with Neon's timestamp cursor."""
    body: dict[str, Any] = {"operations": list(operations)}
    if operations:
        body["pagination"] = {"cursor": operations[-1]["created_at"]}
    return ok(body)


def op(op_id: str, status: str, second: int = 30, **fields: Any) -> dict[str, Any]:
    return operation(op_id, status, created_at=at(second), **fields)


def other(n: int, second: int) -> dict[str, Any]:
    """Neon's own background work on the project (e.g. check_availability), newer than ours."""
    return op(f"3f1d9c3e-2222-4b7e-9d33-{n:012d}", "finished", second, action="check_availability")


async def test_a_mutation_waits_the_expected_time_then_confirms_with_one_list_read(
    neon: ScriptedNeon, clock: FakeClock
) -> None:
    neon.on("PATCH", PROJECT, patched(op(OP, "running"), op(OP2, "scheduling", 30)))
    neon.on("GET", OPS, listed(op(OP2, "finished"), op(OP, "finished")))
    async with make_client(neon.transport(), clock) as client:
        updated = await client.update_project("tenant-acme-1", ProjectUpdate(name="x"))
    assert updated.id == "tenant-acme-1"
    assert [r.method + " " + r.url.path for r in neon.requests] == [
        f"PATCH /api/v2{PROJECT}",
        f"GET /api/v2{OPS}",
    ]
    assert neon.requests[1].url.params["limit"] == "50"
    assert clock.sleeps == [1.0]  # operation_expected_seconds, not jittered


async def test_while_some_run_it_reads_again_with_backoff_and_jitter(
    neon: ScriptedNeon, clock: FakeClock
) -> None:
    neon.on("PATCH", PROJECT, patched(op(OP, "scheduling")))
    neon.on(
        "GET",
        OPS,
        listed(op(OP, "running")),
        listed(op(OP, "running")),
        listed(op(OP, "finished")),
    )
    async with make_client(neon.transport(), clock) as client:
        await client.update_project("tenant-acme-1", ProjectUpdate(name="x"))
    assert len(neon.sent("GET", OPS)) == 3
    assert neon.sent("GET", OP_PATH) == []
    # 1 s expected, then the poll backoff 0.5, 0.75 s (x1.5), jittered to 75 % by the fake draw
    assert clock.sleeps == pytest.approx([1.0, 0.375, 0.5625])


async def test_operations_already_done_are_not_read(neon: ScriptedNeon, clock: FakeClock) -> None:
    neon.on("PATCH", PROJECT, patched(op(OP, "finished"), op(OP2, "skipped")))
    async with make_client(neon.transport(), clock) as client:
        await client.update_project("tenant-acme-1", ProjectUpdate(name="x"))
    assert [request.method for request in neon.requests] == ["PATCH"]


async def test_newer_work_pushing_ours_off_the_first_page_is_followed_by_cursor(
    neon: ScriptedNeon, clock: FakeClock
) -> None:
    newer = [other(n, 59 - n) for n in range(3)]
    neon.on("PATCH", PROJECT, patched(op(OP, "running", 30)))
    neon.on("GET", OPS, listed(*newer), listed(op(OP, "finished", 30)))
    async with make_client(neon.transport(), clock, operation_list_limit=3) as client:
        await client.update_project("tenant-acme-1", ProjectUpdate(name="x"))
    pages = neon.sent("GET", OPS)
    assert [request.url.params.get("cursor") for request in pages] == [None, at(57)]
    assert neon.sent("GET", OP_PATH) == []


async def test_an_operation_no_page_can_hold_is_read_by_id(
    neon: ScriptedNeon, clock: FakeClock
) -> None:
    """Pages reach back past our operation's creation without it (pruned?): ask by id."""
    neon.on("PATCH", PROJECT, patched(op(OP, "running", 30)))
    neon.on("GET", OPS, listed(*[other(n, 29 - n) for n in range(3)]))
    neon.on("GET", OP_PATH, ok({"operation": op(OP, "finished", 30)}))
    async with make_client(neon.transport(), clock, operation_list_limit=3) as client:
        await client.update_project("tenant-acme-1", ProjectUpdate(name="x"))
    assert len(neon.sent("GET", OPS)) == 1
    assert len(neon.sent("GET", OP_PATH)) == 1


@pytest.mark.parametrize("status", ["failed", "error", "cancelled"])
async def test_an_unsuccessful_operation_is_an_error_naming_operation_and_project(
    neon: ScriptedNeon, clock: FakeClock, status: str
) -> None:
    neon.on("PATCH", PROJECT, patched(op(OP, "running", action="apply_config")))
    failed = op(OP, status, action="apply_config", error="compute did not start")
    neon.on("GET", OPS, listed(failed))
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


async def test_a_long_operation_error_is_cut(neon: ScriptedNeon, clock: FakeClock) -> None:
    neon.on("PATCH", PROJECT, patched(op(OP, "running")))
    neon.on("GET", OPS, listed(op(OP, "failed", error="e" * 50_000)))
    async with make_client(neon.transport(), clock, upstream_text_max_chars=100) as client:
        with pytest.raises(OperationFailedError) as caught:
            await client.update_project("tenant-acme-1", ProjectUpdate(name="x"))
    assert caught.value.neon_message == "e" * 100 + "... [cut: 49900 more characters]"
    assert len(str(caught.value)) < 400


async def test_an_operation_that_never_ends_hits_the_deadline(
    neon: ScriptedNeon, clock: FakeClock
) -> None:
    neon.on("PATCH", PROJECT, patched(op(OP, "running")))
    neon.on("GET", OPS, listed(op(OP, "running")))
    started = clock()
    async with make_client(neon.transport(), clock, operation_timeout_seconds=20) as client:
        with pytest.raises(OperationDeadlineError) as caught:
            await client.update_project("tenant-acme-1", ProjectUpdate(name="x"))
    assert clock() - started == pytest.approx(20)
    assert caught.value.operation_id == OP
    assert "still running after 20s" in str(caught.value)
    # backoff capped at 5 s: a handful of reads, not a busy loop
    assert 5 <= len(neon.sent("GET", OPS)) <= 10


async def test_the_lock_is_released_when_an_operation_fails(
    neon: ScriptedNeon, clock: FakeClock
) -> None:
    neon.on("PATCH", PROJECT, patched(op(OP, "running")))
    neon.on("GET", OPS, listed(op(OP, "error")))
    async with make_client(neon.transport(), clock) as client:
        for _ in range(2):
            with pytest.raises(OperationFailedError):
                await client.update_project("tenant-acme-1", ProjectUpdate(name="x"))
    assert len(neon.sent("PATCH", PROJECT)) == 2


async def test_wait_for_operations_waits_for_listed_running_work(
    neon: ScriptedNeon, clock: FakeClock
) -> None:
    neon.on("GET", OPS, listed(op(OP, "finished")))
    async with make_client(neon.transport(), clock) as client:
        running = Operation.model_validate(op(OP, "running"))
        done = await client.wait_for_operations("tenant-acme-1", [running])
    assert [o.status for o in done] == ["finished"]
    assert len(neon.requests) == 1


async def test_statuses_neon_adds_later_count_as_still_running(clock: FakeClock) -> None:
    answers = iter(["rebalancing", "finished"])

    async def fetch(project_id: str, operation_id: str) -> Operation:
        raise AssertionError("read by id although the list holds it")

    async def list_page(
        project_id: str, limit: int, cursor: str | None
    ) -> tuple[list[Operation], str | None]:
        listed = Operation.model_validate(op(OP, next(answers)))
        return [listed], None

    waiter = OperationWaiter(
        fetch,
        list_page,
        NeonSettings(api_key=API_KEY),
        clock=clock,
        sleep=clock.sleep,
        draw=lambda: 0.0,
    )
    start = Operation.model_validate(op(OP, "some_new_status"))
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
