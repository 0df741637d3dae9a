"""Neon faults (503s, 429s, latency) during cycles: the loop keeps running and converges, the
request metrics count them, /readyz turns 503 while cycles cannot finish, and a stop in the
middle of such a cycle still exits 0. (Recovery of /readyz is shown by test_controller_git.)"""

from __future__ import annotations

import signal
from pathlib import Path

from tests.e2e.conftest import NeonApi
from tests.e2e.test_controller_git import sample, samples
from tests.support.controller_process import ControllerProcess, controller_env, wait_for
from tests.support.emulator_process import EmulatorProcess

TENANTS = ["acme", "globex", "hooli", "initech", "stark", "umbrella", "wayne"]


def test_the_loop_survives_neon_faults_and_readyz_reflects_failing_cycles(
    emulator_server: EmulatorProcess, fleet_dir: Path, tmp_path: Path
) -> None:
    emulator_server.set_faults(status_rates={"503": 0.15, "429": 0.1}, latency_ms=20)
    controller = ControllerProcess(
        args=["--dir", str(fleet_dir), "--interval", "1s"],
        cwd=tmp_path,
        env=controller_env(emulator_server),
        log_file=tmp_path / "controller.log",
    )
    controller.start()
    neon = NeonApi(emulator_server)
    try:
        # Converges through the faults, which the request metrics count as they come: a cycle
        # succeeds and finds every tenant in sync, after 503s and 429s were answered.
        def converged_through_faults() -> bool:
            last = controller.status()["last_cycle"]
            converged = bool(last) and last["outcome"] == "success"
            converged = converged and not last["plan"]["has_changes"]
            counted = samples(controller)
            statuses = {
                dict(labels).get("status")
                for (name, labels), value in counted.items()
                if name == "tenantctl_neon_requests_total" and value > 0
            }
            return converged and {"503", "429"} <= statuses

        wait_for(converged_through_faults, timeout=60, what="convergence through faults")
        assert controller.get("/readyz").status_code == 200
        results = {t["result"] for t in controller.status()["tenants"].values()}
        assert results == {"in_sync"}
        assert sample(controller, "tenantctl_neon_rate_limited_total") > 0

        # Neon answers nothing but 503: no cycle can finish, and /readyz says so.
        emulator_server.set_faults(status_rates={"503": 1.0})
        not_ready = wait_for(
            lambda: (r := controller.get("/readyz")).status_code == 503 and r.json(),
            timeout=15,
            what="/readyz to turn 503",
        )
        assert "more than 3 intervals" in not_ready["reason"]
        assert controller.get("/healthz").status_code == 200  # the loop itself is alive

        # Stopped while its cycle is failing: it exits 0; every tenant has one project.
        assert controller.stop(signal.SIGTERM) == 0
        emulator_server.set_faults()
        assert sorted(p["name"] for p in neon.projects()) == TENANTS
    finally:
        neon.http.close()
        controller.kill()
