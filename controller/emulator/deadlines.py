"""Deadlines on the emulator's HTTP connections: idle ones close, slow requests are cut off.

Why this exists: uvicorn closes a keep-alive connection left idle after a response, but not one
that never sends anything, and it waits for ever while a request arrives: a client that sends
half its headers and stops, or trickles a byte at a time, holds a connection (and the task behind
it) for as long as it likes. `deadline_protocol` is uvicorn's h11 protocol with two timers:
- idle: a connection with no request in progress (just opened, or after a response) is closed
  after `idle_seconds`;
- request: a request's headers and body must arrive in full within `request_seconds` of its
  first byte, or the connection is closed, with a 408 in Neon's error shape when the headers were
  whole and no response has started (before that, HTTP has no way to answer).
Other connections are served meanwhile: the timers only ever close their own connection.
"""

from __future__ import annotations

import asyncio
import json
from typing import ClassVar

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

_RECEIVING = (h11.IDLE, h11.SEND_BODY)  # the client's side of a request not yet whole


def timeout_response(request_seconds: float) -> bytes:
    """The 408 sent when a request's body does not arrive in time (the connection then closes)."""
    message = f"request not received in full within {request_seconds} s"
    body = json.dumps({"code": "", "message": message}, separators=(",", ":")).encode()
    head = (
        "HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode() + body


class DeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol, with the idle and request deadlines set on the class."""

    idle_seconds: ClassVar[float] = 5.0
    request_seconds: ClassVar[float] = 30.0
    _request_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_idle_timer()

    def data_received(self, data: bytes) -> None:
        if self._request_timer is None:
            self._request_timer = self.loop.call_later(self.request_seconds, self._too_slow)
        super().data_received(data)  # cancels the idle timer
        if self.conn.their_state not in _RECEIVING:
            self._stop_request_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.timeout_keep_alive_task is not None:  # uvicorn's idle timer: ours instead
            self._arm_idle_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_request_timer()
        super().connection_lost(exc)

    def _arm_idle_timer(self) -> None:
        if self.timeout_keep_alive_task is not None:
            self.timeout_keep_alive_task.cancel()
        self.timeout_keep_alive_task = self.loop.call_later(
            self.idle_seconds, self.timeout_keep_alive_handler
        )

    def _stop_request_timer(self) -> None:
        if self._request_timer is not None:
            self._request_timer.cancel()
            self._request_timer = None

    def _too_slow(self) -> None:
        self._request_timer = None
        if self.transport.is_closing():
            return
        headers_whole = self.conn.their_state is h11.SEND_BODY
        if headers_whole and (self.cycle is None or not self.cycle.response_started):
            self.transport.write(timeout_response(self.request_seconds))
        self.transport.close()  # a handler still reading the body sees a disconnect


def deadline_protocol(*, idle_seconds: float, request_seconds: float) -> type[DeadlineProtocol]:
    """A protocol class for `uvicorn.Config(http=...)` with these deadlines."""

    class Configured(DeadlineProtocol):
        pass

    Configured.idle_seconds = idle_seconds
    Configured.request_seconds = request_seconds
    return Configured
