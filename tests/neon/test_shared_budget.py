"""Two processes on one API key share one budget through a file (issue 12): together they stay
within Neon's limits with no 429, where each alone with its own limiter would not."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from controller.neon import NeonClient, NeonSettings, ProjectCreate, RateLimiterRegistry
from controller.neon.ratelimit import RateLimits, SharedRateLimiter
from tests.neon.fakes import API_KEY, FakeClock
from tests.support.emulator_process import EmulatorProcess

pytestmark = pytest.mark.anyio

REPO = Path(__file__).resolve().parents[2]
BURST = 40  # reads per process: together twice the per-route burst Neon allows


def burst_from_two_processes(server: EmulatorProcess, project_id: str, shared: Path | None) -> int:
    """Start two workers, let them burst at the same moment, return the 429s Neon answered."""
    before = _count_429(server.stats())
    command = [sys.executable, "-m", "tests.neon.burst_worker", server.base_url, server.api_key]
    command += [project_id, str(BURST), *([str(shared)] if shared else [])]
    workers = [
        subprocess.Popen(
            command, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    try:
        for worker in workers:
            assert worker.stdout is not None
            assert worker.stdout.readline().strip() == "ready"
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        outputs = [worker.communicate(timeout=60)[0] for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    assert [output.strip() for output in outputs] == [f"done {BURST}"] * 2
    return _count_429(server.stats()) - before


def _count_429(stats: dict[str, Any]) -> int:
    return sum(row["count"] for row in stats["requests"] if row["status"] == 429)


async def _a_project(server: EmulatorProcess) -> str:
    settings = NeonSettings(api_key=server.api_key, host=server.base_url)
    async with NeonClient(settings, limiters=RateLimiterRegistry()) as client:
        return (await client.create_project(ProjectCreate(name="tenant-shared"))).project.id


async def test_two_processes_sharing_the_limiter_file_get_no_429_and_without_it_do(
    emulator_server_factory: Callable[..., EmulatorProcess], tmp_path: Path
) -> None:
    limits = {"rate_per_minute": 700, "burst_per_second": 40}  # Neon's, as `tenantctl emulator`
    shared_server = emulator_server_factory(**limits)
    shared = burst_from_two_processes(shared_server, await _a_project(shared_server), tmp_path)
    apart_server = emulator_server_factory(**limits)
    apart = burst_from_two_processes(apart_server, await _a_project(apart_server), None)
    assert shared == 0
    assert apart > 0  # the same bursts, each process on its own limiter: Neon refuses some
    state_files = list(tmp_path.iterdir())
    assert len(state_files) == 1
    assert stat.S_IMODE(state_files[0].stat().st_mode) == 0o600
    assert server_key_absent(state_files[0], shared_server.api_key)


def server_key_absent(path: Path, key: str) -> bool:
    return key not in path.name and key not in path.read_text()


def test_limiters_sharing_a_directory_draw_from_the_same_buckets(tmp_path: Path) -> None:
    """Two limiters (as in two processes) on one file: the second sees the first's burst."""
    clock = FakeClock()
    settings = NeonSettings(api_key=API_KEY, host="https://neon.test/api/v2")
    limits = RateLimits.from_settings(settings)
    first, second = (
        RateLimiterRegistry().limiter_for(
            settings.host, API_KEY, limits, clock=clock, shared_dir=tmp_path
        )
        for _ in range(2)
    )
    assert isinstance(first, SharedRateLimiter)
    assert first is not second
    waits = [
        limiter.reserve("GET /projects", consumption=False, now=clock())
        for limiter in [first, second] * 25
    ]
    # One burst between them, not one each: Neon's 40, less the headroom kept for jitter.
    burst = int(40 * (1 - settings.burst_headroom))
    assert waits[:burst] == [0.0] * burst
    assert all(wait > 0 for wait in waits[burst:])
    late = len(waits) - burst
    assert waits[-1] == pytest.approx(late / (700 / 60), abs=1e-4)  # stored on the wall clock


def test_the_state_file_is_private_and_named_by_a_digest(tmp_path: Path) -> None:
    directory = tmp_path / "state"
    registry = RateLimiterRegistry()
    limiter = registry.limiter_for(
        "https://neon.test/api/v2",
        API_KEY,
        RateLimits.from_settings(NeonSettings(api_key=API_KEY)),
        shared_dir=directory,
    )
    limiter.reserve("GET /projects", consumption=False, now=1.0)
    (path,) = directory.iterdir()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert API_KEY not in path.name
    assert API_KEY not in path.read_text()
    assert path.name.startswith("ratelimit-")


def test_a_damaged_state_file_is_forgotten_not_fatal(tmp_path: Path) -> None:
    registry = RateLimiterRegistry()
    limits = RateLimits.from_settings(NeonSettings(api_key=API_KEY))
    limiter = registry.limiter_for("https://n/api/v2", API_KEY, limits, shared_dir=tmp_path)
    limiter.reserve("GET /projects", consumption=False, now=1.0)
    (path,) = tmp_path.iterdir()
    path.write_text("{not json")
    os.chmod(path, 0o644)
    assert limiter.reserve("GET /projects", consumption=False, now=1.0) >= 0.0
    assert path.read_text().startswith("{")
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # an open file keeps its mode; new ones 0600


async def test_pace_false_sends_at_once_and_a_429_is_still_retried(clock: FakeClock) -> None:
    answers = iter([httpx.Response(429, json={"code": "", "message": "slow down"})])

    def neon(request: httpx.Request) -> httpx.Response:
        return next(answers, httpx.Response(200, json={"endpoints": []}))

    settings = NeonSettings(
        api_key=API_KEY, host="https://neon.test/api/v2", pace=False, requests_per_minute=1
    )
    async with NeonClient(
        settings,
        transport=httpx.MockTransport(neon),
        clock=clock,
        sleep=clock.sleep,
        rng=lambda: 0.5,
        limiters=RateLimiterRegistry(),
    ) as client:
        for _ in range(5):
            assert await client.list_endpoints("tenant-a") == []
    assert clock.sleeps == [0.375]  # only the retry's backoff: never a pacing wait
