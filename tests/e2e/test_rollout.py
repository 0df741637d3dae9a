"""Staged rollouts: `apply --batch-size N --max-failures K` stops starting batches once K
tenants failed, and says which tenants it left for the next run."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import NeonApi
from tests.support.emulator_process import EmulatorProcess

EXAMPLE_TENANTS = ["acme", "globex", "hooli", "initech", "stark", "umbrella", "wayne"]


def test_a_rollout_stops_after_k_failures_and_reports_what_it_left(
    cli: Any, neon: NeonApi, neon_env: EmulatorProcess
) -> None:
    neon_env.set_faults(operation_failure_rate=1.0)  # every operation Neon runs fails
    stopped = cli("apply", "--yes", "--batch-size", "2", "--max-failures", "2")
    assert stopped.code == 1
    lines = stopped.out.splitlines()
    assert lines[-1] == "Apply: 0 applied, 2 failed, 0 stale, 0 blocked, 0 conflict, 5 not started."
    failed = [line.split()[1] for line in lines if line.startswith("  failed")]
    assert failed == ["acme", "globex"]  # the first batch, in plan order
    left = [line for line in lines if line.startswith("  not_started")]
    assert [line.split()[1] for line in left] == EXAMPLE_TENANTS[2:]
    assert left[0].endswith(
        "[create]: 2 tenant(s) failed in earlier batches (--max-failures 2); fix them and apply "
        "again to continue"
    )
    assert not {p["name"] for p in neon.projects()} & set(EXAMPLE_TENANTS[2:])  # never sent

    neon_env.set_faults(operation_failure_rate=0.0)
    resumed = cli("apply", "--yes", "--batch-size", "3", "--max-failures", "1")
    assert resumed.code == 0, resumed.out
    assert cli("plan", "--detailed-exitcode").code == 0


def test_batch_flags_are_checked(cli: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert "need --batch-size" in cli("apply", "--yes", "--max-failures", "1").err
    with pytest.raises(SystemExit) as exited:
        cli("apply", "--yes", "--batch-size", "0")
    assert exited.value.code == 1
    assert "argument --batch-size: must be at least 1" in capsys.readouterr().err
