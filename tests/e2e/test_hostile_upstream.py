"""`tenantctl plan` against a hostile upstream (issue 14), as a user runs it: a project list that
never ends, an endless body, bytes trickled slower than any read timeout. Each ends in a clear
error and exit 1 within its deadline and bounded memory, never in a success."""

from __future__ import annotations

import asyncio
import os
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.neon.hostile import (
    Behaviour,
    HostileServer,
    endless_chunked_body,
    hostile_server,
    never_ending_project_list,
    trickled_body,
)


@contextmanager
def serving(behaviour: Behaviour) -> Iterator[HostileServer]:
    """The hostile server in a thread of its own, for a command run in another process."""
    ready = threading.Event()
    stop: asyncio.Event | None = None
    holder: list[HostileServer] = []
    loop = asyncio.new_event_loop()

    async def main() -> None:
        nonlocal stop
        stop = asyncio.Event()
        async with hostile_server(behaviour) as server:
            holder.append(server)
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield holder[0]
    finally:
        assert stop is not None
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.close()


KEY = "hostile-key-1"


def plan_against(server: HostileServer, fleet_dir: Path, **env: str) -> tuple[int, str, float, int]:
    """Run `tenantctl plan`: (exit code, stderr, seconds, peak RSS of the command in KiB)."""
    environ = {
        **os.environ,
        "NEON_API_HOST": server.base_url,
        "NEON_API_KEY": "hostile-key-1",
        **env,
    }
    environ.pop("CI", None)
    started = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = subprocess.run(
        [sys.executable, "-m", "controller", "plan", "--dir", str(fleet_dir)],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return done.returncode, done.stderr, time.monotonic() - started, max(peak, before)


@pytest.mark.parametrize(
    ("behaviour", "env", "expected"),
    [
        (
            never_ending_project_list,
            {"TENANTCTL_MAX_LIST_ITEMS": "4000"},
            "the list is longer than max_list_items (4000)",
        ),
        (endless_chunked_body, {}, "larger than"),
        (
            trickled_body(0.3),
            {"TENANTCTL_REQUEST_DEADLINE_SECONDS": "1", "TENANTCTL_COMMAND_DEADLINE_SECONDS": "6"},
            "did not finish within command_deadline_seconds (6 s)",
        ),
    ],
    ids=["endless-list", "endless-body", "trickle"],
)
def test_a_hostile_upstream_ends_the_command_in_exit_1_within_its_bounds(
    fleet_dir: Path, behaviour: Behaviour, env: dict[str, str], expected: str
) -> None:
    with serving(behaviour) as server:
        code, err, seconds, peak_kib = plan_against(server, fleet_dir, **env)
    assert code == 1, err
    assert err.splitlines()[-1].startswith("tenantctl: error: Neon API: ")  # after any retry log
    assert expected in err
    assert KEY not in err
    assert seconds < 60  # far below what an unbounded read would take (it never ends)
    assert peak_kib < 400 * 1024  # bounded memory: the body is never held whole
