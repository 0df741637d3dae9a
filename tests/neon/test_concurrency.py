"""Many tenants in flight at once, but never two mutations in flight on one project."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import httpx
import pytest

from controller.neon import ProjectUpdate
from controller.neon.locks import ProjectLocks
from tests.neon.fakes import FakeClock, error, make_client, ok, operation, project
from tests.support.contract import ContractValidator

pytestmark = pytest.mark.anyio


class LockingNeon:
    """Plays Neon's 423 rule: a project is locked from a PATCH until its operation finishes
    (after two reads of the project's operations list). Counts conflicts and how many
    mutations were in flight together; every exchange is checked against Neon's contract."""

    def __init__(self) -> None:
        self.contract = ContractValidator.shared()
        self.locked: dict[str, str] = {}  # project id -> running operation id
        self.polls: Counter[str] = Counter()
        self.conflicts = 0
        self.in_flight = 0
        self.most_in_flight = 0

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.contract.validate_request(request)
        response = await self._answer(request)
        self.contract.validate_response(request, response)
        return response

    async def _answer(self, request: httpx.Request) -> httpx.Response:
        project_id = request.url.path.split("/")[4]
        if request.method == "PATCH":
            return await self._patch(project_id)
        assert request.url.path.endswith("/operations")  # confirmed by the list, never one by one
        operation_id = self.locked[project_id]
        self.polls[operation_id] += 1
        status = "finished" if self.polls[operation_id] >= 2 else "running"
        if status == "finished":
            del self.locked[project_id]
        return ok({"operations": [operation(operation_id, status, project_id)]})

    async def _patch(self, project_id: str) -> httpx.Response:
        if project_id in self.locked:
            self.conflicts += 1
            return error(423, "project already has running conflicting operations")
        operation_id = str(uuid.uuid4())
        self.locked[project_id] = operation_id
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        await asyncio.sleep(0.001)  # let the other tasks run while this one is "in Neon"
        self.in_flight -= 1
        running = operation(operation_id, "running", project_id)
        return ok({"project": project(project_id), "operations": [running]})


async def test_one_mutation_per_project_many_projects_at_once(clock: FakeClock) -> None:
    neon = LockingNeon()
    projects = [f"tenant-{n}" for n in range(5)]
    async with make_client(httpx.MockTransport(neon), clock) as client:
        await asyncio.gather(
            *(
                client.update_project(project_id, ProjectUpdate(name=f"{project_id}-v{round_}"))
                for round_ in range(4)
                for project_id in projects
            )
        )
    assert neon.conflicts == 0
    assert neon.most_in_flight == len(projects)
    assert sum(neon.polls.values()) == 2 * 4 * len(projects)


async def test_project_locks_serialise_per_project_and_leave_nothing_behind() -> None:
    locks = ProjectLocks()
    order: list[str] = []

    async def hold(project_id: str, tag: str) -> None:
        async with locks.hold(project_id):
            order.append(f"{tag}+")
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            order.append(f"{tag}-")

    await asyncio.gather(hold("p", "a"), hold("p", "b"), hold("q", "c"))
    assert order.index("a-") < order.index("b+")  # b waited for a on project p
    assert order.index("c+") < order.index("a-")  # c, on q, did not wait
    assert locks.active() == frozenset()
