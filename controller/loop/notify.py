"""Deliver notifications to `--notify-url` endpoints in the background, with retries.

Why this exists: an operator must hear of failures and recoveries, but a slow or dead webhook
must never hold up reconciliation. `Notifier.send` only queues (one bounded queue per URL, the
oldest event dropped when full); one worker per URL POSTs the event's JSON body, retrying
transport errors, 5xx, 408 and 429 with exponential backoff and jitter (Retry-After honoured),
and gives up after `attempts` with a log line and a metric, never an error. Other 4xx answers
are not retried. Sleep and the random draw are injected so tests never wait.

A webhook URL is a secret (Slack's holds its token in the path): logs name only its scheme and
host, and no URL is ever a metric label.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import httpx

from controller.logs import get_logger
from controller.loop.events import Event
from controller.neon.backoff import Backoff, parse_retry_after

_log = get_logger("notify")
RETRIED_STATUSES = frozenset({408, 429})
DEFAULT_BACKOFF = Backoff(initial=1.0, multiplier=2.0, maximum=60.0, jitter=0.3)
Outcome = Callable[[str, str], None]  # event, outcome (delivered / failed / dropped)


@dataclass(frozen=True)
class DeliveryPolicy:
    attempts: int = 6
    backoff: Backoff = DEFAULT_BACKOFF
    retry_after_max_seconds: float = 300.0
    timeout_seconds: float = 10.0
    queue_size: int = 500


def endpoint_name(url: str) -> str:
    """What logs show of a webhook URL: scheme and host only."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '?'}"


class Notifier:
    """Queues events for each URL and delivers them from background workers."""

    def __init__(
        self,
        urls: list[str],
        *,
        clock: Callable[[], datetime],
        on_outcome: Outcome | None = None,
        policy: DeliveryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        draw: Callable[[], float] = random.random,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._urls = list(dict.fromkeys(urls))
        self._clock = clock
        self._on_outcome = on_outcome or (lambda _event, _outcome: None)
        self._policy = policy or DeliveryPolicy()
        self._sleep, self._draw = sleep, draw
        self._queues = {url: asyncio.Queue[tuple[Event, datetime]]() for url in self._urls}
        self._http = httpx.AsyncClient(
            transport=transport,
            timeout=self._policy.timeout_seconds,
            follow_redirects=False,
            trust_env=False,
        )
        self._workers: list[asyncio.Task[None]] = []

    def start(self) -> None:
        """Start one delivery worker per URL (in the running event loop)."""
        self._workers = [asyncio.create_task(self._work(url)) for url in self._urls]

    def send(self, event: Event) -> None:
        """Queue `event` for every URL; returns at once."""
        _log.info("notification_queued", notify_event=event.event, tenant=event.tenant)
        for url, queue in self._queues.items():
            if queue.qsize() >= self._policy.queue_size:
                dropped, _ = queue.get_nowait()
                queue.task_done()
                self._on_outcome(dropped.event, "dropped")
                _log.warning(
                    "notification_dropped", endpoint=endpoint_name(url), notify_event=dropped.event
                )
            queue.put_nowait((event, self._clock()))

    async def drain(self, timeout: float) -> None:
        """Wait up to `timeout` seconds for queued events to be delivered (or given up)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(*(q.join() for q in self._queues.values())), timeout
            )

    async def close(self) -> None:
        for worker in self._workers:
            worker.cancel()
        for worker in self._workers:
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        await self._http.aclose()

    async def _work(self, url: str) -> None:
        queue = self._queues[url]
        while True:
            event, at = await queue.get()
            try:
                delivered = await self.deliver(url, event, at)
                self._on_outcome(event.event, "delivered" if delivered else "failed")
            finally:
                queue.task_done()

    async def deliver(self, url: str, event: Event, at: datetime) -> bool:
        """POST one event, retrying per the policy; True when an endpoint accepted it."""
        body = event.payload(at)
        for attempt in range(self._policy.attempts):
            status, retry_after = await self._post(url, body)
            if status is not None and 200 <= status < 300:
                return True
            retried = status is None or status >= 500 or status in RETRIED_STATUSES
            last = attempt + 1 >= self._policy.attempts
            _log.warning(
                "notification_failed",
                endpoint=endpoint_name(url),
                notify_event=event.event,
                status=status,
                attempt=attempt + 1,
                will_retry=retried and not last,
            )
            if not retried or last:
                return False
            delay = self._policy.backoff.delay(attempt, self._draw)
            if retry_after is not None:
                delay = min(max(delay, retry_after), self._policy.retry_after_max_seconds)
            await self._sleep(delay)
        return False

    async def _post(self, url: str, body: dict[str, object]) -> tuple[int | None, float | None]:
        """The status (None on a transport error) and Retry-After; the body is never read."""
        try:
            async with self._http.stream("POST", url, json=body) as response:
                retry_after = parse_retry_after(response.headers.get("retry-after"))
                return response.status_code, retry_after
        except httpx.HTTPError as error:
            _log.info(
                "notification_transport_error",
                endpoint=endpoint_name(url),
                error=type(error).__name__,
            )
            return None, None
