"""A fleet applied to an in-process emulator whose clock the test moves, and `usage` runs on it.

Why this exists: the usage tests must show real numbers from the emulator (its counters, its
history, its quota enforcement) after time passes and consumption is added, through the same
code path as the command (`cmd_usage.execute`), with every Neon call checked against the
contract. Projects are created the real way: plan + apply through the Neon client.

The emulator's `Date` header carries its own (advanceable) clock, as Neon's carries Neon's, so
"now" is the server's time; `WithoutServerDate` removes it to show the local-clock fallback.

Projects are created in an organization (`ORG`), as every project on Neon now is, and `usage`
runs without NEON_ORG_ID: it takes the org v2 consumption needs from the projects' `org_id`.
The emulator serves both consumption APIs unless a test builds it with `consumption_api`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shutil
from collections.abc import Callable
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from datetime import datetime
from io import StringIO
from pathlib import Path
from typing import Any

import httpx

from controller.cli import build_parser
from controller.cli.cmd_usage import execute, tenants_in_scope
from controller.cli.connection import Connection
from controller.neon.client import NeonClient
from controller.neon.settings import NeonSettings
from controller.reconcile.changeplan import PlanTarget
from controller.reconcile.desired import desired_fleet
from controller.reconcile.executor import ApplyOptions
from controller.reconcile.planner import PlanOptions
from controller.reconcile.run import apply_plan, make_plan
from controller.spec import load_fleet
from controller.spec.model import DesiredFleet
from tests.support.fixtures_contract import TransportWrapper
from tests.support.fixtures_emulator import InProcessEmulator
from tests.usage.conftest import LocalClock

FLEET = Path(__file__).parent / "fleet"
HOST = "http://emulator/api/v2"
DAY = 86_400
ORG = "org-usage-tests"


class EmulatorTime:
    """The emulator's base wall clock (seconds since the epoch), fixed unless moved."""

    def __init__(self, start: datetime) -> None:
        self.now = start.timestamp()

    def __call__(self) -> float:
        return self.now


class WithoutServerDate(httpx.AsyncBaseTransport):
    """A Neon that sends no `Date` header, to show the fallback to the local clock."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        del response.headers["Date"]
        return response


class ConsumptionForbidden(httpx.AsyncBaseTransport):
    """Neon's answer on an account whose plan has no consumption history: 403 for it."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if "/consumption_history/" in request.url.path:
            body = {"code": "", "message": "consumption history is not available on your plan"}
            return httpx.Response(403, json=body, request=request)
        return await self._inner.handle_async_request(request)


@dataclass
class Emulated:
    """A fleet directory, the emulator it was applied to, and ways to run `usage` on it."""

    emulator: InProcessEmulator
    fleet_dir: Path
    wrap: TransportWrapper
    local_clock: LocalClock
    org_id: str | None = ORG  # the org projects are created in
    projects: dict[str, str] = field(default_factory=dict)  # tenant id -> project id
    closed: int = 0  # how many times a connection given to `usage` was closed

    @property
    def settings(self) -> NeonSettings:
        """Client settings. The key is the test's own, so that no other test drained its rate
        budget (the client shares one per key in the process), and the budgets are far above
        Neon's (700/min, 50/min for history): the emulator has none, and tests should not wait."""
        return NeonSettings(
            api_key=self.emulator.api_key,
            host=HOST,
            requests_per_minute=600_000,
            burst_per_second=10_000,
            consumption_requests_per_minute=60_000,
        )

    @property
    def creating_settings(self) -> NeonSettings:
        """The settings `apply` creates projects with: in the test's org, if it has one."""
        return dataclasses.replace(self.settings, org_id=self.org_id)

    def transport(
        self, *, server_date: bool = True, history: bool = True
    ) -> httpx.AsyncBaseTransport:
        inner: httpx.AsyncBaseTransport = self.emulator.transport()
        if not server_date:
            inner = WithoutServerDate(inner)
        if not history:
            inner = ConsumptionForbidden(inner)
        return self.wrap(inner)

    def control(self, call: Callable[[], Any]) -> Any:
        return asyncio.run(call())

    def advance_days(self, days: float) -> None:
        self.control(lambda: self.emulator.advance_clock(days * DAY))

    def add(self, tenant_id: str, **metrics: int) -> dict[str, Any]:
        pid = self.projects[tenant_id]
        result: dict[str, Any] = self.control(lambda: self.emulator.add_consumption(pid, **metrics))
        return result

    def status(self, tenant_id: str) -> dict[str, Any]:
        pid = self.projects[tenant_id]
        result: dict[str, Any] = self.control(
            lambda: self.emulator.control("GET", f"/projects/{pid}")
        )
        return result

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self.control(self.emulator.stats)
        return result

    def fleet(self) -> DesiredFleet:
        loaded = load_fleet(self.fleet_dir)
        assert loaded.fleet is not None, loaded.errors
        return loaded.fleet

    def usage(self, *argv: str, server_date: bool = True, history: bool = True) -> tuple[int, str]:
        """Run `tenantctl usage --dir FLEET ARGV` as the command does; (exit code, stdout)."""
        args = build_parser().parse_args(["usage", "--dir", str(self.fleet_dir), *argv])
        fleet = self.fleet()
        connection = Connection(
            self.settings,
            self.transport(server_date=server_date, history=history),
            PlanTarget(host=HOST),
            closer=self._count_close,
        )
        out = StringIO()
        with redirect_stdout(out):
            code = execute(
                args, fleet, tenants_in_scope(fleet, args), connection, local_clock=self.local_clock
            )
        return code, out.getvalue()

    def _count_close(self) -> None:
        self.closed += 1

    def usage_json(self, *argv: str, **options: bool) -> tuple[int, dict[str, Any]]:
        code, text = self.usage("--format", "json", *argv, **options)
        document: dict[str, Any] = json.loads(text)
        return code, document


def emulated_fleet(
    tmp_path: Path,
    emulator: InProcessEmulator,
    wrap: TransportWrapper,
    local_clock: LocalClock,
    *,
    extra_tenants: int = 0,
    org_id: str | None = ORG,
) -> Emulated:
    """Copy the test fleet (plus `extra_tenants` starter tenants), apply it to the emulator
    (projects in `org_id`), and note each tenant's project."""
    fleet_dir = tmp_path / "fleet"
    shutil.copytree(FLEET, fleet_dir)
    for index in range(extra_tenants):
        (fleet_dir / "tenants" / f"extra-{index:03d}.yaml").write_text("plan: starter\n")
    world = Emulated(emulator, fleet_dir, wrap, local_clock, org_id=org_id)
    world.projects = asyncio.run(_apply(world))
    return world


async def _apply(world: Emulated) -> dict[str, str]:
    desired = desired_fleet(world.fleet(), org_id=world.org_id)
    async with NeonClient(world.creating_settings, transport=world.transport()) as client:
        planned = await make_plan(client, desired, PlanOptions(), PlanTarget(host=HOST))
        report = await apply_plan(client, planned.plan, ApplyOptions(), observer=planned.observer)
        assert report.ok, report.render()
        listed = await client.list_projects()
    return {project.name: project.id for project in listed}
