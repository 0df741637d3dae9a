"""`serve(config, host, port)`: the emulator over real HTTP until SIGINT or SIGTERM.

Why this exists: tests and demos need a real server a separate process can talk to. It binds the
socket itself, so `port=0` picks a free port that is known before serving, prints what it enforces
(`emulator_settings ...`: who must show a key, rate limits, body size, deadlines; never a key) and
then one line when it listens (`emulator_listening host=... port=... base_url=...`) for a parent
process to wait on, closes idle and slow connections on the configured deadlines
(`deadlines.py`), and on SIGINT/SIGTERM lets requests in flight finish, closes the state store and
returns normally.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import sys
from collections.abc import Iterator

import uvicorn

from controller.emulator.app import API_PREFIX, create_app
from controller.emulator.config import EmulatorConfig
from controller.emulator.deadlines import deadline_protocol
from controller.emulator.gateway import is_dropped_response

_HANDLED_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _Server(uvicorn.Server):
    """uvicorn's server, minus re-raising the stop signal after a graceful shutdown."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in _HANDLED_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


class _QuietDrops(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not is_dropped_response(record)


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket; OSError (port in use, unknown host) propagates to the caller.

    The protocol is given explicitly: asyncio only turns Nagle's algorithm off (TCP_NODELAY) on
    connections from sockets whose `proto` is IPPROTO_TCP, and without that every keep-alive
    response waits ~40 ms for a delayed ACK.
    """
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def base_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}{API_PREFIX}"


def settings_line(config: EmulatorConfig) -> str:
    """`emulator_settings ...`: what the server enforces, for whoever runs it (no key shown)."""
    if config.control_key is not None:
        control = "control-key"
    else:
        control = "api-key" if config.api_key is not None else "none"
    fields = {
        "neon_api_auth": "api-key" if config.api_key is not None else "any-key",
        "control_api_auth": control,
        "rate_per_minute": config.rate_per_minute,
        "burst_per_second": config.burst_per_second,
        "consumption_rate_per_minute": config.consumption_rate_per_minute,
        "max_body_bytes": config.max_body_bytes,
        "idle_timeout_seconds": float(config.idle_timeout_seconds),
        "request_timeout_seconds": float(config.request_timeout_seconds),
    }
    return "emulator_settings " + " ".join(f"{name}={value}" for name, value in fields.items())


async def _run(server: _Server, sock: socket.socket, host: str, settings: str) -> None:
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not task.done():
        await asyncio.sleep(0.01)
    if server.started:
        port = sock.getsockname()[1]
        print(settings, flush=True)
        print(
            f"emulator_listening host={host} port={port} base_url={base_url(host, port)}",
            flush=True,
        )
    await task


def serve(config: EmulatorConfig, host: str = "127.0.0.1", port: int = 4010) -> None:
    """Serve until SIGINT/SIGTERM. Raises OSError if the address cannot be bound and
    `StateFileError` if the state file cannot be used."""
    app = create_app(config)
    try:
        sock = bind(host, port)
    except OSError:
        app.emulator.close()
        raise
    logging.getLogger("uvicorn.error").addFilter(_QuietDrops())
    protocol = deadline_protocol(
        idle_seconds=config.idle_timeout_seconds, request_seconds=config.request_timeout_seconds
    )
    uvicorn_config = uvicorn.Config(
        app,
        http=protocol,
        lifespan="off",
        access_log=False,
        log_level="warning",
        date_header=False,
    )
    try:
        asyncio.run(_run(_Server(uvicorn_config), sock, host, settings_line(config)))
    finally:
        sock.close()
        app.emulator.close()
    print("emulator_stopped", flush=True, file=sys.stdout)
