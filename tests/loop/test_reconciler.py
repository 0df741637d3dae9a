"""A reconciler against the in-process emulator: cycles, usage crossings notified once (through
`tenantctl usage`'s cache), an invalid revision kept out, and a /status that fits its schema."""

from __future__ import annotations

import asyncio
import json
import shutil
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from controller.loop.core import Safety, Target, UsageReading
from controller.loop.cycle import LoopSettings, NeonAccess, Reconciler
from controller.loop.decisions import readiness
from controller.loop.memory import Memory
from controller.loop.metrics import ControllerMetrics
from controller.loop.neon_meter import MeteredTransport
from controller.loop.notify import Notifier
from controller.loop.records import CycleOutcome
from controller.loop.source import DirSource
from controller.loop.status import StatusContext, status_document
from controller.neon.client import NeonClient
from controller.neon.settings import NeonSettings
from controller.reconcile.mark_cache import MarkCache
from tests.e2e.conftest import REPO
from tests.support.clocks import WallClock
from tests.support.fixtures_emulator import InProcessEmulator

GiB = 1024**3
SCHEMA = json.loads((REPO / "schema" / "status.json").read_text(encoding="utf-8"))
SETTINGS = LoopSettings(
    interval=timedelta(minutes=1),
    full_refresh_every=timedelta(hours=1),
    usage_every=timedelta(minutes=15),
    warn_at=Fraction(80),
    safety=Safety(),
)


START = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


def copy_fleet(tmp_path: Path) -> Path:
    fleet = tmp_path / "fleet"
    for name in ("plans", "tenants"):
        shutil.copytree(REPO / name, fleet / name)
    shutil.copy(REPO / "tenantctl.yaml", fleet / "tenantctl.yaml")
    return fleet


def test_cycles_usage_and_an_invalid_revision(
    emulator_app: InProcessEmulator, tmp_path: Path
) -> None:
    fleet = copy_fleet(tmp_path)
    clock, posted, requests = WallClock(START), list[dict[str, Any]](), list[tuple[str, str, str]]()

    def receive(request: httpx.Request) -> httpx.Response:
        posted.append(json.loads(request.content))
        return httpx.Response(200)

    async def run() -> tuple[Memory, ControllerMetrics, list[Any]]:
        settings = NeonSettings(
            api_key=emulator_app.api_key,
            host=emulator_app.base_url,
            requests_per_minute=10**6,
            burst_per_second=10**5,
            consumption_requests_per_minute=10**6,
        )
        metrics, memory = ControllerMetrics(), Memory(started_at=clock())
        usage = UsageReading(settings, tmp_path, clock)

        def record(method: str, route: str, status: str) -> None:
            requests.append((method, route, status))
            metrics.neon_request(method, route, status)

        transport = MeteredTransport(usage.wrap(emulator_app.transport()), settings.host, record)
        notifier = Notifier(
            ["https://hooks.test/x"], clock=clock, transport=httpx.MockTransport(receive)
        )
        notifier.start()
        async with NeonClient(settings, transport=transport) as client:
            neon = NeonAccess(client, Target(host="emulator"), MarkCache(None), usage)
            reconciler = Reconciler(
                DirSource(fleet),
                neon,
                SETTINGS,
                memory=memory,
                metrics=metrics,
                notifier=notifier,
                clock=clock,
            )
            first = await reconciler.cycle()
            assert (first.outcome, first.full_reason) == (CycleOutcome.SUCCESS, "first_cycle")
            second = await reconciler.cycle()
            assert (second.outcome, second.full_reason) == (CycleOutcome.SUCCESS, "idle")

            # hooli (free plan: 2 GiB written data) writes 1.9 GiB: a warning, notified once.
            (hooli,) = [p for p in await client.list_projects() if p.name == "hooli"]
            await emulator_app.add_consumption(hooli.id, written_data_bytes=int(1.9 * GiB))
            await reconciler.read_usage()
            clock.now += timedelta(minutes=5)
            await reconciler.read_usage()  # from the usage cache: no Neon read, no new event
            assert memory.usage is not None
            assert memory.usage.cached == frozenset(memory.usage.tenants)
            clock.now += timedelta(minutes=11)
            await reconciler.read_usage()  # read again from Neon: the same crossing, quiet

            # A broken tenant file: nothing applied, the last good revision stays in force.
            good = memory.in_force
            (fleet / "tenants" / "wayne.yaml").write_text("plan: pro\nstate: sleeping\n")
            broken = await reconciler.cycle()
            assert broken.outcome is CycleOutcome.INVALID_REVISION
            assert memory.in_force is good
            await notifier.drain(5)
        await notifier.close()
        return memory, metrics, [p["event"] for p in posted]

    memory, metrics, events = asyncio.run(run())
    assert events == ["usage_warning", "invalid_revision"]
    value = metrics.registry.get_sample_value
    ratio = value("tenantctl_tenant_usage_ratio", {"tenant": "hooli", "metric": "written_data"})
    assert ratio == pytest.approx(0.95)
    assert value("tenantctl_tenants_at_warning") == 1
    assert value("tenantctl_revision_valid") == 0
    routes = {route for _, route, _ in requests}
    assert "/projects/{project_id}/branches" in routes
    assert all("{" in route or route.count("/") <= 2 for route in routes)  # templates, no ids
    context = StatusContext(
        source=DirSource(fleet).describe(),
        target=Target(host="emulator").model_dump(mode="json"),
        interval=SETTINGS.interval,
        full_refresh_every=SETTINGS.full_refresh_every,
        usage_every=SETTINGS.usage_every,
        allow_delete=False,
        max_deletes=1,
    )
    last = memory.last_cycle
    assert last is not None
    ready = readiness(
        now=clock(),
        interval=SETTINGS.interval,
        last_outcome=last.outcome,
        last_finished_at=last.finished_at,
        last_error=last.error,
        invalid_errors=memory.invalid.errors if memory.invalid else (),
    )
    status = status_document(memory, context, now=clock(), ready=ready)
    jsonschema.validate(status, SCHEMA)
    assert status["invalid_revision"]["errors"][0]["text"].startswith("tenants/wayne.yaml:2:8: ")
    assert status["usage"]["at_warning"] == ["hooli"]
