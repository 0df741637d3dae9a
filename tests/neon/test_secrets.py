"""Grep for secrets: the API key and every password and connection URI Neon returned appear in no
log line, no output, no error message or repr, and no model the client hands back."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import structlog

from controller.logs import configure_logging
from controller.neon import (
    NeonClient,
    NeonError,
    NeonSettings,
    ProjectCreate,
    ProjectUpdate,
    RateLimiterRegistry,
)
from tests.neon.fakes import FakeClock
from tests.support.fixtures_emulator import InProcessEmulator

pytestmark = pytest.mark.anyio

# No `napi_` prefix: only the client's own registration of the key can keep it out of logs.
API_KEY = "tenantctl-grep-test-key-4b1d9e7c2a"
Wrap = Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport]


class SecretHarvest(httpx.AsyncBaseTransport):
    """Collects every password and connection URI the emulator sends back."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.secrets: set[str] = set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        await response.aread()
        if response.headers.get("content-type", "").startswith("application/json"):
            self._collect(json.loads(response.content))
        return response

    def _collect(self, node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("password", "connection_uri", "uri") and isinstance(value, str):
                    self.secrets.add(value)
                self._collect(value)
        elif isinstance(node, list):
            for item in node:
                self._collect(item)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture
def json_logs() -> Iterator[None]:
    configure_logging(json_output=True, level=10)  # DEBUG: every request is logged
    yield
    structlog.reset_defaults()


async def run_traffic(client: NeonClient, emulator: InProcessEmulator) -> list[object]:
    """Creates (which return URIs and passwords), reads, updates, and calls that fail."""
    kept: list[object] = []
    for n in range(3):
        created = await client.create_project(ProjectCreate(name=f"tenant-secret-{n}"))
        kept.append(created)
        kept.append(await client.update_project(created.project.id, ProjectUpdate(name=f"t-{n}")))
    kept.append(await client.list_projects())
    kept.append(await client.list_branches(created.project.id))
    failing = [
        client.get_project("no-such-project"),
        client.create_project(ProjectCreate(name="tenant-secret-bad", region_id="aws-moon-1")),
    ]
    for call in failing:
        try:
            await call
        except NeonError as error:
            kept.append(error)
    await emulator.set_faults(drop_after_commit_rate=1.0)
    try:
        await client.create_project(ProjectCreate(name="tenant-secret-lost"))
    except NeonError as error:
        kept.append(error)
    await emulator.set_faults()
    return kept


async def test_no_secret_reaches_logs_output_errors_or_models(
    emulator_app_factory: Callable[..., InProcessEmulator],
    contract_transport: Wrap,
    json_logs: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    emulator = emulator_app_factory(api_key=API_KEY)
    harvest = SecretHarvest(contract_transport(emulator.transport()))
    clock = FakeClock()
    settings = NeonSettings(api_key=API_KEY, host=emulator.base_url, max_attempts=2)
    async with NeonClient(
        settings, transport=harvest, clock=clock, sleep=clock.sleep, limiters=RateLimiterRegistry()
    ) as client:
        kept = await run_traffic(client, emulator)
    captured = capsys.readouterr()
    errors = [item for item in kept if isinstance(item, NeonError)]
    assert len(errors) == 3  # 404, 400, and the create whose response was lost
    assert len(harvest.secrets) >= 6  # a password and a URI per create, at least
    texts = {
        "stdout": captured.out,
        "stderr": captured.err,
        **{f"kept[{n}]": f"{item!s} {item!r}" for n, item in enumerate(kept)},
        **{f"error[{n}].args": repr(error.args) for n, error in enumerate(errors)},
        "settings": repr(settings),
    }
    assert '"event": "neon_request"' in captured.err  # traffic really was logged
    for secret in {API_KEY, *harvest.secrets}:
        for where, text in texts.items():
            assert secret not in text, f"a secret leaked into {where}"
