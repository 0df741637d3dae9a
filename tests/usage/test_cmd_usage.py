"""`tenantctl usage` from the command line: a real emulator server, the embedded emulator, flags.

These go through `controller.cli.main` exactly as a cron job or CI step would, with the Neon
target taken from the environment; the numbers themselves are checked in test_usage_emulator.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from fractions import Fraction
from pathlib import Path
from typing import Any

import httpx
import pytest

from controller.cli import main
from controller.cli.cmd_usage import warn_at_percent
from controller.cli.common import EXIT_ERROR, EXIT_OK, EXIT_USAGE_ALERT
from tests.support.emulator_process import EmulatorProcess
from tests.usage.emulated import FLEET


@pytest.fixture
def fleet_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("NEON_API_KEY", "NEON_API_HOST", "NEON_ORG_ID", "CI"):
        monkeypatch.delenv(name, raising=False)
    target = tmp_path / "fleet"
    shutil.copytree(FLEET, target)
    return target


@pytest.fixture
def on_server(
    fleet_dir: Path, emulator_server: EmulatorProcess, monkeypatch: pytest.MonkeyPatch
) -> EmulatorProcess:
    """The test fleet applied to a real emulator server named by the environment."""
    monkeypatch.setenv("NEON_API_HOST", emulator_server.base_url)
    monkeypatch.setenv("NEON_API_KEY", emulator_server.api_key)
    assert main(["apply", "--yes", "--dir", str(fleet_dir)]) == EXIT_OK
    return emulator_server


def project_id(server: EmulatorProcess, name: str) -> str:
    response = httpx.get(
        f"{server.base_url}/projects", params={"search": name}, headers=server.auth_headers
    )
    (found,) = [p["id"] for p in response.json()["projects"] if p["name"] == name]
    return str(found)


def test_exit_codes_0_then_3_and_no_second_call_within_15_minutes(
    fleet_dir: Path, on_server: EmulatorProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["usage", "--dir", str(fleet_dir)]) == EXIT_OK
    on_server.add_consumption(project_id(on_server, "close"), data_transfer_bytes=8_500_000_000)
    calls = on_server.stats()["total"]
    assert main(["usage", "--dir", str(fleet_dir), "--format", "json"]) == EXIT_OK  # cached
    assert on_server.stats()["total"] == calls
    assert main(["usage", "--dir", str(fleet_dir), "--refresh", "--format", "json"]) == (
        EXIT_USAGE_ALERT
    )
    assert on_server.stats()["total"] > calls
    out, err = capsys.readouterr()
    document = _last_json(out)
    close = next(t for t in document["tenants"] if t["tenant"] == "close")
    assert (close["status"], close["clock"]) == ("warning", "server")
    assert close["metrics"]["data_transfer"]["percent"] == 85.0
    assert on_server.api_key not in out + err


def _last_json(output: str) -> dict[str, Any]:
    """The last JSON report printed (earlier commands printed theirs before it)."""
    start = output.rindex('{\n  "format_version"')
    document: dict[str, Any] = json.loads(output[start:])
    return document


def test_usage_on_the_embedded_emulator_after_apply(
    fleet_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["apply", "--yes", "--dir", str(fleet_dir)]) == EXIT_OK
    capsys.readouterr()
    assert main(["usage", "--dir", str(fleet_dir), "--format", "csv"]) == EXIT_OK
    out, _ = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(out)))
    assert out.startswith("tenant,plan,tenant_status,project_id,")
    tenants = [row for row in rows if row["scope"] == "tenant"]
    assert len(tenants) == 4 * 5
    assert {row["tenant_status"] for row in tenants} == {"ok"}
    # The embedded emulator's projects have no org, and NEON_ORG_ID is unset: no v2, legacy.
    assert {row["source"] for row in tenants} == {"legacy"}
    assert list((fleet_dir / ".tenantctl").glob("usage-cache-*.json"))


def test_emulator_flag_uses_the_embedded_emulator_whatever_the_environment(
    fleet_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NEON_API_KEY", "napi_a-real-looking-key")
    assert main(["usage", "--dir", str(fleet_dir), "--emulator", "--target", "half"]) == EXIT_OK
    out, _ = capsys.readouterr()
    assert "embedded Neon emulator" in out.splitlines()[0]
    assert "no project yet" in out  # nothing was applied to the embedded emulator


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--tenant", "half"], "--tenant picks the tenant of --history"),
        (["--tenant", "halv", "--history", "daily"], "--tenant halv: no such tenant"),
        (["--target", "spar"], "--target spar: no such tenant"),
    ],
)
def test_bad_choices_of_tenants_fail_with_one_line_and_exit_1(
    fleet_dir: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["usage", "--dir", str(fleet_dir), *argv]) == EXIT_ERROR
    _, err = capsys.readouterr()
    assert err.startswith("tenantctl: error: ")
    assert message in err
    assert "Traceback" not in err


def test_a_deleted_tenant_has_no_usage_to_show(
    fleet_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (fleet_dir / "tenants" / "spare.yaml").write_text("plan: growth\nstate: deleted\n")
    assert main(["usage", "--dir", str(fleet_dir), "--target", "spare"]) == EXIT_ERROR
    assert "spare has state `deleted`" in capsys.readouterr().err


@pytest.mark.parametrize(
    "value", ["0", "100.5", "-3", "eighty", "nan", "inf", "1e2", "80.00001", "1e-99999999"]
)
def test_warn_at_must_be_a_percentage(
    fleet_dir: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    # `1e-99999999` once became an exact fraction with a 10**99999999 denominator: a hang.
    with pytest.raises(SystemExit) as exit_info:
        main(["usage", "--dir", str(fleet_dir), "--warn-at", value])
    assert exit_info.value.code == 1  # a usage error, as for every command (2 = changes)
    assert f"--warn-at: {value!r} is not a percentage" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("value", "percent"),
    [
        ("80", Fraction(80)),
        ("82.5", Fraction(165, 2)),
        ("90%", Fraction(90)),
        ("100", Fraction(100)),
    ],
)
def test_warn_at_is_read_exactly(value: str, percent: Fraction) -> None:
    assert warn_at_percent(value) == percent


def test_a_tenant_name_is_escaped_in_the_error(
    fleet_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["usage", "--dir", str(fleet_dir), "--tenant", "x\x1b[2J", "--history", "daily"]
    assert main(argv) == EXIT_ERROR
    assert "--tenant x\\x1b[2J: no such tenant" in capsys.readouterr().err


def test_an_invalid_fleet_stops_before_any_call(
    fleet_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (fleet_dir / "tenants" / "broken.yaml").write_text("plan: platinum\n")
    assert main(["usage", "--dir", str(fleet_dir)]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert "tenants/broken.yaml" in err
    assert not (fleet_dir / ".tenantctl").exists()


def test_a_neon_error_is_one_line_and_exit_1_without_the_key(
    fleet_dir: Path,
    emulator_server: EmulatorProcess,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("NEON_API_HOST", emulator_server.base_url)
    monkeypatch.setenv("NEON_API_KEY", "napi_not-the-right-key")
    assert main(["usage", "--dir", str(fleet_dir)]) == EXIT_ERROR
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("tenantctl: error: Neon API: GET /projects -> 401")
    assert "Traceback" not in err
    assert "napi_not-the-right-key" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--history", "hourly", "--from", "2024-03-01", "--to", "2024-03-02"], "168 hours"),
        (["--billing-export", "/nonexistent/out.csv", "--period", "2024-03"], "12 months"),
        (
            ["--billing-export", "/nonexistent/out.csv"],
            "--billing-export FILE and --period YYYY-MM go together",
        ),
        (["--period", "2025-06"], "go together"),
        (
            ["--billing-export", "/nonexistent/out.csv", "--period", "June"],
            "is not a month such as 2025-06",
        ),
        (["--source", "counters", "--history", "daily"], "--source counters reads no"),
        (["--from", "2025-06-01", "--to", "2025-06-01"], "ends"),
    ],
)
def test_flags_and_ranges_neon_would_refuse_fail_before_the_target_is_opened(
    fleet_dir: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["usage", "--dir", str(fleet_dir), *argv]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert err.startswith("tenantctl: error: ")
    assert message in err
    assert not (fleet_dir / ".tenantctl").exists()  # not even the embedded emulator was opened
