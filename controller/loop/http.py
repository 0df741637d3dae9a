"""The controller's HTTP endpoints: `/healthz`, `/readyz`, `/status` and `/metrics`.

Why this exists: Kubernetes probes, Prometheus and people need to see how the loop is doing. The
server is uvicorn serving a small Starlette app (both already dependencies, for the emulator),
in the same event loop as the reconcile loop: handlers read the loop's memory between its
awaits, so every response is a consistent snapshot without locks or threads, and a scrape
never waits for a cycle. The caller binds the socket (so `--listen HOST:0` picks a free port
that is known before serving); signals stay with the loop, which stops the server itself.

- `GET /healthz`: 200 while the reconcile loop runs, 503 once it has ended.
- `GET /readyz`: 200 when the last cycle succeeded within 3 intervals, else 503; JSON
  `{"ready": bool, "reason": str}` either way.
- `GET /status`: the versioned status document (docs/controller.md, schema/status.json).
- `GET /metrics`: Prometheus text format.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from controller.loop.decisions import Readiness
from controller.loop.metrics import CONTENT_TYPE

SHUTDOWN_SECONDS = 2


@dataclass(frozen=True)
class Views:
    """What the endpoints show, read at request time."""

    alive: Callable[[], bool]
    ready: Callable[[], Readiness]
    status: Callable[[], dict[str, Any]]
    metrics: Callable[[], bytes]


def create_app(views: Views) -> Starlette:
    async def healthz(_request: Request) -> Response:
        alive = views.alive()
        return JSONResponse({"alive": alive}, status_code=200 if alive else 503)

    async def readyz(_request: Request) -> Response:
        ready = views.ready()
        body = {"ready": ready.ready, "reason": ready.reason}
        return JSONResponse(body, status_code=200 if ready.ready else 503)

    async def status(_request: Request) -> Response:
        return JSONResponse(views.status())

    async def metrics(_request: Request) -> Response:
        return Response(views.metrics(), media_type=CONTENT_TYPE)

    return Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/status", status, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
        ]
    )


class _Server(uvicorn.Server):
    """uvicorn's server without its own signal handling: the loop owns SIGTERM and SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class HttpServer:
    """Serves `views` on an already bound socket until `stop()`."""

    def __init__(self, views: Views, sock: socket.socket) -> None:
        config = uvicorn.Config(
            create_app(views),
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_keep_alive=5,
            timeout_graceful_shutdown=SHUTDOWN_SECONDS,
        )
        self._server = _Server(config)
        self._sock = sock
        self._task: asyncio.Task[None] | None = None

    @property
    def port(self) -> int:
        return int(self._sock.getsockname()[1])

    async def start(self) -> None:
        """Start serving and return once the server accepts connections."""
        self._task = asyncio.create_task(self._server.serve(sockets=[self._sock]))
        while not self._server.started and not self._task.done():
            await asyncio.sleep(0.01)
        if self._task.done():
            self._task.result()  # raises what stopped it

    async def stop(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._task, SHUTDOWN_SECONDS * 2)
        self._sock.close()
