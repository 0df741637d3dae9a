"""A tenant's life: upgrade, suspend, resume, unlimited, removal (orphan) and deletion."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.conftest import NeonApi

GiB = 1024**3


def converge(cli: Any) -> str:
    result = cli("apply", "--yes")
    assert result.code == 0, result.out + result.err
    return str(result.out)


def edit(fleet_dir: Path, tenant: str, text: str) -> None:
    (fleet_dir / "tenants" / f"{tenant}.yaml").write_text(text, encoding="utf-8")


def test_moving_a_tenant_from_free_to_pro_changes_quotas_and_the_existing_compute(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    converge(cli)
    hooli = neon.project_named("hooli")
    edit(fleet_dir, "hooli", "plan: pro\n")
    plan = cli("plan").out.splitlines()
    assert "    ~ limits.storage: 512MiB -> 10GiB  (plan pro)" in plan
    assert "    ~ compute.max_cu: 2 CU -> 4 CU  (plan pro)" in plan
    converge(cli)
    project = neon.project(hooli["id"])
    assert project["settings"]["quota"]["logical_size_bytes"] == 10 * GiB
    assert project["settings"]["quota"]["compute_time_seconds"] == 300 * 3600
    assert project["default_endpoint_settings"]["autoscaling_limit_max_cu"] == 4
    (endpoint,) = neon.endpoints(hooli["id"])
    assert endpoint["autoscaling_limit_max_cu"] == 4  # the existing compute, not only defaults
    assert cli("plan", "--detailed-exitcode").code == 0


def test_suspend_then_resume_keeps_the_project(cli: Any, neon: NeonApi, fleet_dir: Path) -> None:
    converge(cli)
    acme = neon.project_named("acme")
    original = (fleet_dir / "tenants" / "acme.yaml").read_text()
    edit(fleet_dir, "acme", original + "state: suspended\n")
    assert "|| suspend acme" in cli("plan").out
    converge(cli)
    assert [e["disabled"] for e in neon.endpoints(acme["id"])] == [True]
    edit(fleet_dir, "acme", original)
    assert "> resume acme" in cli("plan").out
    converge(cli)
    assert [e["disabled"] for e in neon.endpoints(acme["id"])] == [False]
    assert neon.project_named("acme")["id"] == acme["id"]


def test_unlimited_really_clears_a_live_quota(cli: Any, neon: NeonApi, fleet_dir: Path) -> None:
    converge(cli)
    acme = neon.project_named("acme")
    assert neon.project(acme["id"])["settings"]["quota"]["compute_time_seconds"] == 300 * 3600
    original = (fleet_dir / "tenants" / "acme.yaml").read_text()
    edit(fleet_dir, "acme", original + "overrides:\n  limits:\n    compute_time: unlimited\n")
    plan = cli("plan").out.splitlines()
    assert "    ~ limits.compute_time: 300h -> unlimited  (tenant)" in plan
    converge(cli)
    assert neon.project(acme["id"])["settings"]["quota"]["compute_time_seconds"] == 0
    assert cli("plan", "--detailed-exitcode").code == 0


def test_removed_tenant_file_suspends_the_project_and_never_deletes_it(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    converge(cli)
    stark = neon.project_named("stark")
    (fleet_dir / "tenants" / "stark.yaml").unlink()
    plan = cli("plan", "--allow-delete", "--max-deletes", "5")
    assert "|| suspend stark" in plan.out
    assert "orphaned: project" in plan.out
    converge(cli)
    assert neon.project(stark["id"])["name"] == "stark"
    assert [e["disabled"] for e in neon.endpoints(stark["id"])] == [True, True]  # + its replica
    again = cli("apply", "--yes", "--allow-delete", "--max-deletes", "5")
    assert again.code == 0
    assert neon.project(stark["id"])["id"] == stark["id"]


def test_deletion_needs_state_deleted_and_allow_delete(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    converge(cli)
    hooli = neon.project_named("hooli")
    edit(fleet_dir, "hooli", "plan: free\nstate: deleted\n")
    refused = cli("apply", "--yes")
    assert "BLOCKED: deletion needs --allow-delete" in refused.out
    assert refused.code == 0
    assert neon.project(hooli["id"])["id"] == hooli["id"]
    assert [e["disabled"] for e in neon.endpoints(hooli["id"])] == [True]
    allowed = cli("apply", "--yes", "--allow-delete")
    assert allowed.code == 0, allowed.out
    assert "hooli" not in [p["name"] for p in neon.projects()]
    assert cli("plan", "--detailed-exitcode").code == 0


def test_max_deletes_caps_one_run(cli: Any, neon: NeonApi, fleet_dir: Path) -> None:
    converge(cli)
    for tenant in ("hooli", "initech"):
        edit(fleet_dir, tenant, "plan: free\nstate: deleted\n")
    first = cli("apply", "--yes", "--allow-delete", "--max-deletes", "1")
    assert "BLOCKED: over --max-deletes 1 for one run" in first.out
    names = [p["name"] for p in neon.projects()]
    assert ("hooli" in names) != ("initech" in names)
    cli("apply", "--yes", "--allow-delete", "--max-deletes", "1")
    names = [p["name"] for p in neon.projects()]
    assert "hooli" not in names
    assert "initech" not in names


def test_a_saved_plan_deletes_only_with_allow_delete_at_plan_and_at_apply(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    converge(cli)
    hooli = neon.project_named("hooli")
    edit(fleet_dir, "hooli", "plan: free\nstate: deleted\n")
    converge(cli)  # suspends hooli; its delete stays blocked
    unpermitted = fleet_dir / "unpermitted.json"
    permitted = fleet_dir / "permitted.json"
    assert cli("plan", "--out", str(unpermitted)).code == 0
    assert cli("plan", "--allow-delete", "--out", str(permitted)).code == 0

    at_plan_only = cli("apply", str(permitted))
    assert "blocked   hooli" in at_plan_only.out
    at_apply_only = cli("apply", str(unpermitted), "--allow-delete")
    assert "blocked   hooli" in at_apply_only.out
    assert neon.project(hooli["id"])["id"] == hooli["id"]

    both = cli("apply", str(permitted), "--allow-delete")
    assert both.code == 0, both.out
    assert "hooli" not in [p["name"] for p in neon.projects()]


def test_a_history_retention_change_alone_is_planned_and_applied(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    converge(cli)
    hooli = neon.project_named("hooli")
    assert neon.project(hooli["id"])["history_retention_seconds"] == 6 * 3600
    edit(fleet_dir, "hooli", "plan: free\noverrides:\n  history_retention: 3d\n")
    plan = cli("plan", "--detailed-exitcode")
    assert plan.code == 2
    assert "    ~ history_retention: 6h -> 3d  (tenant)" in plan.out.splitlines()
    converge(cli)
    assert neon.project(hooli["id"])["history_retention_seconds"] == 3 * 86400
    assert cli("plan", "--detailed-exitcode").code == 0


def test_two_unnamed_fleets_in_one_org_never_suspend_each_others_projects(
    cli: Any, neon: NeonApi, fleet_dir: Path, tmp_path: Path
) -> None:
    (fleet_dir / "tenantctl.yaml").unlink()  # both fleets default to the name 'default'
    other = tmp_path / "other-fleet"
    (other / "tenants").mkdir(parents=True)
    (other / "plans").mkdir()
    (other / "plans" / "free.yaml").write_text((fleet_dir / "plans" / "free.yaml").read_text())
    (other / "tenants" / "team-b.yaml").write_text("plan: free\n")
    converge(cli)
    assert cli("apply", "--yes", fleet=other).code == 0
    plan = cli("plan", fleet=other)
    assert "suspend" not in plan.out.splitlines()[-1].replace("0 to suspend", "")
    assert "not suspended: this fleet has no `fleet:` name" in plan.out
    acme = neon.project_named("acme")
    assert [e["disabled"] for e in neon.endpoints(acme["id"])] == [False]
