"""HTTP/1.1 over a bare socket, for tests of what a well-behaved client never does.

Why this exists: httpx always sends whole, well-formed requests at full speed. Tests of the
emulator as a network service need a client that announces a huge body and sends none, stops
half-way through its headers, or trickles a byte at a time; this module gives them a socket on the
server and a way to read whatever comes back, and when the server closed the connection.
"""

from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def connect(host: str, port: int, timeout: float = 10.0) -> socket.socket:
    """A connected TCP socket whose reads give up after `timeout` seconds."""
    sock = socket.create_connection((host, port), timeout=timeout)
    sock.settimeout(timeout)
    return sock


def request_head(method: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [
        f"{method} {path} HTTP/1.1",
        "Host: emulator",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_until_closed(sock: socket.socket, limit: int = 1 << 20) -> bytes:
    """Everything the server sends until it closes the connection (a reset counts as closed).

    Raises TimeoutError if the server neither sends nor closes within the socket's timeout.
    """
    received = b""
    while len(received) < limit:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        received += chunk
    return received


def seconds_until_closed(sock: socket.socket) -> tuple[float, bytes]:
    """How long until the server closes the connection, and what it sent meanwhile."""
    started = time.monotonic()
    received = read_until_closed(sock)
    return time.monotonic() - started, received


def read_response(sock: socket.socket) -> RawResponse:
    """One response (status line, headers and a Content-Length body) from the socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before a whole response head: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return RawResponse(int(status_line.split()[1]), headers, body[:length])
