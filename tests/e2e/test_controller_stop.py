"""Stopped during a cycle of 50 creates (operations of 1 s): after a SIGKILL the next start
carries on; on SIGTERM no new mutation starts, those sent finish and the process exits 0 within
30 s; the next start converges with no duplicate. Also: the apply lock is held for the
controller's life."""

from __future__ import annotations

import dataclasses
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.e2e.conftest import NeonApi
from tests.support.controller_process import ControllerProcess, controller_env, wait_for
from tests.support.emulator_process import EmulatorProcess

TENANTS = 50
EXIT_WITHIN = 30.0


def write_fleet(fleet_dir: Path) -> None:
    for path in (fleet_dir / "tenants").glob("*.yaml"):
        path.unlink()
    for n in range(TENANTS):
        (fleet_dir / "tenants" / f"t{n:02d}.yaml").write_text("plan: free\n")


def creates_seen(server: EmulatorProcess) -> int:
    rows = server.stats()["requests"]
    return sum(r["count"] for r in rows if r["method"] == "POST" and r["route"] == "/projects")


def test_killed_then_stopped_during_creates_the_next_start_converges_without_duplicates(
    emulator_server_factory: Any, fleet_dir: Path, tmp_path: Path, cli: Any
) -> None:
    server: EmulatorProcess = emulator_server_factory(operation_seconds=1.0)
    write_fleet(fleet_dir)
    env = controller_env(server)

    def start(name: str) -> ControllerProcess:
        process = ControllerProcess(
            args=["--dir", str(fleet_dir), "--interval", "1s"],
            cwd=tmp_path,
            env=env,
            log_file=tmp_path / f"{name}.log",
        )
        process.start()
        return process

    # Killed outright (SIGKILL, as a lost node) in the middle of its creates.
    killed = start("killed")
    try:
        wait_for(lambda: creates_seen(server) >= 3, timeout=30, what="creates to start")
    finally:
        killed.kill()

    controller = start("controller")
    try:
        before = creates_seen(server)
        wait_for(lambda: creates_seen(server) >= before + 3, timeout=30, what="more creates")
        # While it runs, the fleet's apply lock is taken: a one-shot apply is refused.
        refused = cli("apply", "--yes", fleet=fleet_dir)
        assert refused.code == 1
        assert "a `tenantctl run` controller holds it" in refused.err
        second = cli("run", "--once", "--emulator", fleet=fleet_dir)  # and so is a second run
        assert second.code == 1
        assert "a `tenantctl run` controller holds it" in second.err
        controller.send(signal.SIGTERM)
        stopped_at = time.monotonic()
        assert controller.wait(timeout=EXIT_WITHIN) == 0
        assert time.monotonic() - stopped_at < EXIT_WITHIN
    finally:
        controller.kill()
    created = creates_seen(server)
    assert created < TENANTS  # stopped mid-cycle
    stopping = [e for e in controller.events() if e["event"] == "controller_stopping"]
    assert stopping[0]["phase"] == "apply"

    # The next start converges, with one project per tenant. (Operations are made instant
    # first, to keep the test short: what matters is what the stopped cycle left behind.)
    server.options = dataclasses.replace(server.options, operation_seconds=0.0)
    server.restart()
    once = subprocess.run(
        [sys.executable, "-m", "controller", "run", "--dir", str(fleet_dir), "--once"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert once.returncode == 0, once.stderr
    api = NeonApi(server)
    names = sorted(p["name"] for p in api.projects())
    api.http.close()
    assert names == [f"t{n:02d}" for n in range(TENANTS)]
