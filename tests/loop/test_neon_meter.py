"""Neon request metrics: each attempt counted by method, route template and status."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from controller.loop.neon_meter import MeteredTransport, route_of


@pytest.mark.parametrize(
    ("path", "route"),
    [
        ("/api/v2/projects", "/projects"),
        ("/api/v2/projects/plain-sun-123456", "/projects/{project_id}"),
        (
            "/api/v2/projects/plain-sun-123456/endpoints/ep-cool-42",
            "/projects/{project_id}/endpoints/{endpoint_id}",
        ),
        (
            "/api/v2/projects/p-1/operations/2b1c-op",
            "/projects/{project_id}/operations/{operation_id}",
        ),
        ("/api/v2/consumption_history/projects", "/consumption_history/projects"),
        ("/api/v2/projects/p-1/secrets/password", "other"),
    ],
)
def test_a_path_is_counted_under_its_route_template(path: str, route: str) -> None:
    assert route_of(path, "/api/v2") == route


def test_statuses_and_transport_errors_are_recorded() -> None:
    seen: list[tuple[str, str, str]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/branches"):
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(429 if request.method == "PATCH" else 200, json={})

    async def run() -> None:
        transport = MeteredTransport(
            httpx.MockTransport(handle), "https://neon.test/api/v2", lambda *s: seen.append(s)
        )
        async with httpx.AsyncClient(transport=transport, base_url="https://neon.test/api/v2") as c:
            await c.get("/projects/p-1")
            await c.patch("/projects/p-1", json={})
            with pytest.raises(httpx.ConnectError):
                await c.get("/projects/p-1/branches")

    asyncio.run(run())
    assert seen == [
        ("GET", "/projects/{project_id}", "200"),
        ("PATCH", "/projects/{project_id}", "429"),
        ("GET", "/projects/{project_id}/branches", "transport_error"),
    ]
