"""Pytest fixtures for contract testing: the shared validator and validating httpx transports.

Why this exists: any test that drives the emulator or the client over httpx can wrap its
transport with `contract_transport` and get every exchange checked against Neon's real OpenAPI
contract. A violation raises at the call site, and because code under test may catch and swallow
it (retry loops, error mapping), the fixture also fails the test at teardown if any violation was
recorded.

    def test_create(contract_transport):
        transport = contract_transport(httpx.ASGITransport(app=emulator_app))
        client = httpx.Client(transport=transport, base_url="http://emulator/api/v2")
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, overload

import httpx
import pytest

from tests.support.contract import (
    ContractValidator,
    ValidatingAsyncTransport,
    ValidatingTransport,
)


class TransportWrapper(Protocol):
    """The callable `contract_transport` returns: wraps a sync or async transport."""

    @overload
    def __call__(self, inner: httpx.BaseTransport) -> ValidatingTransport: ...

    @overload
    def __call__(self, inner: httpx.AsyncBaseTransport) -> ValidatingAsyncTransport: ...


@pytest.fixture(scope="session")
def contract() -> ContractValidator:
    """Neon's vendored API contract (`contract/neon-api-v2.json`), loaded once per process."""
    return ContractValidator.shared()


def _report(wrapped: list[ValidatingTransport | ValidatingAsyncTransport]) -> str:
    violations = [violation for transport in wrapped for violation in transport.violations]
    listed = "\n".join(str(violation) for violation in violations)
    return f"{len(violations)} Neon API contract violation(s) during the test:\n{listed}"


@pytest.fixture
def contract_transport(contract: ContractValidator) -> Iterator[TransportWrapper]:
    """Wrap transports so every exchange is validated; fail at teardown on any violation."""
    wrapped: list[ValidatingTransport | ValidatingAsyncTransport] = []

    def wrap(
        inner: httpx.BaseTransport | httpx.AsyncBaseTransport,
    ) -> ValidatingTransport | ValidatingAsyncTransport:
        transport: ValidatingTransport | ValidatingAsyncTransport
        if isinstance(inner, httpx.BaseTransport):  # httpx.MockTransport is both: sync wins
            transport = ValidatingTransport(inner, contract)
        else:
            transport = ValidatingAsyncTransport(inner, contract)
        wrapped.append(transport)
        return transport

    yield wrap  # type: ignore[misc]
    if any(transport.violations for transport in wrapped):
        pytest.fail(_report(wrapped), pytrace=False)
