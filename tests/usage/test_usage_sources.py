"""Which consumption history `usage` reads, and what it costs: v2, legacy or the counters alone.

The account's API is detected (v2, then legacy, then the counters, on Neon's 403 or 404) unless
`--source` forces one; the output says which was used and why the others were passed over. The
cost is counted on the emulator: a fleet of 250 projects reads its v2 consumption in 3 requests
(100 project ids per request, Neon's cursor followed within each), next to one paged project
list and two reads per project through the planner's observer.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from controller.cli.common import EXIT_USAGE_ALERT, CommandError
from controller.neon.client import NeonClient
from controller.reconcile.desired import DesiredFleetState
from controller.reconcile.requests import create_request
from controller.usage.collect import UsageReader
from controller.usage.query import UsageQuery
from controller.usage.readings import TenantReading
from controller.usage.server_clock import ServerClock
from tests.reconcile.builders import create_spec, tenant
from tests.support.fixtures_contract import TransportWrapper
from tests.support.fixtures_emulator import AppFactory, InProcessEmulator
from tests.usage.conftest import LocalClock
from tests.usage.emulated import Emulated, EmulatorTime, emulated_fleet

JUNE_1 = datetime(2025, 6, 1, tzinfo=UTC)
V2 = "/consumption_history/v2/projects"
LEGACY = "/consumption_history/projects"


class RefuseV2(httpx.AsyncBaseTransport):
    """A legacy-plan account seen through a real one: v2 answers 403, as Neon documents."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(V2):
            body = {"code": "", "message": "consumption history v2 needs a usage-based plan"}
            return httpx.Response(403, json=body, request=request)
        return await self._inner.handle_async_request(request)


def sent(emulator: InProcessEmulator, before: dict[str, Any]) -> Counter[tuple[str, int]]:
    """Requests by route and status since `before` (the emulator's stats)."""
    counts: Counter[tuple[str, int]] = Counter()
    after: dict[str, Any] = asyncio.run(emulator.stats())
    for row in after["requests"]:
        counts[(row["route"], row["status"])] += row["count"]
    for row in before["requests"]:
        counts[(row["route"], row["status"])] -= row["count"]
    return +counts


def test_250_projects_cost_3_v2_requests_and_two_reads_each_per_source(
    emulator_app_factory: AppFactory,
) -> None:
    time = EmulatorTime(JUNE_1)
    emulator = emulator_app_factory(clock=time, monotonic=time, api_key=f"big-{uuid.uuid4()}")
    fleet = [tenant(f"t{index:03d}", plan="starter") for index in range(250)]
    desired = DesiredFleetState(fleet="big", tenants={t.id: t for t in fleet})
    # Not contract-checked (the other usage tests are): 2,000 requests would take seconds.
    world = Emulated(emulator, Path("."), lambda inner: inner, LocalClock(JUNE_1))

    async def create() -> None:
        async with NeonClient(world.creating_settings, transport=world.transport()) as client:
            for t in fleet:
                await client.create_project(create_request(create_spec(t, "big")))

    asyncio.run(create())
    time.now += 3 * 86_400

    def read(
        query: UsageQuery, refuse_v2: bool = False
    ) -> tuple[dict[str, TenantReading], Counter[Any]]:
        before = asyncio.run(emulator.stats())
        transport = world.transport()
        if refuse_v2:
            transport = RefuseV2(transport)

        async def go() -> dict[str, TenantReading]:
            async with NeonClient(world.settings, transport=transport) as client:
                reader = UsageReader(client, ServerClock(), query=query)
                return await reader.read(desired, list(desired.tenants))

        readings = asyncio.run(go())
        return readings, sent(emulator, before)

    common = {("/projects", 200): 1, ("/projects/{project_id}/branches", 200): 250}
    common[("/projects/{project_id}", 200)] = 250
    readings, counts = read(UsageQuery())
    assert counts == Counter({**common, (V2, 200): 3})  # 100 + 100 + 50 project ids
    assert {r.reading.source for r in readings.values() if r.reading} == {"v2"}
    assert all(r.reading and r.reading.billing is not None for r in readings.values())
    # A legacy account: one refused v2 request, then the legacy history in 3.
    readings, counts = read(UsageQuery(), refuse_v2=True)
    assert counts == Counter({**common, (LEGACY, 200): 3})  # the 403 never reached Neon
    assert {r.reading.source for r in readings.values() if r.reading} == {"legacy"}
    # Forced: exactly that source; the counters alone cost no consumption request.
    assert read(UsageQuery(source="legacy"))[1] == Counter({**common, (LEGACY, 200): 3})
    assert read(UsageQuery(source="counters"))[1] == Counter(common)


@pytest.fixture
def make_world(
    tmp_path: Path,
    emulator_app_factory: AppFactory,
    contract_transport: TransportWrapper,
    local_clock: LocalClock,
) -> Any:
    def build(**config: Any) -> Emulated:
        time = EmulatorTime(JUNE_1)
        emulator = emulator_app_factory(
            clock=time, monotonic=time, api_key=f"usage-{uuid.uuid4()}", **config
        )
        world = emulated_fleet(tmp_path, emulator, contract_transport, local_clock)
        world.advance_days(2)
        world.add("close", data_transfer_bytes=8_500_000_000)
        return world

    return build


@pytest.mark.parametrize(
    ("api", "status", "used", "passed_over"),
    [
        ("both", 403, "v2", []),
        ("v2", 403, "v2", []),
        ("legacy", 404, "legacy", ["v2: 404: the account has no such API"]),
        (
            "none",
            403,
            "counters",
            [
                "v2: 403: the account's plan does not include it",
                "legacy: 403: the account's plan does not include it",
            ],
        ),
    ],
)
def test_the_source_is_detected_v2_then_legacy_then_counters_and_said(
    make_world: Any, api: str, status: int, used: str, passed_over: list[str]
) -> None:
    world = make_world(consumption_api=api, consumption_denied_status=status)
    code, document = world.usage_json()
    assert code == EXIT_USAGE_ALERT  # close is at 85 % of its transfer cap, whatever the source
    assert document["source"] == {"used": [used], "requested": None, "passed_over": passed_over}
    close = next(t for t in document["tenants"] if t["tenant"] == "close")
    assert close["metrics"]["data_transfer"]["used"] == 8_500_000_000
    assert (close["billing"] is None) == (used != "v2")
    _, text = world.usage("--refresh")
    assert f"consumption history: {used} (detected" in text.splitlines()[0]


def test_source_forces_one_and_refuses_what_the_account_lacks(make_world: Any) -> None:
    world = make_world(consumption_api="legacy")
    code, document = world.usage_json("--source", "counters")
    assert (code, document["source"]["used"], document["source"]["requested"]) == (
        EXIT_USAGE_ALERT,
        ["counters"],
        "counters",
    )
    before = world.stats()["total"]
    with pytest.raises(CommandError) as refused:
        world.usage("--source", "v2", "--refresh")
    assert str(refused.value) == (
        "--source v2: Neon refused consumption history "
        "(v2: 403: the account's plan does not include it)"
    )
    assert world.stats()["total"] > before  # it did ask Neon, and said what Neon answered


def test_without_an_org_v2_is_passed_over_for_legacy_and_said(
    tmp_path: Path,
    emulator_app_factory: AppFactory,
    contract_transport: TransportWrapper,
    local_clock: LocalClock,
) -> None:
    time = EmulatorTime(JUNE_1)
    emulator = emulator_app_factory(clock=time, monotonic=time, api_key=f"usage-{uuid.uuid4()}")
    world = emulated_fleet(tmp_path, emulator, contract_transport, local_clock, org_id=None)
    time.now += 86_400
    _, document = world.usage_json()
    assert document["source"]["used"] == ["legacy"]
    assert document["source"]["passed_over"] == [
        "v2: the projects report no org id and NEON_ORG_ID is unset"
    ]
