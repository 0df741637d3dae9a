"""Controller mode's process: the loop of cycles, its HTTP server, notifications and stopping.

Why this exists: `tenantctl run` is a long-running reconciler. This module wires one Neon
client (one rate budget for the process), the reconciler, the HTTP endpoints and the notifier
into one event loop, runs a cycle every `interval` (counted from the end of the previous one)
and reads usage when due, and stops cleanly:

- SIGTERM / SIGINT: a cycle that is fetching, planning or reading usage (reads only) is
  cancelled at once; one that is applying starts no new mutation and is given
  `stop_grace_seconds` (20 s) for the mutations already sent to finish (their operations are
  awaited by the client), then cancelled. The HTTP server gets at most 4 s to close and queued
  notifications 3 s to go out: the process exits 0 within Kubernetes' default 30 s.
  A kill at any moment is safe: the core never duplicates a project, whatever was cut short.
- `once`: one cycle (and a usage reading if asked), then the exit code `apply` would give.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import httpx

from controller.logs import get_logger
from controller.loop import decisions
from controller.loop.core import Marks, Target, UsageReading
from controller.loop.cycle import LoopSettings, NeonAccess, Reconciler
from controller.loop.http import HttpServer, Views
from controller.loop.memory import CycleRecord, Memory
from controller.loop.metrics import ControllerMetrics
from controller.loop.neon_meter import MeteredTransport
from controller.loop.notify import Notifier
from controller.loop.records import CycleOutcome
from controller.loop.source import Source
from controller.loop.status import StatusContext, status_document
from controller.neon.client import NeonClient
from controller.neon.settings import NeonSettings

_log = get_logger("loop")
EXIT_OK, EXIT_ERROR = 0, 1
NOTIFY_DRAIN_SECONDS = 3.0
T = TypeVar("T")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ControllerConfig:
    """Everything `tenantctl run` decided from its flags and environment."""

    source: Source
    settings: LoopSettings
    neon_settings: NeonSettings
    transport: httpx.AsyncBaseTransport | None  # None: the network
    network_transport: Callable[[], httpx.AsyncBaseTransport]
    target: Target
    marks: Marks
    state_base: Path  # holds .tenantctl/ (usage cache)
    notify_urls: tuple[str, ...] = ()
    listen: socket.socket | None = None
    once: bool = False
    read_usage: bool = True
    stop_grace_seconds: float = 20.0


async def run_controller(
    config: ControllerConfig, *, clock: Callable[[], datetime] = utc_now
) -> int:
    """Run until stopped (or one cycle with `once`); returns the exit code."""
    metrics = ControllerMetrics()
    memory = Memory(started_at=clock())
    usage = UsageReading(config.neon_settings, config.state_base, clock)
    inner = config.transport or config.network_transport()
    transport = MeteredTransport(usage.wrap(inner), config.neon_settings.host, metrics.neon_request)
    notifier = _notifier(config, metrics, clock)
    stop = asyncio.Event()
    _install_signal_handlers(stop)
    async with NeonClient(config.neon_settings, transport=transport) as client:
        neon = NeonAccess(client, config.target, config.marks, usage)
        reconciler = Reconciler(
            config.source,
            neon,
            config.settings,
            memory=memory,
            metrics=metrics,
            notifier=notifier,
            clock=clock,
        )
        running: list[asyncio.Task[CycleRecord | None]] = []
        server = _server(config, reconciler, running, metrics, clock)
        notifier.start()
        try:
            if server is not None:
                await server.start()
                _log.info("controller_listening", port=server.port, source=config.source.describe())
            running.append(asyncio.create_task(_loop(reconciler, config, stop)))
            last = await running[0]
        finally:
            if server is not None:
                await server.stop()
            await notifier.drain(NOTIFY_DRAIN_SECONDS)
            await notifier.close()
    _log.info("controller_stopped", cycles=memory.cycles)
    return _exit_code(last, once=config.once)


def _notifier(
    config: ControllerConfig, metrics: ControllerMetrics, clock: Callable[[], datetime]
) -> Notifier:
    def counted(event: str, outcome: str) -> None:
        metrics.notifications.labels(event=event, outcome=outcome).inc()

    return Notifier(list(config.notify_urls), clock=clock, on_outcome=counted)


def _exit_code(last: CycleRecord | None, *, once: bool) -> int:
    """`--once`: 0 when the cycle succeeded (or was stopped by a signal), else 1. A loop
    stopped by a signal exits 0."""
    if not once or last is None:
        return EXIT_OK
    ok = last.outcome in (CycleOutcome.SUCCESS, CycleOutcome.INTERRUPTED)
    return EXIT_OK if ok else EXIT_ERROR


async def _loop(
    reconciler: Reconciler, config: ControllerConfig, stop: asyncio.Event
) -> CycleRecord | None:
    last: CycleRecord | None = None
    interval = config.settings.interval.total_seconds()
    while not stop.is_set():
        cycle = asyncio.create_task(reconciler.cycle())
        last = await _until_stop(cycle, reconciler, stop, config.stop_grace_seconds) or last
        if not stop.is_set() and config.read_usage and reconciler.usage_due():
            usage = asyncio.create_task(reconciler.read_usage())
            await _until_stop(usage, reconciler, stop, 0.0)
        if config.once or stop.is_set():
            break
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
    return last


async def _until_stop(
    task: asyncio.Task[T], reconciler: Reconciler, stop: asyncio.Event, grace: float
) -> T | None:
    """The task's result; on a stop, wind it down (see the module docstring) and return
    what it returned if it finished in time, else None."""
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if not task.done():
        reconciler.apply_stop.set()
        if reconciler.phase == "apply" and grace > 0:
            _log.info("controller_stopping", phase="apply", grace_seconds=grace)
            await asyncio.wait({task}, timeout=grace)
        if not task.done():
            _log.info("controller_stopping", phase=reconciler.phase, cancelled=True)
            task.cancel()
            await asyncio.wait({task})
    if task.cancelled():
        return None
    return task.result()


def _server(
    config: ControllerConfig,
    reconciler: Reconciler,
    running: list[asyncio.Task[CycleRecord | None]],
    metrics: ControllerMetrics,
    clock: Callable[[], datetime],
) -> HttpServer | None:
    if config.listen is None:
        return None
    memory, settings = reconciler.memory, config.settings
    context = StatusContext(
        source=config.source.describe(),
        target=config.target.model_dump(mode="json"),
        interval=settings.interval,
        full_refresh_every=settings.full_refresh_every,
        usage_every=settings.usage_every,
        allow_delete=settings.safety.allow_delete,
        max_deletes=settings.safety.max_deletes,
    )

    def ready() -> decisions.Readiness:
        last = memory.last_cycle
        return decisions.readiness(
            now=clock(),
            interval=settings.interval,
            last_outcome=last.outcome if last else None,
            last_finished_at=last.finished_at if last else None,
            last_error=last.error if last else None,
            invalid_errors=memory.invalid.errors if memory.invalid else (),
        )

    views = Views(
        alive=lambda: not running or not running[0].done(),
        ready=ready,
        status=lambda: status_document(memory, context, now=clock(), ready=ready()),
        metrics=metrics.render,
    )
    return HttpServer(views, config.listen)


def _install_signal_handlers(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, _stop_requested, stop, sig)


def _stop_requested(stop: asyncio.Event, sig: signal.Signals) -> None:
    _log.info("controller_signal", signal=sig.name)
    stop.set()
