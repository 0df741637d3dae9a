"""Pytest fixtures that provide the Neon API emulator, in-process or as a real HTTP server.

Why this exists: the client, reconcile and CLI tests all need a Neon to talk to. These fixtures
make one in a line, with test-friendly defaults: the API key `TEST_API_KEY`, operations that
finish at once (`operation_seconds=0`) and no rate limits, unless a test asks otherwise.

- `emulator_app` / `emulator_app_factory(**config)`: an in-process app; `.client()` is an
  `httpx.AsyncClient` on it (through `httpx.ASGITransport`), `.transport()` the bare transport
  to wrap (e.g. with `contract_transport`). Options are `EmulatorConfig` fields (`clock=`,
  `monotonic=` to control time, `state_file=`...).
- `emulator_server` / `emulator_server_factory(**options)`: a real server process on a free
  localhost port (see `tests/support/emulator_process.py`), with `base_url` (ending in
  `/api/v2`), `api_key`, `restart()`, `advance_clock()`, `add_consumption()`, `set_faults()`,
  `stats()`, `reset()`. `emulator_server` is shared by the tests of a worker and reset before each
  test; the factory starts a dedicated one, stopped at teardown.

A response lost after commit (`drop_after_commit_rate`) reaches an in-process client as
`controller.emulator.ResponseDropped` (a ConnectionResetError); over HTTP the connection closes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from controller.emulator import API_PREFIX, EmulatorApp, EmulatorConfig, create_app
from tests.support.emulator_process import (
    TEST_API_KEY,
    EmulatorProcess,
    running_emulator,
)

IN_PROCESS_ORIGIN = "http://emulator"


@dataclass
class InProcessEmulator:
    """An emulator app in this process, and httpx clients on it."""

    app: EmulatorApp
    api_key: str = TEST_API_KEY

    base_url = IN_PROCESS_ORIGIN + API_PREFIX

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def transport(self) -> httpx.ASGITransport:
        return httpx.ASGITransport(app=self.app)

    def client(
        self, transport: httpx.AsyncBaseTransport | None = None, **kwargs: Any
    ) -> httpx.AsyncClient:
        """An AsyncClient with `base_url` and the bearer key set; use it with `async with`."""
        kwargs["headers"] = {**self.auth_headers, **kwargs.get("headers", {})}
        kwargs.setdefault("base_url", self.base_url)
        return httpx.AsyncClient(transport=transport or self.transport(), **kwargs)

    async def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call the control API (`/_emulator{path}`) with its key; raises on an error status."""
        key = self.app.emulator.config.control_api_key or self.api_key
        async with httpx.AsyncClient(transport=self.transport(), base_url=IN_PROCESS_ORIGIN) as c:
            response = await c.request(
                method, "/_emulator" + path, json=body, headers={"Authorization": f"Bearer {key}"}
            )
        response.raise_for_status()
        return response.json()

    async def advance_clock(self, seconds: float) -> Any:
        return await self.control("POST", "/clock/advance", {"seconds": seconds})

    async def add_consumption(self, project_id: str, **metrics: int | str) -> Any:
        return await self.control("POST", f"/projects/{project_id}/consumption", dict(metrics))

    async def set_faults(self, **faults: Any) -> Any:
        return await self.control("POST", "/faults", dict(faults))

    async def stats(self) -> Any:
        return await self.control("GET", "/stats")

    async def reset(self) -> Any:
        return await self.control("POST", "/reset")


AppFactory = Callable[..., InProcessEmulator]
ServerFactory = Callable[..., EmulatorProcess]
TEST_DEFAULTS: dict[str, Any] = {
    "api_key": TEST_API_KEY,
    "operation_seconds": 0.0,
    "rate_per_minute": 0,
    "burst_per_second": 0,
    "consumption_rate_per_minute": 0,
}


@pytest.fixture
def emulator_app_factory() -> Iterator[AppFactory]:
    """Build in-process emulators; `EmulatorConfig` options override the test defaults."""
    built: list[InProcessEmulator] = []

    def build(**options: Any) -> InProcessEmulator:
        config = EmulatorConfig(**{**TEST_DEFAULTS, **options})
        emulator = InProcessEmulator(create_app(config), api_key=config.api_key or TEST_API_KEY)
        built.append(emulator)
        return emulator

    yield build
    for emulator in built:
        emulator.app.emulator.close()


@pytest.fixture
def emulator_app(emulator_app_factory: AppFactory) -> InProcessEmulator:
    """A fresh in-process emulator with the test defaults."""
    return emulator_app_factory()


@pytest.fixture
def emulator_server_factory() -> Iterator[ServerFactory]:
    """Start dedicated emulator servers (`EmulatorOptions` fields); stopped at teardown."""
    with ExitStack() as stack:

        def start(**options: Any) -> EmulatorProcess:
            return stack.enter_context(running_emulator(**options))

        yield start


@pytest.fixture(scope="session")
def _shared_emulator_server() -> Iterator[EmulatorProcess]:
    with running_emulator() as server:
        yield server


@pytest.fixture
def emulator_server(_shared_emulator_server: EmulatorProcess) -> EmulatorProcess:
    """The worker's shared emulator server, reset (no projects, no faults, clock offset 0)."""
    if _shared_emulator_server.pid is None:  # a previous test stopped it
        _shared_emulator_server.start()
    _shared_emulator_server.reset()
    return _shared_emulator_server
