"""Regressions found by an adversarial review, end to end over the emulator's HTTP server: twins
judged on counters that reset or on a poisoned cache, replicas on a developer's branch, saved
plans re-run, narrower flags at apply time, a renamed fleet, security settings the fleet never
mentions, and allow-list entries Neon normalises or refuses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.e2e.conftest import NeonApi
from tests.e2e.test_safety import hooli_created_then_deleted_in_git, only_tenants
from tests.e2e.test_trust import marked_project
from tests.support.emulator_process import EmulatorProcess

DAY = 86_400


def test_twin_holding_data_from_last_billing_period_is_not_deleted(
    cli: Any, neon: NeonApi, neon_env: EmulatorProcess, fleet_dir: Path
) -> None:
    only_tenants(fleet_dir, "hooli")
    marked_project(neon, "hooli", "example", "hooli")  # the older, kept
    neon_env.advance_clock(60)
    newer = marked_project(neon, "hooli", "example", "hooli")
    # The customer connected to and wrote 5 GB into `newer` ...
    neon_env.add_consumption(
        newer,
        written_data_bytes=5_000_000_000,
        data_transfer_bytes=1_000_000,
        logical_size_bytes=5_000_000_000,
    )
    # ... and then the billing period rolled over (Neon's counters reset every period).
    neon_env.advance_clock(35 * DAY)
    assert neon.project(newer)["written_data_bytes"] == 0  # the per-period counter
    plan = cli("plan")
    assert f"delete hooli  project {newer}" not in plan.out, plan.out


def _cache_file(fleet_dir: Path) -> Path:
    (found,) = (fleet_dir / ".tenantctl").glob("marks-*.json")
    return found


def test_poisoned_mark_cache_cannot_get_a_genuine_project_deleted_as_a_twin(
    cli: Any, neon: NeonApi, neon_env: EmulatorProcess, fleet_dir: Path
) -> None:
    only_tenants(fleet_dir, "hooli")
    theirs = neon.create_project("their-app")["id"]  # another team's busy project
    neon_env.add_consumption(theirs, written_data_bytes=9_000_000, data_transfer_bytes=1_000)
    assert cli("apply", "--yes").code == 0
    ours = neon.project_named("hooli")["id"]
    cache = _cache_file(fleet_dir)
    data = json.loads(cache.read_text())
    assert data["marks"][theirs] is None
    data["marks"][theirs] = {"fleet": "example", "tenant": "hooli"}  # poisoned CI cache
    cache.write_text(json.dumps(data))
    cli("apply", "--yes")
    assert ours in [p["id"] for p in neon.projects()], "tenant hooli's own project was deleted"


def test_read_replica_lands_on_the_default_branch_when_a_dev_branch_has_a_compute(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    only_tenants(fleet_dir, "hooli")
    assert cli("apply", "--yes").code == 0
    pid = neon.project_named("hooli")["id"]
    (primary,) = neon.endpoints(pid)
    default_branch = primary["branch_id"]
    for n in range(6):  # a developer's branches, each with its own read-write compute
        body = {"branch": {"name": f"dev-{n}"}, "endpoints": [{"type": "read_write"}]}
        neon.http.post(f"/projects/{pid}/branches", json=body).raise_for_status()
    plan_file = fleet_dir / "plans/free.yaml"
    plan_file.write_text(plan_file.read_text() + "read_replicas: {count: 1}\n")
    assert cli("apply", "--yes").code == 0
    (replica,) = [e for e in neon.endpoints(pid) if e["type"] == "read_only"]
    assert replica["branch_id"] == default_branch, "replica created on a developer's branch"


def test_a_saved_plan_that_deleted_a_tenant_applied_again_is_already_applied(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    hooli_created_then_deleted_in_git(cli, fleet_dir)
    plan_file = fleet_dir / "plan.json"
    assert cli("plan", "--allow-delete", "--out", str(plan_file)).code == 0
    first = cli("apply", str(plan_file), "--allow-delete", "--format", "json")
    assert first.code == 0, first.err
    assert neon.projects() == []
    again = cli("apply", str(plan_file), "--allow-delete", "--format", "json")
    outcomes = [(r["tenant"], r["outcome"]) for r in json.loads(again.out)["results"]]
    assert (again.code, outcomes) == (0, [("hooli", "already_applied")]), again.out


def test_a_suspend_applied_before_a_delete_refused_at_apply_time_is_reported_applied(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    hooli_created_then_deleted_in_git(cli, fleet_dir)
    plan_file = fleet_dir / "plan.json"
    assert cli("plan", "--allow-delete", "--out", str(plan_file)).code == 0
    result = cli("apply", str(plan_file), "--format", "json")  # no --allow-delete now
    (hooli,) = json.loads(result.out)["results"]
    (primary,) = neon.endpoints(neon.project_named("hooli")["id"])
    assert primary["disabled"] is True  # the suspend did run
    assert hooli["actions"] == [
        {"kind": "suspend", "outcome": "applied"},
        {"kind": "delete", "outcome": "blocked"},
    ], hooli


def test_a_saved_plan_deletes_an_untouched_twin(
    cli: Any, neon: NeonApi, neon_env: EmulatorProcess, fleet_dir: Path
) -> None:
    only_tenants(fleet_dir, "hooli")
    used = marked_project(neon, "hooli", "example", "hooli")
    marked_project(neon, "hooli", "example", "hooli")  # its untouched twin
    neon_env.add_consumption(used, written_data_bytes=5_000_000)
    plan_file = fleet_dir / "plan.json"
    assert cli("plan", "--out", str(plan_file)).code == 0
    applied = cli("apply", str(plan_file))
    assert applied.code == 0, applied.out + applied.err
    assert [p["id"] for p in neon.projects()] == [used]


def test_apply_fails_when_a_renamed_fleet_stops_every_tenant(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    only_tenants(fleet_dir, "hooli", "acme")
    assert cli("apply", "--yes").code == 0
    settings = fleet_dir / "tenantctl.yaml"
    settings.write_text(settings.read_text().replace("fleet: example", "fleet: renamed"))
    for name in ("free", "pro"):  # a change, so that the marks are read
        path = fleet_dir / f"plans/{name}.yaml"
        path.write_text(path.read_text().replace("written_data: ", "written_data: 3"))
    plan = cli("plan")
    assert plan.code == 1
    assert "problem" in plan.out
    applied = cli("apply", "--yes", "--format", "json")
    report = json.loads(applied.out)
    assert (applied.code, report["ok"]) == (1, False), (applied.code, report)


def test_an_allow_list_the_fleet_never_mentions_is_not_removed(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    only_tenants(fleet_dir, "hooli")  # plan free: no `network` block anywhere
    assert cli("apply", "--yes").code == 0
    pid = neon.project_named("hooli")["id"]
    # the partner's security team locked the project down in the console
    neon.patch_project(pid, settings={"allowed_ips": {"ips": ["10.1.0.0/16"]},
                                      "block_public_connections": True})  # fmt: skip
    path = fleet_dir / "plans/free.yaml"  # an unrelated change merged later
    path.write_text(path.read_text().replace("storage: 512MiB", "storage: 1GiB"))
    assert cli("apply", "--yes").code == 0
    settings = neon.project(pid)["settings"]
    assert settings["allowed_ips"]["ips"] == ["10.1.0.0/16"], settings["allowed_ips"]
    assert settings["block_public_connections"] is True


def test_an_ip_range_written_with_a_trailing_space_converges(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    only_tenants(fleet_dir, "hooli")
    path = fleet_dir / "plans/free.yaml"
    path.write_text(path.read_text() + 'network: {allowed_ips: ["10.0.0.1-10.0.0.9 "]}\n')
    assert cli("apply", "--yes").code == 0
    assert cli("apply", "--yes").code == 0
    again = cli("plan")
    assert "No changes." in again.out, again.out


def test_an_ipv6_zone_index_is_refused_before_any_api_call(cli: Any, fleet_dir: Path) -> None:
    path = fleet_dir / "plans/free.yaml"
    path.write_text(path.read_text() + 'network: {allowed_ips: ["fe80::1%eth0"]}\n')
    assert cli("validate").code == 1
