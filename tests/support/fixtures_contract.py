"""Pytest fixtures for contract testing: the shared validator and validating httpx transports.

Why this exists: any test that drives the emulator or the client over httpx can wrap its
transport with `contract_transport` and get every exchange checked against Neon's real OpenAPI
contract. A violation raises at the call site, and because code under test may catch and swallow
it (retry loops, error mapping), the fixture also fails the test at teardown if any violation was
recorded.

    def test_list(contract_transport):
        transport = contract_transport(httpx.ASGITransport(app=emulator_app))  # -> async wrapper
        client = httpx.AsyncClient(transport=transport, base_url="http://emulator/api/v2")
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import overload

import httpx
import pytest

from tests.support.contract import (
    ContractValidator,
    ValidatingAsyncTransport,
    ValidatingTransport,
)


class TransportWrapper:
    """What `contract_transport` returns: call it on a sync or async transport to wrap it.

    `httpx.MockTransport` is both kinds; it gets the sync wrapper (build a
    `ValidatingAsyncTransport` yourself to use it async).
    """

    def __init__(self, contract: ContractValidator) -> None:
        self.contract = contract
        self.wrapped: list[ValidatingTransport | ValidatingAsyncTransport] = []

    @overload
    def __call__(self, inner: httpx.BaseTransport) -> ValidatingTransport: ...

    @overload
    def __call__(self, inner: httpx.AsyncBaseTransport) -> ValidatingAsyncTransport: ...

    def __call__(
        self, inner: httpx.BaseTransport | httpx.AsyncBaseTransport
    ) -> ValidatingTransport | ValidatingAsyncTransport:
        transport: ValidatingTransport | ValidatingAsyncTransport
        if isinstance(inner, httpx.BaseTransport):
            transport = ValidatingTransport(inner, self.contract)
        else:
            transport = ValidatingAsyncTransport(inner, self.contract)
        self.wrapped.append(transport)
        return transport

    def report(self) -> str | None:
        """Every violation recorded by the wrapped transports, or None if there was none."""
        violations = [violation for transport in self.wrapped for violation in transport.violations]
        if not violations:
            return None
        listed = "\n".join(str(violation) for violation in violations)
        return f"{len(violations)} Neon API contract violation(s) during the test:\n{listed}"


@pytest.fixture(scope="session")
def contract() -> ContractValidator:
    """Neon's vendored API contract (`contract/neon-api-v2.json`), loaded once per process."""
    return ContractValidator.shared()


@pytest.fixture
def contract_transport(contract: ContractValidator) -> Iterator[TransportWrapper]:
    """Wrap transports so every exchange is validated; fail at teardown on any violation,
    including those the code under test caught and swallowed."""
    wrapper = TransportWrapper(contract)
    yield wrapper
    report = wrapper.report()
    if report is not None:
        pytest.fail(report, pytrace=False)
