"""The `contract` and `contract_transport` fixtures, exercised in a nested pytest run."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

CONFTEST = 'pytest_plugins = ["tests.support.fixtures_contract"]\n'

TESTS = """
import asyncio
import contextlib

import httpx

from tests.support.contract import ContractValidator, ValidatingAsyncTransport, ValidatingTransport

AUTH = {"Authorization": "Bearer k"}
REGIONS = {"regions": []}


def serve(body):
    return httpx.MockTransport(lambda request: httpx.Response(200, json=body))


def test_session_validator(contract):
    assert contract is ContractValidator.shared()


def test_wraps_sync_and_async(contract_transport):
    wsgi = httpx.WSGITransport(app=lambda environ, start_response: [])
    assert isinstance(contract_transport(wsgi), ValidatingTransport)
    asgi = httpx.ASGITransport(app=lambda scope, receive, send: None)
    assert isinstance(contract_transport(asgi), ValidatingAsyncTransport)


def test_clean(contract_transport):
    with httpx.Client(transport=contract_transport(serve(REGIONS)), headers=AUTH) as client:
        assert client.get("http://emulator/api/v2/regions").json() == REGIONS


def test_swallowed(contract_transport):
    with httpx.Client(transport=contract_transport(serve({"regions": 1})), headers=AUTH) as client:
        with contextlib.suppress(Exception):
            client.get("http://emulator/api/v2/regions")


def test_swallowed_async(contract_transport):
    async def main():
        transport = contract_transport(httpx.ASGITransport(app=app))
        async with httpx.AsyncClient(transport=transport, headers=AUTH) as client:
            with contextlib.suppress(Exception):
                await client.get("http://emulator/api/v2/projects?limit=0")

    asyncio.run(main())


async def app(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})
"""


def test_fixtures_fail_tests_whose_violations_were_swallowed(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_nested=TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=5, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_swallowed *",
            "*1 Neon API contract violation(s) during the test:*",
            "*GET /api/v2/regions -> 200:*",
            "*$.regions: 1 is not of type 'array'*",
            "*ERROR at teardown of test_swallowed_async*",
            "*GET /api/v2/projects:*",
            "*query parameter 'limit': 0 is less than the minimum of 1*",
        ]
    )
