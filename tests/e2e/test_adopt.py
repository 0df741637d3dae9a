"""`tenantctl adopt` binds a tenant to an existing project through its file, never by magic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.conftest import NeonApi


def test_adopted_project_is_managed_by_id_and_no_new_project_is_made(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    legacy = neon.create_project("legacy-acme-db")
    adopted = cli("adopt", "acme", "--project-id", legacy["id"])
    assert adopted.code == 0, adopted.err
    text = (fleet_dir / "tenants" / "acme.yaml").read_text()
    assert f"project_id: {legacy['id']}\n" in text
    assert text.startswith("# yaml-language-server: $schema=../schema/tenant.json\n")
    plan = cli("plan").out
    assert f"~ update acme  project {legacy['id']} 'legacy-acme-db'" in plan
    assert cli("apply", "--yes").code == 0
    names = sorted(p["name"] for p in neon.projects())
    assert "acme" not in names
    assert "legacy-acme-db" in names
    assert neon.project(legacy["id"])["settings"]["quota"]["logical_size_bytes"] == 10 * 1024**3
    assert cli("plan", "--detailed-exitcode").code == 0


def test_adopt_refuses_a_project_in_another_region_and_leaves_the_file(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    legacy = neon.create_project("legacy-globex")  # aws-us-east-2; globex wants eu-central-1
    before = (fleet_dir / "tenants" / "globex.yaml").read_bytes()
    refused = cli("adopt", "globex", "--project-id", legacy["id"])
    assert refused.code == 1
    assert (
        f"project {legacy['id']}: region is 'aws-us-east-2' but the tenant wants "
        "'aws-eu-central-1'" in refused.err
    )
    assert (fleet_dir / "tenants" / "globex.yaml").read_bytes() == before


def test_adopt_refuses_unknown_projects_and_tenants(cli: Any, neon: NeonApi) -> None:
    missing = cli("adopt", "acme", "--project-id", "no-such-project-1")
    assert missing.code == 1
    assert "project no-such-project-1 does not exist" in missing.err
    unknown = cli("adopt", "nobody", "--project-id", "x-1")
    assert unknown.code == 1
    assert "no tenant 'nobody'" in unknown.err


def test_adopt_refuses_another_tenants_project(cli: Any, neon: NeonApi) -> None:
    assert cli("apply", "--yes").code == 0
    hooli = neon.project_named("hooli")
    refused = cli("adopt", "acme", "--project-id", hooli["id"])
    assert refused.code == 1
    assert f"project {hooli['id']} is managed as tenant 'hooli' of fleet 'example'" in refused.err


def test_adopt_refuses_to_supersede_a_tenants_own_project_unless_asked(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    assert cli("apply", "--yes").code == 0
    own = neon.project_named("acme")
    legacy = neon.create_project("legacy-acme")
    refused = cli("adopt", "acme", "--project-id", legacy["id"])
    assert refused.code == 1
    assert f"tenant 'acme' already has project {own['id']}, created by tenantctl" in refused.err
    assert "project_id" not in (fleet_dir / "tenants" / "acme.yaml").read_text()

    assert cli("adopt", "acme", "--project-id", legacy["id"], "--replace").code == 0
    plan = cli("plan").out
    assert f"|| suspend acme  project {own['id']} 'acme'" in plan
    assert "superseded: tenant 'acme' is bound to project" in plan
    assert cli("apply", "--yes").code == 0
    assert [e["disabled"] for e in neon.endpoints(own["id"])] == [True]
    assert neon.project(legacy["id"])["settings"]["quota"]["logical_size_bytes"] == 10 * 1024**3
    assert cli("plan", "--detailed-exitcode").code == 0


def test_a_project_id_pointing_at_another_tenants_project_is_a_conflict_not_a_takeover(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    assert cli("apply", "--yes").code == 0
    wayne = neon.project_named("wayne")
    before = neon.project(wayne["id"])
    path = fleet_dir / "tenants" / "umbrella.yaml"
    path.write_text(path.read_text() + f"project_id: {wayne['id']}\n")
    plan = cli("plan")
    assert plan.code == 1
    assert f"! conflict umbrella  project {wayne['id']} 'wayne'" in plan.out, plan.out
    assert "is marked as tenant 'wayne' of fleet 'example'" in plan.out
    assert "create" not in plan.out.splitlines()[-1].replace("0 to create", "")
    assert cli("apply", "--yes").code == 1
    after = neon.project(wayne["id"])
    assert after["settings"] == before["settings"]
    assert after["default_endpoint_settings"] == before["default_endpoint_settings"]
    assert len(neon.projects()) == 7
