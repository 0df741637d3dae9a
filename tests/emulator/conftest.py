"""Fixtures of the emulator tests: a manual clock and contract-checked clients on the emulator.

Every request these clients send and every response they get is validated against Neon's real
contract (`contract_transport`). Tests of requests Neon's contract itself rejects (a missing
body field, an out-of-range `limit`) use `neon.raw`, which checks the responses only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.support.contract import ContractValidator, ContractViolation
from tests.support.fixtures_contract import TransportWrapper
from tests.support.fixtures_emulator import AppFactory, InProcessEmulator

# A mid-month instant, so tests that advance by hours or days stay in one billing period.
START = datetime(2026, 3, 10, 12, 0, 0, tzinfo=UTC).timestamp()


class ManualClock:
    """A clock that only moves when told to: the emulator's wall clock and its rate-limit clock."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class ResponseCheckingTransport(httpx.AsyncBaseTransport):
    """Sends any request (even one the contract rejects); validates every response."""

    def __init__(self, inner: httpx.AsyncBaseTransport, contract: ContractValidator) -> None:
        self.inner = inner
        self.contract = contract
        self.violations: list[ContractViolation] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        await response.aread()
        try:
            self.contract.validate_response(request, response)
        except ContractViolation as violation:
            self.violations.append(violation)
            raise
        return response


@dataclass
class Neon:
    """An in-process emulator, a manual clock, and clients on it."""

    emulator: InProcessEmulator
    clock: ManualClock
    api: httpx.AsyncClient  # requests and responses contract-checked
    raw: httpx.AsyncClient  # responses contract-checked; requests sent as they are

    async def create_project(self, **fields: Any) -> dict[str, Any]:
        response = await self.api.post("/projects", json={"project": fields})
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    async def get(self, path: str, **params: Any) -> dict[str, Any]:
        response = await self.api.get(path, params=params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


NeonFactory = Callable[..., Any]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def neon_factory(
    emulator_app_factory: AppFactory,
    clock: ManualClock,
    contract: ContractValidator,
    contract_transport: TransportWrapper,
) -> AsyncIterator[NeonFactory]:
    """Build `Neon` handles on in-process emulators driven by `clock` (config options apply)."""
    opened: list[httpx.AsyncClient] = []
    checkers: list[ResponseCheckingTransport] = []

    async def build(**options: Any) -> Neon:
        emulator = emulator_app_factory(clock=clock, monotonic=clock, **options)
        api = emulator.client(transport=contract_transport(emulator.transport()))
        checker = ResponseCheckingTransport(emulator.transport(), contract)
        raw = emulator.client(transport=checker)
        opened.extend([api, raw])
        checkers.append(checker)
        return Neon(emulator, clock, api, raw)

    yield build
    for client in opened:
        await client.aclose()
    violations = [v for checker in checkers for v in checker.violations]
    if violations:
        pytest.fail("\n".join(str(v) for v in violations), pytrace=False)


@pytest.fixture
async def neon(neon_factory: NeonFactory) -> Neon:
    """An in-process emulator with the test defaults (operations finish at once, no limits)."""
    built: Neon = await neon_factory()
    return built
