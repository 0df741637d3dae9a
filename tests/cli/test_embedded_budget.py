"""The embedded emulator is for trying things: neither it nor the client paces requests.

A standalone `tenantctl emulator` keeps Neon's limits (tests/emulator/test_ratelimit.py).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from controller.cli.connection import connect
from controller.neon.ratelimit import RateLimiter, RateLimits


def waits(limits: RateLimits, requests: int) -> float:
    """The longest wait the client's limiter imposes on `requests` sent at one instant."""
    limiter = RateLimiter(limits)
    return max(
        limiter.reserve("GET /projects", consumption=False, now=0.0) for _ in range(requests)
    )


def test_neither_the_embedded_emulator_nor_the_client_paces_requests(tmp_path: Path) -> None:
    connection = connect(tmp_path, emulator_flag=True, environ={})
    try:
        assert connection.settings.pace is False  # the client's limiter never waits
        assert connection.transport is not None

        async def burst() -> list[int]:
            async with httpx.AsyncClient(
                transport=connection.transport, base_url=connection.settings.host
            ) as client:
                headers = {"Authorization": f"Bearer {connection.settings.api_key}"}
                sent = [client.get("/projects", headers=headers) for _ in range(120)]
                return [response.status_code for response in await asyncio.gather(*sent)]

        assert set(asyncio.run(burst())) == {200}  # no 429 past 40 per second on one route
    finally:
        connection.close()


def test_a_budget_set_in_the_environment_still_applies_to_the_embedded_emulator(
    tmp_path: Path,
) -> None:
    connection = connect(
        tmp_path, emulator_flag=True, environ={"TENANTCTL_REQUESTS_PER_MINUTE": "60"}
    )
    connection.close()
    assert connection.settings.pace is True
    # A burst (Neon's 40 less the headroom kept for jitter: 30), then one a second.
    burst = int(40 * (1 - connection.settings.burst_headroom))
    assert waits(RateLimits.from_settings(connection.settings), 100) == 100 - burst
