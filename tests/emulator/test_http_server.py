"""The emulator as a real HTTP server on a free localhost port, used over the network.

Each test starts (or resets) a real `python -m controller emulator` process; every request goes
through `ValidatingTransport`, so requests and responses are contract-checked on the wire too.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.contract import ValidatingAsyncTransport, ValidatingTransport
from tests.support.emulator_process import EmulatorProcess
from tests.support.fixtures_emulator import ServerFactory

LOCKED = "project already has running conflicting operations, scheduling of new ones is prohibited"


def client(server: EmulatorProcess) -> httpx.Client:
    transport = ValidatingTransport(httpx.HTTPTransport())
    return httpx.Client(
        transport=transport, base_url=server.base_url, headers=server.auth_headers, timeout=30
    )


@pytest.fixture
def api(emulator_server: EmulatorProcess) -> Iterator[httpx.Client]:
    with client(emulator_server) as http:
        yield http


def create(http: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = http.post("/projects", json={"project": fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_overlapping_operations_get_423(emulator_server_factory: ServerFactory) -> None:
    server = emulator_server_factory(operation_seconds=30)
    with client(server) as http:
        created = create(http)
        endpoint = f"/projects/{created['project']['id']}/endpoints/{created['endpoints'][0]['id']}"
        locked = http.post(f"{endpoint}/suspend")
        assert locked.status_code == 423
        assert locked.json() == {"code": "", "message": LOCKED}
        assert http.get(endpoint).status_code == 200  # reads are never locked
        server.advance_clock(30)
        assert http.post(f"{endpoint}/suspend").status_code == 200


def test_a_burst_beyond_the_per_route_limit_gets_429(
    emulator_server_factory: ServerFactory,
) -> None:
    server = emulator_server_factory(burst_per_second=2, rate_per_minute=700)

    async def burst() -> list[int]:
        transport = ValidatingAsyncTransport(httpx.AsyncHTTPTransport())
        async with httpx.AsyncClient(
            transport=transport, base_url=server.base_url, headers=server.auth_headers
        ) as http:
            responses = await asyncio.gather(*(http.get("/projects") for _ in range(30)))
        assert all(r.json()["code"] == "" for r in responses if r.status_code == 429)
        return [r.status_code for r in responses]

    statuses = asyncio.run(burst())
    # 2 pass at once and one more per 500 ms: fewer than 10 refusals would need the 30 requests
    # to take over 9 s, so the outcome does not hang on the speed of the machine.
    assert statuses.count(200) >= 2
    assert statuses.count(429) >= 10
    assert set(statuses) == {200, 429}
    counted = {(row["route"], row["status"]): row["count"] for row in server.stats()["requests"]}
    assert counted[("/projects", 429)] == statuses.count(429)


def test_paging_reaches_the_end_of_a_thousand_project_list(
    emulator_server: EmulatorProcess, api: httpx.Client
) -> None:
    created = {create(api, name=f"tenant-{n:04d}")["project"]["id"] for n in range(1000)}
    seen: list[str] = []
    sizes: list[int] = []
    params: dict[str, Any] = {"limit": 400}
    while True:
        page = api.get("/projects", params=params).json()
        sizes.append(len(page["projects"]))
        seen += [project["id"] for project in page["projects"]]
        if len(page["projects"]) < 400:
            break
        params["cursor"] = page["pagination"]["cursor"]
    assert sizes == [400, 400, 200]
    assert len(seen) == len(set(seen)) == 1000
    assert set(seen) == created
    after_last = api.get("/projects", params={"limit": 400, "cursor": seen[-1]}).json()
    assert after_last == {"projects": [], "applications": {}, "integrations": {}}


def test_quota_suspension_and_its_release(
    emulator_server: EmulatorProcess, api: httpx.Client
) -> None:
    created = create(
        api,
        settings={"quota": {"active_time_seconds": 600}},
        default_endpoint_settings={"suspend_timeout_seconds": -1},
    )
    project = f"/projects/{created['project']['id']}"
    endpoint = f"{project}/endpoints/{created['endpoints'][0]['id']}"
    emulator_server.advance_clock(3600)
    assert api.get(endpoint).json()["endpoint"]["current_state"] == "idle"
    assert api.get(project).json()["project"]["active_time_seconds"] == 600
    refused = api.post(f"{endpoint}/start")
    assert refused.status_code == 400
    assert "quota" in refused.json()["message"]
    cleared = api.patch(
        project, json={"project": {"settings": {"quota": {"active_time_seconds": 0}}}}
    )
    assert cleared.json()["project"]["settings"]["quota"] == {"active_time_seconds": 0}
    assert api.post(f"{endpoint}/start").status_code == 200
    assert api.get(endpoint).json()["endpoint"]["current_state"] == "active"


def test_state_survives_a_restart(emulator_server_factory: ServerFactory) -> None:
    server = emulator_server_factory()
    with client(server) as http:
        kept = create(http, name="kept")["project"]["id"]
        server.add_consumption(kept, written_data_bytes=42)
        server.advance_clock(120)
    server.restart(signal.SIGTERM)
    with client(server) as http:
        project = http.get(f"/projects/{kept}").json()["project"]
        assert (project["name"], project["written_data_bytes"]) == ("kept", 42)
    assert server.stats()["total"] == 1  # counters restart with the process; state does not
    assert server.advance_clock(0)["offset_seconds"] == 120


def test_sigterm_and_sigint_stop_the_server_cleanly(emulator_server_factory: ServerFactory) -> None:
    server = emulator_server_factory()
    assert server.stop(signal.SIGTERM) == 0
    server.start()
    assert server.stop(signal.SIGINT) == 0
    assert server.log().count("emulator_stopped") == 2


def test_a_kill_mid_write_loses_nothing_acknowledged(
    emulator_server_factory: ServerFactory,
) -> None:
    server = emulator_server_factory()
    acknowledged: list[str] = []
    enough = threading.Event()

    def write_until_killed() -> None:
        with client(server) as http:
            for n in range(100_000):
                try:
                    response = http.post("/projects", json={"project": {"name": f"w-{n}"}})
                except httpx.TransportError:
                    return
                acknowledged.append(response.json()["project"]["id"])
                if len(acknowledged) >= 50:
                    enough.set()

    writer = threading.Thread(target=write_until_killed)
    writer.start()
    assert enough.wait(timeout=60)
    server.kill()  # SIGKILL while the writer is still sending
    writer.join(timeout=60)
    with sqlite3.connect(server.state_file) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    server.start()
    with client(server) as http:
        listed: set[str] = set()
        params: dict[str, Any] = {"limit": 400}
        while page := http.get("/projects", params=params).json()["projects"]:
            listed |= {project["id"] for project in page}
            params["cursor"] = page[-1]["id"]
    assert set(acknowledged) <= listed


def test_a_response_dropped_after_commit_looks_like_a_lost_response(
    emulator_server: EmulatorProcess, api: httpx.Client
) -> None:
    emulator_server.set_faults(drop_after_commit_rate=1.0)
    with pytest.raises(httpx.RemoteProtocolError):  # the connection closed mid-response
        api.post("/projects", json={"project": {"name": "maybe"}})
    names = [p["name"] for p in api.get("/projects").json()["projects"]]  # reads are not dropped
    assert names == ["maybe"]  # and the create did happen
    assert "Traceback" not in emulator_server.log()
