"""Neon's clock from the `Date` header of its responses, with the local clock as fallback."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from controller.usage.server_clock import (
    DateRecordingTransport,
    ServerClock,
    environment_proxy,
    parse_http_date,
)
from tests.usage.conftest import LocalClock

pytestmark = pytest.mark.anyio
SERVER = "Sun, 15 Jun 2025 12:00:00 GMT"


def test_http_dates_parse_to_utc_and_garbage_is_none() -> None:
    assert parse_http_date(SERVER) == datetime(2025, 6, 15, 12, tzinfo=UTC)
    assert parse_http_date("Sun, 15 Jun 2025 14:00:00 +0200") == datetime(
        2025, 6, 15, 12, tzinfo=UTC
    )
    assert parse_http_date("yesterday") is None
    assert parse_http_date("") is None


def test_without_a_server_date_the_local_clock_is_used_and_said_so(local_clock: LocalClock) -> None:
    clock = ServerClock(local_clock)
    assert clock.now() == (local_clock.now, "local")
    clock.record(["not a date"])
    assert clock.now() == (local_clock.now, "local")


def test_the_latest_server_date_wins_and_time_never_goes_back(local_clock: LocalClock) -> None:
    clock = ServerClock(local_clock)
    clock.record([SERVER])
    clock.record(["Sun, 15 Jun 2025 11:59:00 GMT"])  # a slower concurrent response
    assert clock.now() == (datetime(2025, 6, 15, 12, tzinfo=UTC), "server")
    clock.record(["Mon, 16 Jun 2025 08:00:00 GMT"])
    assert clock.now() == (datetime(2025, 6, 16, 8, tzinfo=UTC), "server")


def test_of_two_date_headers_the_applications_own_last_one_counts(
    local_clock: LocalClock,
) -> None:
    clock = ServerClock(local_clock)
    clock.record(["Wed, 01 Jan 2025 00:00:00 GMT", SERVER])
    assert clock.now()[0] == datetime(2025, 6, 15, 12, tzinfo=UTC)


async def test_the_transport_records_every_responses_date(local_clock: LocalClock) -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(200, json={}, headers={"Date": SERVER})

    clock = ServerClock(local_clock)
    transport = DateRecordingTransport(httpx.MockTransport(answer), clock)
    async with httpx.AsyncClient(transport=transport, base_url="http://neon") as client:
        assert clock.now()[1] == "local"
        response = await client.get("/api/v2/projects")
    assert (response.status_code, seen) == (200, ["/api/v2/projects"])
    assert clock.now() == (datetime(2025, 6, 15, 12, tzinfo=UTC), "server")


def test_the_environment_proxy_applies_unless_the_host_is_exempt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)
    neon = "https://console.neon.tech/api/v2"
    assert environment_proxy(neon) is None
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    assert environment_proxy(neon) == "http://proxy.internal:3128"
    assert environment_proxy("http://127.0.0.1:4010/api/v2") is None  # no HTTP_PROXY
    monkeypatch.setenv("NO_PROXY", "console.neon.tech")
    assert environment_proxy(neon) is None
