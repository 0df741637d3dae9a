"""The embedded default: no API key, the in-process emulator, and the CI guard on apply."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def no_neon(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NEON_API_KEY", "NEON_API_HOST", "NEON_ORG_ID", "CI"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("no_neon")
def test_without_a_key_plan_and_apply_run_on_the_embedded_emulator(
    cli: Any, fleet_dir: Path
) -> None:
    plan = cli("plan")
    assert plan.out.splitlines()[0].startswith("Target: embedded Neon emulator")
    assert "7 to create" in plan.out
    applied = cli("apply", "--yes")
    assert applied.code == 0, applied.err
    assert applied.out.splitlines()[0].startswith("Target: embedded Neon emulator")
    assert (fleet_dir / ".tenantctl" / "emulator.sqlite3").is_file()
    again = cli("plan", "--detailed-exitcode")
    assert again.code == 0
    assert "No changes." in again.out


@pytest.mark.usefixtures("no_neon")
def test_in_ci_apply_refuses_the_embedded_emulator_unless_asked(
    cli: Any, fleet_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    refused = cli("apply", "--yes")
    assert refused.code == 1
    assert "CI=true and no NEON_API_KEY: refusing to apply to the embedded emulator" in refused.err
    assert not (fleet_dir / ".tenantctl").exists()
    assert cli("apply", "--yes", "--emulator").code == 0


@pytest.mark.usefixtures("no_neon")
def test_apply_off_a_terminal_needs_yes(cli: Any, fleet_dir: Path) -> None:
    refused = cli("apply")
    assert refused.code == 1
    assert "apply needs --yes when not run on a terminal (nothing was changed)" in refused.err
    assert "7 to create" in cli("plan").out


def test_a_host_without_a_key_is_refused(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEON_API_KEY", raising=False)
    monkeypatch.setenv("NEON_API_HOST", "http://127.0.0.1:9/api/v2")
    refused = cli("plan")
    assert refused.code == 1
    assert "NEON_API_HOST is set (http://127.0.0.1:9/api/v2) but NEON_API_KEY is not" in refused.err


def test_an_invalid_fleet_sends_nothing(
    cli: Any, fleet_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEON_API_KEY", "napi_test")
    monkeypatch.setenv("NEON_API_HOST", "http://127.0.0.1:9/api/v2")  # nothing listens there
    (fleet_dir / "tenants" / "acme.yaml").write_text("plan: platinum\n")
    for command in (("plan",), ("apply", "--yes"), ("usage",)):
        refused = cli(*command)
        assert refused.code == 1, command
        assert "tenants/acme.yaml:1:7:" in refused.err, command
        assert "run `tenantctl validate` for details" in refused.err, command
        assert "Neon API" not in refused.err, command  # no request was even attempted


def test_emulator_flag_wins_over_a_configured_key(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEON_API_KEY", "napi_would_reach_a_real_account")
    monkeypatch.delenv("NEON_API_HOST", raising=False)
    monkeypatch.setenv("CI", "true")
    plan = cli("plan", "--emulator")
    assert plan.out.splitlines()[0].startswith("Target: embedded Neon emulator")
    assert cli("apply", "--yes", "--emulator").code == 0
    assert "napi_would_reach_a_real_account" not in plan.out + plan.err


@pytest.mark.usefixtures("no_neon")
def test_a_corrupt_embedded_state_file_is_a_clear_error(cli: Any, fleet_dir: Path) -> None:
    state = fleet_dir / ".tenantctl"
    state.mkdir()
    (state / "emulator.sqlite3").write_bytes(b"this is not a database" * 100)
    refused = cli("plan")
    assert refused.code == 1
    assert "the embedded emulator's state in" in refused.err
    assert "remove" in refused.err


@pytest.mark.usefixtures("no_neon")
def test_an_embedded_saved_plan_applies_whichever_way_the_folder_is_named(
    cli: Any, fleet_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(fleet_dir.parent)
    plan_file = fleet_dir / "plan.json"
    assert cli("plan", "--out", str(plan_file), fleet=Path(fleet_dir.name)).code == 0
    applied = cli("apply", str(plan_file), fleet=fleet_dir.resolve())
    assert applied.code == 0, applied.err
    assert "7 applied" in applied.out


@pytest.mark.usefixtures("no_neon")
def test_apply_in_a_folder_without_a_fleet_creates_nothing(cli: Any, tmp_path: Path) -> None:
    empty = tmp_path / "not-a-fleet"
    empty.mkdir()
    refused = cli("apply", "--yes", fleet=empty)
    assert refused.code == 1
    assert not (empty / ".tenantctl").exists()
