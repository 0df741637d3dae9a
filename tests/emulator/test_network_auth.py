"""The emulator as a network service: who may call its control API, and where it may listen.

Bound beyond localhost, anyone who reaches the emulator could reset it, inject faults or move
its clock. With `--api-key`, the control API (`/_emulator/*`) asks for that key too, or for
`--control-key` when one is given; with no key at all, `tenantctl emulator` serves localhost only
unless `--allow-unauthenticated` says otherwise.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from controller.cli import main
from controller.cli.common import EXIT_ERROR
from controller.emulator import EmulatorConfig, create_app
from tests.support.emulator_process import EmulatorProcess
from tests.support.fixtures_emulator import ServerFactory

MISSING_KEY = "authentication required: pass your API key as 'Authorization: Bearer <key>'"
INVALID_KEY = "authentication failed: invalid API key"
# Every control route, and a path under /_emulator that does not exist (401 before 404).
CONTROL_CALLS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/reset", None),
    ("POST", "/faults", {"status_rates": {"503": 1.0}}),
    ("GET", "/faults", None),
    ("POST", "/clock/advance", {"seconds": 3600}),
    ("GET", "/clock", None),
    ("GET", "/stats", None),
    ("GET", "/projects/some-project-1", None),
    ("POST", "/projects/some-project-1/consumption", {"written_data_bytes": 1}),
    ("GET", "/no-such-route", None),
]


def control_statuses(server: EmulatorProcess, headers: dict[str, str]) -> list[int]:
    with httpx.Client(base_url=server.control_url, trust_env=False, timeout=10) as http:
        return [
            http.request(method, path, json=body, headers=headers).status_code
            for method, path, body in CONTROL_CALLS
        ]


def project_names(server: EmulatorProcess) -> list[str]:
    response = httpx.get(
        server.base_url + "/projects", headers=server.auth_headers, trust_env=False, timeout=10
    )
    return [project["name"] for project in response.json()["projects"]]


def create_project(server: EmulatorProcess, name: str) -> None:
    response = httpx.post(
        server.base_url + "/projects",
        json={"project": {"name": name}},
        headers=server.auth_headers,
        trust_env=False,
        timeout=10,
    )
    assert response.status_code == 201, response.text


def test_with_an_api_key_the_control_api_refuses_a_request_without_it(
    emulator_server: EmulatorProcess,
) -> None:
    create_project(emulator_server, "kept")
    assert control_statuses(emulator_server, {}) == [401] * len(CONTROL_CALLS)
    wrong = {"Authorization": "Bearer not-the-key"}
    assert control_statuses(emulator_server, wrong) == [401] * len(CONTROL_CALLS)
    refused = httpx.post(emulator_server.control_url + "/reset", trust_env=False, timeout=10)
    assert refused.json() == {"code": "", "message": MISSING_KEY}
    assert project_names(emulator_server) == ["kept"]  # nothing was wiped
    assert emulator_server.advance_clock(0)["offset_seconds"] == 0  # nor the clock moved
    assert emulator_server.faults()["status_rates"] == {}  # nor faults set
    allowed = control_statuses(emulator_server, emulator_server.auth_headers)
    assert 401 not in allowed
    assert allowed[0] == 200  # the reset went through with the key
    assert allowed[-1] == 404  # and with the key, an unknown path is just not found
    assert emulator_server.faults()["status_rates"] == {"503": 1.0}  # and so did the faults
    emulator_server.set_faults()
    assert project_names(emulator_server) == []


def test_a_separate_control_key_opens_the_control_api_and_nothing_else(
    emulator_server_factory: ServerFactory,
) -> None:
    server = emulator_server_factory(control_key="control-key-for-tests")
    control_key = {"Authorization": "Bearer control-key-for-tests"}
    assert control_statuses(server, server.auth_headers) == [401] * len(CONTROL_CALLS)
    with httpx.Client(trust_env=False, timeout=10) as http:
        wrong = http.get(server.control_url + "/stats", headers=server.auth_headers)
        assert wrong.json() == {"code": "", "message": INVALID_KEY}
        assert http.get(server.control_url + "/stats", headers=control_key).status_code == 200
        neon = http.get(server.base_url + "/projects", headers=control_key)
        assert neon.status_code == 401  # the control key is no key to the Neon API
    assert server.reset()["reset"] is True  # the test helper sends the control key


def test_in_process_the_control_api_asks_for_the_api_key_too() -> None:
    app = create_app(EmulatorConfig(api_key="in-process-key", operation_seconds=0))
    transport = httpx.ASGITransport(app=app)

    async def statuses() -> tuple[int, int]:
        async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as http:
            without = await http.post("/_emulator/reset")
            keyed = await http.post(
                "/_emulator/reset", headers={"Authorization": "Bearer in-process-key"}
            )
        return without.status_code, keyed.status_code

    try:
        assert asyncio.run(statuses()) == (401, 200)
    finally:
        app.emulator.close()


def test_without_any_key_the_control_api_stays_open_in_process() -> None:
    """The embedded default (no key, never on a network) keeps an open control API."""
    app = create_app(EmulatorConfig(operation_seconds=0))

    async def status() -> int:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as http:
            return (await http.get("/_emulator/stats")).status_code

    try:
        assert asyncio.run(status()) == 200
    finally:
        app.emulator.close()


@pytest.fixture
def busy_port_on_all_interfaces() -> Iterator[int]:
    """A port already taken on 0.0.0.0: a command that gets as far as binding stops there."""
    with socket.socket() as holder:
        holder.bind(("0.0.0.0", 0))
        holder.listen()
        yield holder.getsockname()[1]


@pytest.mark.parametrize(
    "extra",
    [[], ["--control-key", "only-the-control-api"]],
    ids=["no-key", "control-key-only"],
)
def test_without_an_api_key_it_refuses_to_listen_beyond_localhost(
    extra: list[str], busy_port_on_all_interfaces: int, capsys: pytest.CaptureFixture[str]
) -> None:
    port = str(busy_port_on_all_interfaces)
    assert main(["emulator", "--host", "0.0.0.0", "--port", port, *extra]) == EXIT_ERROR
    error = capsys.readouterr().err
    assert error.startswith(
        "tenantctl: error: refusing to serve on 0.0.0.0 without --api-key: anyone who can "
        "reach it could"
    )
    assert "--allow-unauthenticated" in error
    assert "cannot listen" not in error  # refused before binding anything
    assert error.count("\n") == 1
    assert "only-the-control-api" not in error


def test_allow_unauthenticated_listens_beyond_localhost_with_a_warning(
    busy_port_on_all_interfaces: int, capsys: pytest.CaptureFixture[str]
) -> None:
    port = str(busy_port_on_all_interfaces)
    args = ["emulator", "--host", "0.0.0.0", "--port", port, "--allow-unauthenticated"]
    assert main(args) == EXIT_ERROR  # it got as far as binding: the port is busy
    warning, error = capsys.readouterr().err.splitlines()
    assert warning.startswith("tenantctl: warning: serving on 0.0.0.0 with no API key")
    assert error.startswith("tenantctl: error: cannot listen on 0.0.0.0:")


def test_an_api_key_is_enough_to_listen_beyond_localhost(
    busy_port_on_all_interfaces: int, capsys: pytest.CaptureFixture[str]
) -> None:
    port = str(busy_port_on_all_interfaces)
    args = ["emulator", "--host", "0.0.0.0", "--port", port, "--api-key", "a-network-key"]
    assert main(args) == EXIT_ERROR  # it got as far as binding: the port is busy
    (error,) = capsys.readouterr().err.splitlines()
    assert error.startswith("tenantctl: error: cannot listen on 0.0.0.0:")
    assert "a-network-key" not in error
