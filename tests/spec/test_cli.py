"""`tenantctl validate`, `show` and `schema` as a user runs them: output, streams, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from controller.cli import main
from tests.spec.fleet_builder import FIXTURES, REPO_ROOT

VALID_SUMMARY = "fleet 'example' is valid: 3 plans, 7 tenants (6 active, 1 suspended)\n"


def test_validate_prints_a_summary_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--dir", str(REPO_ROOT)]) == 0
    assert capsys.readouterr() == (VALID_SUMMARY, "")


def test_validate_defaults_to_the_current_directory(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO_ROOT)
    assert main(["validate"]) == 0
    assert capsys.readouterr().out == VALID_SUMMARY


def test_validate_lists_every_error_then_exits_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "basic.yaml").write_text("compute:\n  max_cu: 3.5\n")
    (tmp_path / "tenants").mkdir()
    (tmp_path / "tenants" / "acme.yaml").write_text("plan: basic\nstate: off\nregon: x\n")
    (tmp_path / "tenants" / "globex.yaml").write_text("plan: premium\n")
    assert main(["validate", "--dir", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "plans/basic.yaml:2:11: compute.max_cu: 3.5 is not a Neon compute size; use 0.25, 0.5, "
        "1 to 16 in steps of 1, or 18 to 56 in steps of 2",
        "tenants/acme.yaml:2:8: state: 'off' is not a tenant state; use one of: active, "
        "suspended, deleted",
        "tenants/acme.yaml:3:1: unknown key 'regon'; did you mean 'region'?",
        "tenants/globex.yaml:1:7: plan: no plan named 'premium' in plans/ (plans: basic)",
        "4 errors in 3 files",
    ]
    assert err == ""


def test_validate_warns_on_stderr_without_failing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--dir", str(FIXTURES / "stray-files")]) == 0
    out, err = capsys.readouterr()
    assert out == "fleet 'default' is valid: 1 plan, 1 tenant (1 active)\n"
    assert err.splitlines() == [
        "warning: plans/README.md: ignored: not a .yaml or .yml file",
        "warning: tenants/archive: directory ignored: files must sit directly in tenants/",
        "warning: tenants/notes.txt: ignored: not a .yaml or .yml file",
    ]


def test_show_prints_each_setting_with_the_layer_that_set_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["show", "umbrella", "--dir", str(REPO_ROOT)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "tenant   umbrella  (tenants/umbrella.yaml)",
        "plan     pro",
        "project  umbrella  (found by its ownership mark or name)",
        "fleet    example",
        "(the fleet's files only: `tenantctl status` reads the live project)",
        "",
        "SETTING                           VALUE          SET BY",
        "state                             active         default",
        "region                            aws-us-east-2  default",
        "pg_version                        17             plan pro",
        "database                          neondb         default",
        "role                              neondb_owner   default",
        "limits.storage                    50GiB          tenant",
        "limits.compute_time               300h           plan pro",
        "limits.active_time                750h           plan pro",
        "limits.data_transfer              unlimited      tenant",
        "limits.written_data               20GiB          plan pro",
        "compute.min_cu                    0.25 CU        plan pro",
        "compute.max_cu                    8 CU           tenant",
        "compute.suspend_timeout           15m            tenant",
        "compute.pg_settings               (not managed)  default",
        "history_retention                 7d             plan pro",
        "network.allowed_ips               (not managed)  default",
        "network.protected_branches_only   (not managed)  default",
        "network.block_public_connections  (not managed)  default",
        "network.block_vpc_connections     (not managed)  default",
        "logical_replication               (not managed)  default",
        "maintenance_window                (not managed)  default",
        "read_replicas.count               0              default",
        "read_replicas.min_cu              0.25 CU        default",
        "read_replicas.max_cu              2 CU           default",
    ]


def test_show_json_gives_plain_units_and_layers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "umbrella", "--dir", str(REPO_ROOT), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert {key: document[key] for key in ("format_version", "id", "source", "plan")} == {
        "format_version": 2,
        "id": "umbrella",
        "source": "tenants/umbrella.yaml",
        "plan": "pro",
    }
    assert document["project_id"] is None
    settings = document["settings"]
    assert settings["limits.storage"] == {
        "value": 50 * 1024**3,
        "unit": "bytes",
        "set_by": "tenant",
    }
    assert settings["limits.data_transfer"] == {"value": 0, "unit": "bytes", "set_by": "tenant"}
    assert settings["limits.compute_time"] == {
        "value": 1_080_000,
        "unit": "seconds",
        "set_by": "plan",
    }
    assert settings["compute.suspend_timeout"] == {
        "value": 900,
        "unit": "seconds",
        "set_by": "tenant",
    }
    assert settings["region"] == {"value": "aws-us-east-2", "unit": "text", "set_by": "default"}
    assert settings["logical_replication"] == {
        "value": None,
        "unit": "boolean",
        "set_by": "default",
    }


def test_show_suggests_a_tenant_for_a_typo(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "umbrela", "--dir", str(REPO_ROOT)]) == 1
    assert capsys.readouterr().err == (
        "tenantctl: error: no tenant 'umbrela' in tenants/; did you mean 'umbrella'?\n"
    )


def test_show_refuses_an_invalid_fleet(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "acme", "--dir", str(FIXTURES / "missing-plan")]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "tenants/acme.yaml:1:7: plan: no plan named 'basik' in plans/; did you mean 'basic'? "
        "(plans: basic)",
        "tenantctl: error: 1 error in 1 file; run `tenantctl validate` for details",
    ]


@pytest.mark.parametrize("kind", ["plan", "tenant", "fleet"])
def test_the_committed_schemas_are_what_schema_prints(
    capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    assert main(["schema", "--kind", kind]) == 0
    committed = (REPO_ROOT / "schema" / f"{kind}.json").read_text(encoding="utf-8")
    assert capsys.readouterr().out == committed


def test_schema_all_is_every_kind_in_one_object(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert sorted(document) == ["fleet", "plan", "tenant"]
    for kind, schema in document.items():
        committed = json.loads((REPO_ROOT / "schema" / f"{kind}.json").read_text("utf-8"))
        assert schema == committed
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_the_installed_tenantctl_command_validates() -> None:
    tenantctl = Path(sys.executable).with_name("tenantctl")
    valid = subprocess.run(
        [str(tenantctl), "validate", "--dir", str(REPO_ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (valid.returncode, valid.stdout, valid.stderr) == (0, VALID_SUMMARY, "")
    invalid = subprocess.run(
        [str(tenantctl), "validate"],
        cwd=FIXTURES / "alias-bomb",
        capture_output=True,
        text=True,
        check=False,
    )
    assert (invalid.returncode, invalid.stderr) == (1, "")
    assert invalid.stdout.splitlines() == [
        "tenants/acme.yaml:6:10: aliases expand to more than 10000 values (a YAML alias bomb?)",
        "1 error in 1 file",
    ]
