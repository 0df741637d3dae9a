"""Notifications: retried with backoff in the background, never blocking, never fatal; the body
is Slack-compatible and carries the structured fields."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
from structlog.testing import capture_logs

from controller.loop import events
from controller.loop.notify import DeliveryPolicy, Notifier
from controller.loop.records import FleetError
from tests.neon.fakes import FakeClock

AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
URL = "https://hooks.example.test/services/T000/B000/secret-token"
EVENT = events.tenant_event(events.APPLY_FAILED, "example", "abc123", "acme", "Neon API: 500")


def receiver(statuses: list[int], seen: list[httpx.Request]) -> httpx.MockTransport:
    """Answers each POST with the next status (the last one repeats)."""

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        status = statuses[min(len(seen), len(statuses)) - 1]
        headers = {"Retry-After": "7"} if status == 429 else {}
        return httpx.Response(status, headers=headers, text="ok")

    return httpx.MockTransport(handle)


def deliver(statuses: list[int], *, draw: Callable[[], float] = lambda: 0.0) -> tuple[
    bool, list[float], list[httpx.Request], list[dict[str, object]]
]:  # fmt: skip
    clock, seen = FakeClock(), list[httpx.Request]()

    async def run() -> bool:
        notifier = Notifier(
            [URL],
            clock=lambda: AT,
            sleep=clock.sleep,
            draw=draw,
            transport=receiver(statuses, seen),
        )
        try:
            return await notifier.deliver(URL, EVENT, AT)
        finally:
            await notifier.close()

    with capture_logs() as logs:
        delivered = asyncio.run(run())
    return delivered, clock.sleeps, seen, logs


def test_a_failing_endpoint_is_retried_with_exponential_backoff() -> None:
    delivered, sleeps, seen, _ = deliver([503, 502, 200])
    assert delivered
    assert len(seen) == 3
    assert sleeps == [1.0, 2.0]  # DeliveryPolicy's backoff, jitter drawn at 0


def test_retry_after_is_honoured_and_jitter_shortens_delays() -> None:
    _, sleeps, _, _ = deliver([429, 200])
    assert sleeps == [7.0]
    _, sleeps, _, _ = deliver([503, 200], draw=lambda: 1.0)
    assert sleeps == [0.7]  # 1.0 * (1 - 0.3)


def test_a_dead_endpoint_is_logged_and_given_up_never_raised() -> None:
    delivered, sleeps, seen, logs = deliver([503])
    assert not delivered
    assert len(seen) == DeliveryPolicy().attempts
    assert sleeps == [1.0, 2.0, 4.0, 8.0, 16.0]
    failed = [entry for entry in logs if entry["event"] == "notification_failed"]
    assert failed[-1]["will_retry"] is False
    assert all(entry["endpoint"] == "https://hooks.example.test" for entry in failed)
    assert "secret-token" not in json.dumps(logs, default=str)


def test_a_refusal_is_not_retried() -> None:
    delivered, sleeps, seen, _ = deliver([400])
    assert (delivered, sleeps, len(seen)) == (False, [], 1)


def test_send_never_waits_for_a_slow_endpoint() -> None:
    async def run() -> tuple[float, list[tuple[str, str]]]:
        outcomes: list[tuple[str, str]] = []
        release = asyncio.Event()

        async def slow(request: httpx.Request) -> httpx.Response:
            await release.wait()
            return httpx.Response(200)

        notifier = Notifier(
            [URL],
            clock=lambda: AT,
            on_outcome=lambda event, outcome: outcomes.append((event, outcome)),
            policy=DeliveryPolicy(queue_size=2),
            transport=httpx.MockTransport(slow),
        )
        notifier.start()
        loop = asyncio.get_running_loop()
        started = loop.time()
        for _ in range(4):  # one in delivery, two queued, the oldest queued one dropped
            notifier.send(EVENT)
            await asyncio.sleep(0)
        elapsed = loop.time() - started
        release.set()
        await notifier.drain(5)
        await notifier.close()
        return elapsed, outcomes

    elapsed, outcomes = asyncio.run(run())
    assert elapsed < 0.5
    assert sorted(outcomes) == [("apply_failed", "delivered")] * 3 + [("apply_failed", "dropped")]


def test_the_body_is_slack_compatible_and_structured() -> None:
    error = FleetError("tenants/<!channel>.yaml", 2, 8, "bad", "tenants/<!channel>.yaml:2:8: bad")
    event = events.invalid_revision("example", "0123456789abcdef", (error,))
    body = event.payload(AT)
    assert body["text"] == (
        "tenantctl [error] revision 0123456789ab does not validate (1 error); the last good "
        "revision stays in force: tenants/&lt;!channel&gt;.yaml:2:8: bad"
    )
    assert body["event"] == "invalid_revision"
    assert body["revision"] == "0123456789abcdef"
    assert body["errors"] == [
        {"path": "tenants/<!channel>.yaml", "line": 2, "column": 8, "message": "bad"}
    ]
    assert body["at"] == "2026-06-01T12:00:00+00:00"
