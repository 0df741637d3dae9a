"""Neon faults (503s, 429s, latency) during cycles: the loop keeps running and converges, the
request metrics count them, and /readyz turns 503 while cycles cannot finish."""

from __future__ import annotations

import signal
from pathlib import Path

from tests.e2e.conftest import NeonApi
from tests.e2e.test_controller_git import sample
from tests.support.controller_process import ControllerProcess, controller_env, wait_for
from tests.support.emulator_process import EmulatorProcess

TENANTS = ["acme", "globex", "hooli", "initech", "stark", "umbrella", "wayne"]


def test_the_loop_survives_neon_faults_and_readyz_reflects_failing_cycles(
    emulator_server: EmulatorProcess, fleet_dir: Path, tmp_path: Path
) -> None:
    emulator_server.set_faults(status_rates={"503": 0.2, "429": 0.1}, latency_ms=20)
    controller = ControllerProcess(
        args=["--dir", str(fleet_dir), "--interval", "1s"],
        cwd=tmp_path,
        env=controller_env(emulator_server),
        log_file=tmp_path / "controller.log",
    )
    controller.start()
    neon = NeonApi(emulator_server)
    try:
        # Converges through the faults: a later cycle succeeds and finds every tenant in sync.
        def converged() -> bool:
            last = controller.status()["last_cycle"]
            return bool(last) and last["outcome"] == "success" and not last["plan"]["has_changes"]

        wait_for(converged, timeout=60, what="convergence")
        assert controller.get("/readyz").status_code == 200
        results = {t["result"] for t in controller.status()["tenants"].values()}
        assert results == {"in_sync"}
        assert sample(controller, "tenantctl_neon_rate_limited_total") > 0
        unavailable = [
            sample(controller, "tenantctl_neon_requests_total", method=m, route=r, status="503")
            for m, r in (("GET", "/projects"), ("POST", "/projects"))
        ]
        assert sum(unavailable) > 0

        # Neon answers nothing but 503: no cycle can finish, and /readyz says so.
        emulator_server.set_faults(status_rates={"503": 1.0})
        not_ready = wait_for(
            lambda: (r := controller.get("/readyz")).status_code == 503 and r.json(),
            timeout=15,
            what="/readyz to turn 503",
        )
        assert "more than 3 intervals" in not_ready["reason"]
        assert controller.get("/healthz").status_code == 200  # the loop itself is alive

        # Neon is back: the loop, which never stopped, is ready again.
        emulator_server.set_faults()
        wait_for(lambda: controller.get("/readyz").status_code == 200, timeout=30, what="ready")
        assert sorted(p["name"] for p in neon.projects()) == TENANTS  # once each
        assert controller.stop(signal.SIGTERM) == 0
    finally:
        neon.http.close()
        controller.kill()
