"""A plain `tenantctl emulator` keeps Neon's rate limits and the network limits by default.

The test servers turn rate limits off (`EmulatorOptions` passes `--rate-per-minute=0` and so on);
here every such flag is left out, as a partner starting the emulator by hand would, and the
server must still answer 429 where Neon would: beyond 40 requests/s on one route and beyond
about 50 requests/min to the consumption endpoints. It announces what it enforces in one line.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

import httpx

from tests.support.fixtures_emulator import ServerFactory


def consumption_query() -> dict[str, str]:
    """The last two whole days (within the daily history's retention, whatever today is)."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)

    def day(at: datetime) -> str:
        return at.strftime("%Y-%m-%dT%H:%M:%SZ")

    return {"from": day(today - timedelta(days=2)), "to": day(today), "granularity": "daily"}


def test_a_standalone_emulator_keeps_neons_limits_by_default(
    emulator_server_factory: ServerFactory,
) -> None:
    server = emulator_server_factory(
        rate_per_minute=None, burst_per_second=None, consumption_rate_per_minute=None
    )
    settings = re.search(r"^emulator_settings .*$", server.log(), re.MULTILINE)
    assert settings is not None
    assert settings.group(0).split()[1:] == [
        "neon_api_auth=api-key",
        "control_api_auth=api-key",
        "rate_per_minute=700",
        "burst_per_second=40",
        "consumption_rate_per_minute=50",
        "max_body_bytes=1048576",
        "idle_timeout_seconds=5.0",
        "request_timeout_seconds=30.0",
    ]

    async def statuses() -> tuple[list[int], list[int]]:
        async with httpx.AsyncClient(
            base_url=server.base_url, headers=server.auth_headers, trust_env=False, timeout=10
        ) as http:
            burst = await asyncio.gather(*(http.get("/regions") for _ in range(100)))
            query = consumption_query()
            consumption = [
                (await http.get("/consumption_history/projects", params=query)).status_code
                for _ in range(56)
            ]
        return [r.status_code for r in burst], consumption

    burst, consumption = asyncio.run(statuses())
    # 40 at once, then 40/s: the 100 would need over 1.5 s for none to be refused.
    assert burst.count(200) >= 40
    assert burst.count(429) >= 1
    assert set(burst) == {200, 429}
    # 50 at once, then 50/min: fewer than 5 refusals would need the 56 calls to take over 2.4 s.
    assert consumption[:50] == [200] * 50
    assert consumption.count(429) >= 5
