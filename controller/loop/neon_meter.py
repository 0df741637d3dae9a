"""Count every Neon API request by method, route template and status, without touching the client.

Why this exists: `tenantctl_neon_requests_total` and `tenantctl_neon_rate_limited_total` need
the outcome of each HTTP attempt (retries included), and the client exposes none. Its transport
is the seam (the same one tests and `tenantctl usage` use): `MeteredTransport` wraps the
transport the client is built with and reports each exchange.

Paths are reduced to the route templates of `controller.neon.routes` (`/projects/{project_id}`):
an id never becomes a label value, and an unknown path is counted as `other`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx

from controller.neon import routes
from controller.neon.routes import Route

Record = Callable[[str, str, str], None]  # method, route template, status
KNOWN_METHODS = frozenset({"GET", "POST", "PATCH", "PUT", "DELETE", "HEAD", "OPTIONS"})
OTHER = "other"


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[a-z_]+\})", template)
    body = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{body}/?$")


_TEMPLATES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    sorted(
        {(r.template, _pattern(r.template)) for r in vars(routes).values() if isinstance(r, Route)},
        key=lambda item: item[0],
    )
)


def route_of(path: str, base_path: str) -> str:
    """The route template of an API path (`base_path` is the host's path, e.g. `/api/v2`)."""
    relative = path[len(base_path) :] if path.startswith(base_path) else path
    for template, pattern in _TEMPLATES:
        if pattern.match(relative):
            return template
    return OTHER


class MeteredTransport(httpx.AsyncBaseTransport):
    """Passes each request to `inner` and reports (method, route, status) to `record`."""

    def __init__(self, inner: httpx.AsyncBaseTransport, host: str, record: Record) -> None:
        self._inner = inner
        self._base_path = urlsplit(host).path.rstrip("/")
        self._record = record

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        method = request.method if request.method in KNOWN_METHODS else OTHER
        route = route_of(request.url.path, self._base_path)
        try:
            response = await self._inner.handle_async_request(request)
        except httpx.TransportError:
            self._record(method, route, "transport_error")
            raise
        self._record(method, route, str(response.status_code))
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()
