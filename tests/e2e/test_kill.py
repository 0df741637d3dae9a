"""Apply killed at any moment (SIGKILL, no cleanup) converges on the next run, no duplicates."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import FAST_CLIENT, NeonApi, point_cli_at
from tests.support.emulator_process import EmulatorProcess

TENANTS = 24


def write_fleet(fleet_dir: Path) -> None:
    for path in (fleet_dir / "tenants").glob("*.yaml"):
        path.unlink()
    for n in range(TENANTS):
        state = "suspended" if n % 4 == 3 else "active"
        plan = ("free", "pro")[n % 2]
        (fleet_dir / "tenants" / f"t{n:02d}.yaml").write_text(f"plan: {plan}\nstate: {state}\n")


def creates_seen(server: EmulatorProcess) -> int:
    rows = server.stats()["requests"]
    return sum(r["count"] for r in rows if r["method"] == "POST" and r["route"] == "/projects")


@pytest.mark.parametrize("kill_after_creates", [1, 9, 17])
def test_apply_killed_mid_run_converges_without_duplicates(
    emulator_server_factory: Any,
    fleet_dir: Path,
    cli: Any,
    monkeypatch: pytest.MonkeyPatch,
    kill_after_creates: int,
) -> None:
    server: EmulatorProcess = emulator_server_factory(operation_seconds=0.3)
    write_fleet(fleet_dir)
    env = {
        **os.environ,
        **FAST_CLIENT,
        "NEON_API_HOST": server.base_url,
        "NEON_API_KEY": server.api_key,
    }
    env.pop("CI", None)
    child = subprocess.Popen(
        [sys.executable, "-m", "controller", "apply", "--yes", "--dir", str(fleet_dir)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while creates_seen(server) < kill_after_creates and child.poll() is None:
        assert time.monotonic() < deadline, "apply made no progress"
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert creates_seen(server) < TENANTS or kill_after_creates == TENANTS

    point_cli_at(monkeypatch, server)
    result = cli("apply", "--yes")
    assert result.code == 0, result.out + result.err
    api = NeonApi(server)
    names = [p["name"] for p in api.projects()]
    api.http.close()
    assert sorted(names) == [f"t{n:02d}" for n in range(TENANTS)]
    assert cli("plan", "--detailed-exitcode").code == 0
