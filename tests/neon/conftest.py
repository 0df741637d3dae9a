"""Fixtures of the Neon client tests: the fake clock and a scripted, contract-checked Neon."""

from __future__ import annotations

import pytest

from tests.neon.fakes import FakeClock, ScriptedNeon
from tests.support.contract import ContractValidator


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def neon(contract: ContractValidator) -> ScriptedNeon:
    return ScriptedNeon(contract)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
