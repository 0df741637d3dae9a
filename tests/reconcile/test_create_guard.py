"""The look before each create (`Observer.claimed_now`): what it reads, and how often."""

from __future__ import annotations

import asyncio
import time

from controller.neon.client import NeonClient
from controller.neon.payloads import ProjectCreate
from controller.reconcile.observe import Observer
from controller.reconcile.planner import PlanOptions
from tests.neon.fakes import Recording
from tests.reconcile.builders import fleet
from tests.reconcile.test_executor import settings_for
from tests.support.clocks import FakeClock
from tests.support.fixtures_emulator import InProcessEmulator

BRANCHES = "/projects/{}/branches"


def test_projects_this_run_creates_are_not_strangers_whose_marks_are_read(
    emulator_app: InProcessEmulator,
) -> None:
    """A project counts as this run's from the moment Neon answers its create, not once its
    operations finished: the guard of a create running meanwhile reads only strangers' marks."""

    async def run() -> tuple[int, int, list[str]]:
        recording = Recording(emulator_app.transport(), time.monotonic)
        async with NeonClient(settings_for(emulator_app), transport=recording) as client:
            clock = FakeClock()
            observer = Observer(client, clock=clock)
            await observer.observe(fleet(), PlanOptions())
            ours = await client.create_project(
                ProjectCreate(name="ours"), on_created=observer.created
            )
            theirs = await client.create_project(ProjectCreate(name="theirs"))
            clock.now += 10  # the plan's list is old now: the guard reads a new one
            claimed = await observer.claimed_now("f", "acme", "acme")
            ours_read = recording.count("GET", BRANCHES.format(ours.project.id))
            theirs_read = recording.count("GET", BRANCHES.format(theirs.project.id))
            return ours_read, theirs_read, claimed

    assert asyncio.run(run()) == (0, 1, [])


def test_the_guard_reuses_the_plans_list_and_a_long_list_for_longer(
    emulator_app: InProcessEmulator,
) -> None:
    """Right after the plan, its own list serves the first create; a list of several pages
    stays recent for `recheck_seconds` per page."""

    async def run() -> list[int]:
        recording = Recording(emulator_app.transport(), time.monotonic)
        async with NeonClient(settings_for(emulator_app), transport=recording) as client:
            for n in range(401):  # two pages of Neon's 400
                await client.create_project(ProjectCreate(name=f"p{n}"))
            clock = FakeClock()
            observer = Observer(client, clock=clock, recheck_seconds=2.0)
            listed = [recording.count("GET", "/projects")]
            await observer.observe(fleet(), PlanOptions())
            listed.append(recording.count("GET", "/projects"))
            for advance in (0.0, 3.9, 0.2):  # 3.9 s old: recent (two pages); 4.1 s: not
                clock.now += advance
                await observer.claimed_now("f", "acme", "acme")
                listed.append(recording.count("GET", "/projects"))
            return listed

    assert asyncio.run(run()) == [0, 2, 2, 2, 4]
