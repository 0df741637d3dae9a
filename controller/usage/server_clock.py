"""Neon's clock, as its responses tell it: a transport wrapper that records the `Date` header.

Why this exists: usage is measured against the server's time, not the laptop's. The counters Neon
returns are as of its own clock, and so is the billing period they belong to; a local clock that
is off (or, against the emulator, a server clock moved forward by a test) would misplace "now"
inside the period and skew every projection. Every HTTP response carries a `Date` header (RFC
9110), so wrapping the client's transport gives Neon's time without another request and without
touching the client. When no response had a usable `Date`, the local clock is used instead, and
the reading says which clock it used.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal
from urllib.parse import urlsplit

import httpx

from controller.neon.settings import NeonSettings

LocalClock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def parse_http_date(value: str) -> datetime | None:
    """An HTTP `Date` value (`Sun, 15 Jun 2025 12:00:00 GMT`) as UTC, None if unreadable."""
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:  # "-0000" means UTC with unknown local zone (RFC 5322)
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


class ServerClock:
    """The latest server time seen in a response, or the local clock when none was seen."""

    def __init__(self, local: LocalClock = utc_now) -> None:
        self._local = local
        self._latest: datetime | None = None

    def record(self, values: list[str]) -> None:
        """Remember the time of one response's `Date` header(s); unreadable values are ignored.

        Of several values the last is the server's own (a proxy or web server prepends its own
        header before the application's); times only move forward across responses.
        """
        parsed = [moment for value in values if (moment := parse_http_date(value)) is not None]
        if parsed and (self._latest is None or parsed[-1] > self._latest):
            self._latest = parsed[-1]

    def now(self) -> tuple[datetime, Literal["server", "local"]]:
        """Neon's time (from the latest response) or the local time, and which one it is."""
        if self._latest is not None:
            return self._latest, "server"
        return self._local().astimezone(UTC), "local"


class DateRecordingTransport(httpx.AsyncBaseTransport):
    """Passes every request to `inner` and records each response's `Date` in `clock`."""

    def __init__(self, inner: httpx.AsyncBaseTransport, clock: ServerClock) -> None:
        self._inner = inner
        self._clock = clock

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        self._clock.record(response.headers.get_list("date"))
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def environment_proxy(url: str) -> str | None:
    """The proxy the environment sets for `url` (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), if any."""
    parts = urlsplit(url)
    proxy = urllib.request.getproxies().get(parts.scheme)
    if not proxy or urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    return proxy


def network_transport(settings: NeonSettings) -> httpx.AsyncBaseTransport:
    """The transport the client would have made itself for a real host: the same connection
    limit, and the environment's proxy (a client given a transport no longer reads it)."""
    return httpx.AsyncHTTPTransport(
        limits=httpx.Limits(max_connections=settings.max_connections),
        proxy=environment_proxy(settings.host),
    )
