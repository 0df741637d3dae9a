"""The `Date` header carries the emulator's clock, as Neon's carries Neon's (usage reads it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx

from tests.support.emulator_process import EmulatorProcess


def server_date(server: EmulatorProcess) -> datetime:
    response = httpx.get(
        server.base_url + "/projects", headers=server.auth_headers, trust_env=False
    )
    assert response.status_code == 200
    (date,) = response.headers.get_list("date")
    return parsedate_to_datetime(date)


def test_date_header_follows_the_advanced_clock_over_http(emulator_server: EmulatorProcess) -> None:
    before = server_date(emulator_server)
    assert abs(before - datetime.now(UTC)) < timedelta(hours=1)
    emulator_server.advance_clock(10 * 86_400)
    after = server_date(emulator_server)
    assert after - before >= timedelta(days=10)
