"""`tenantctl connection`: the emulator's connection URI on stdout, and nowhere else."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from structlog.testing import capture_logs

from controller.logs import redact_text
from tests.e2e.conftest import NeonApi


def neon_uri(neon: NeonApi, project_id: str, database: str, role: str, **extra: str) -> str:
    params = {"database_name": database, "role_name": role, **extra}
    answer = neon.http.get(f"/projects/{project_id}/connection_uri", params=params)
    return str(answer.raise_for_status().json()["uri"])


def every_file_under(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def test_the_printed_uri_is_neons_and_appears_in_no_log_file_or_error(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    assert cli("apply", "--yes").code == 0
    acme = neon.project_named("acme")
    expected = neon_uri(neon, acme["id"], "acme", "acme_app")
    password = urlsplit(expected).password
    assert password

    with capture_logs() as logs:
        printed = cli("connection", "acme")
        pooled = cli("connection", "acme", "--pooled", "--format", "json")
        env = cli("connection", "acme", "--format", "env")
        every = cli("connection", "--all", "--format", "env")
    assert printed.code == 0, printed.err
    assert printed.out == expected + "\n"
    assert json.loads(pooled.out)["uri"] == neon_uri(
        neon, acme["id"], "acme", "acme_app", pooled="true"
    )
    assert env.out == f"DATABASE_URL={expected}\n"
    assert f"ACME_DATABASE_URL={expected}\n" in every.out
    assert "skipped initech: tenant initech is suspended" in every.err
    for result in (printed, pooled, env, every):
        assert password not in result.err
    assert password not in repr(logs)
    assert password.encode() not in every_file_under(fleet_dir / ".tenantctl")
    assert password not in redact_text(f"failed near {expected}")  # registered as a secret


def test_a_tenant_without_a_usable_project_is_a_clear_error(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    missing = cli("connection", "acme")
    assert missing.code == 1
    assert missing.out == ""
    assert "tenant acme has no project yet: run `tenantctl apply` to create it" in missing.err
    assert cli("apply", "--yes").code == 0
    suspended = cli("connection", "initech")
    assert suspended.code == 1
    assert "tenant initech is suspended (its computes are disabled)" in suspended.err


def test_all_reports_a_conflict_without_leaking_the_others_strings(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    assert cli("apply", "--yes").code == 0
    neon.create_project("clash")
    (fleet_dir / "tenants" / "clash.yaml").write_text("plan: pro\n")
    result = cli("connection", "--all", "--format", "json")
    assert result.code == 1
    document = json.loads(result.out)
    assert [c["tenant"] for c in document["connections"]] == [
        "acme", "globex", "hooli", "stark", "umbrella", "wayne",
    ]  # fmt: skip
    skipped = {s["tenant"]: s["reason"] for s in document["skipped"]}
    assert "is not managed by tenantctl" in skipped["clash"]
    assert "postgresql://" not in result.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("acme", "--all"), "give a TENANT or --all, not both"),
        ((), "name a TENANT (or --all for every active tenant)"),
        (("--all", "--role", "x"), "--database and --role pick one tenant's names"),
        (("--all", "--format", "uri"), "--all prints --format json or env"),
    ],
)
def test_connection_arguments_are_checked_before_neon_is_read(
    cli: Any, args: tuple[str, ...], message: str
) -> None:
    refused = cli("connection", *args)
    assert refused.code == 1
    assert message in refused.err
