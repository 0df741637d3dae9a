"""Trust boundaries end to end: a saved plan cannot widen what apply may do, racing applies never
leave twins that lose data, a poisoned mark cache causes no create, and apply reports results
a CI job can parse (a re-run saved plan is `already_applied`, a blocked delete is `blocked`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.e2e.conftest import FAST_CLIENT, NeonApi, point_cli_at
from tests.e2e.test_converge import _calls
from tests.e2e.test_safety import hooli_created_then_deleted_in_git, only_tenants, snapshot
from tests.support.emulator_process import EmulatorProcess

MARK = "tenantctl/managed-by"


def marked_project(neon: NeonApi, name: str, fleet: str, tenant: str) -> str:
    """A project carrying a tenant's ownership mark, as an apply would have created it."""
    annotations = {MARK: "tenantctl", "tenantctl/fleet": fleet, "tenantctl/tenant": tenant}
    body = {"project": {"name": name, "branch": {"annotations": annotations}}}
    created = neon.http.post("/projects", json=body).raise_for_status().json()
    return str(created["project"]["id"])


def test_a_tampered_saved_plan_is_refused_whole_and_nothing_is_applied(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    only_tenants(fleet_dir, "acme", "hooli")
    stranger = neon.create_project("acme")  # same name, no mark: a conflict to adopt
    plan_file = fleet_dir / "plan.json"
    assert cli("plan", "--out", str(plan_file)).code == 1  # the conflict
    data = json.loads(plan_file.read_text())
    for action in data["actions"]:  # make the conflict look like an adopted update
        if action["tenant"] == "acme":
            action.update(kind="update", adopted=True, changes=[], wanted={})
    plan_file.write_text(json.dumps(data))
    before = neon.projects()
    refused = cli("apply", str(plan_file))
    assert refused.code == 1
    assert "signature does not match" in refused.err
    assert neon.projects() == before
    assert neon.project(stranger["id"])["name"] == "acme"


def test_a_saved_plan_applied_twice_reports_already_applied_and_exits_0(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    only_tenants(fleet_dir, "acme", "initech")
    assert cli("apply", "--yes").code == 0
    (fleet_dir / "plans/pro.yaml").write_text(
        (fleet_dir / "plans/pro.yaml").read_text().replace("storage: 10GiB", "storage: 20GiB")
    )
    plan_file = fleet_dir / "plan.json"
    assert cli("plan", "--out", str(plan_file)).code == 0
    first = cli("apply", str(plan_file), "--format", "json")
    assert first.code == 0, first.err
    assert json.loads(first.out)["summary"]["applied"] == 1
    again = cli("apply", str(plan_file), "--format", "json", "--report", str(fleet_dir / "r.json"))
    assert again.code == 0, again.out + again.err
    report = json.loads(again.out)
    assert report == json.loads((fleet_dir / "r.json").read_text())
    assert report["format_version"] == 1
    assert report["ok"] is True
    assert [(r["tenant"], r["outcome"]) for r in report["results"]] == [("acme", "already_applied")]
    assert report["target"]["host"] == neon.server.base_url


def test_a_blocked_delete_is_counted_blocked_never_applied(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    hooli_created_then_deleted_in_git(cli, fleet_dir)
    result = cli("apply", "--yes", "--format", "json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    (hooli,) = report["results"]
    assert hooli["actions"] == [
        {"kind": "suspend", "outcome": "applied"},
        {"kind": "delete", "outcome": "blocked"},
    ]
    assert (report["summary"]["applied"], report["summary"]["blocked"]) == (1, 1)
    assert "Apply: 1 applied, 0 failed, 0 stale, 1 blocked, 0 conflict." in result.err


def test_an_untouched_twin_is_deleted_and_the_one_with_data_kept(
    cli: Any, neon: NeonApi, neon_env: EmulatorProcess, fleet_dir: Path
) -> None:
    only_tenants(fleet_dir, "hooli")
    used = marked_project(neon, "hooli", "example", "hooli")
    empty = marked_project(neon, "hooli", "example", "hooli")
    neon_env.add_consumption(used, written_data_bytes=5_000_000)
    plan = cli("plan")
    assert f"- delete hooli  project {empty} 'hooli'" in plan.out
    assert f"twin of project {used}" in plan.out
    assert cli("apply", "--yes").code == 0
    assert [p["id"] for p in neon.projects()] == [used]
    assert "No changes." in cli("plan").out


def test_twins_that_both_hold_data_stop_with_the_command_that_resolves_them(
    cli: Any, neon: NeonApi, neon_env: EmulatorProcess, fleet_dir: Path
) -> None:
    only_tenants(fleet_dir, "hooli")
    first = marked_project(neon, "hooli", "example", "hooli")
    second = marked_project(neon, "hooli", "example", "hooli")
    neon_env.add_consumption(first, written_data_bytes=5_000_000)
    neon_env.add_consumption(second, written_data_bytes=1_000)
    plan = cli("plan")
    assert plan.code == 1
    command = f"tenantctl adopt hooli --project-id {first}"
    assert command in plan.out
    assert cli("adopt", "hooli", "--project-id", first).code == 0
    resolved = cli("apply", "--yes")
    assert resolved.code == 0, resolved.out + resolved.err
    assert sorted(p["id"] for p in neon.projects()) == sorted([first, second])  # none deleted
    assert all(e["disabled"] for e in neon.endpoints(second))  # the other one: suspended


def test_a_poisoned_mark_cache_causes_no_create(cli: Any, neon: NeonApi, fleet_dir: Path) -> None:
    only_tenants(fleet_dir, "hooli")
    assert cli("apply", "--yes").code == 0
    (project,) = neon.projects()
    neon.patch_project(project["id"], name="renamed-in-console")
    for cache in (fleet_dir / ".tenantctl").glob("marks-*.json"):
        assert oct(cache.stat().st_mode & 0o777) == "0o600"
        data = json.loads(cache.read_text())
        data["marks"][project["id"]] = None  # "no mark", under the genuine file's tag
        cache.write_text(json.dumps(data))
    result = cli("apply", "--yes")
    assert result.code == 0, result.out + result.err
    assert [p["id"] for p in neon.projects()] == [project["id"]]  # found again, no twin
    assert neon.project(project["id"])["name"] == "hooli"


def test_two_applies_racing_from_two_checkouts_then_one_apply_leave_one_project_each(
    emulator_server_factory: Any, fleet_dir: Path, tmp_path: Path, cli: Any, monkeypatch: Any
) -> None:
    server: EmulatorProcess = emulator_server_factory(operation_seconds=0.2)
    for n in range(10):
        (fleet_dir / "tenants" / f"r{n}.yaml").write_text("plan: free\n")
    other = tmp_path / "other-checkout"
    subprocess.run(["cp", "-r", str(fleet_dir), str(other)], check=True)
    env = {**os.environ, **FAST_CLIENT, "NEON_API_HOST": server.base_url}
    env["NEON_API_KEY"] = server.api_key
    env.pop("CI", None)
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "controller", "apply", "--yes", "--dir", str(where)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for where in (fleet_dir, other)
    ]
    for run in runs:
        run.wait(timeout=120)
    point_cli_at(monkeypatch, server)
    final = cli("apply", "--yes")
    assert final.code == 0, final.out + final.err
    assert "No changes." in cli("plan").out
    api = NeonApi(server)
    names = sorted(p["name"] for p in api.projects())
    api.http.close()
    assert names == sorted(path.stem for path in (fleet_dir / "tenants").glob("*.yaml"))


def test_a_poisoned_mark_cache_never_makes_a_strangers_project_a_tenants(
    cli: Any, neon: NeonApi, neon_env: EmulatorProcess, fleet_dir: Path
) -> None:
    """Updates trust a cached mark only under the cache's tag: a cache edited to say another
    team's project carries a tenant's mark is ignored whole, so that project is never changed."""
    acme = (fleet_dir / "tenants" / "acme.yaml").read_text()
    only_tenants(fleet_dir, "hooli")
    theirs = neon.create_project("their-app")["id"]
    assert cli("apply", "--yes").code == 0  # the cache now knows their-app carries no mark
    before = snapshot(neon, theirs)
    (cache,) = (fleet_dir / ".tenantctl").glob("marks-*.json")
    data = json.loads(cache.read_text())
    assert data["marks"][theirs] is None
    assert data["tag"]
    data["marks"][theirs] = {"fleet": "example", "tenant": "acme"}  # a poisoned CI cache
    cache.write_text(json.dumps(data))
    (fleet_dir / "tenants" / "acme.yaml").write_text(acme)

    result = cli("apply", "--yes")
    assert result.code == 0, result.out + result.err
    assert snapshot(neon, theirs) == before
    assert neon.project_named("acme")["id"] != theirs  # acme got a project of its own


def test_an_update_trusts_the_tagged_mark_cache_instead_of_reading_marks_again(
    cli: Any, neon: NeonApi, neon_env: EmulatorProcess, fleet_dir: Path
) -> None:
    assert cli("apply", "--yes").code == 0
    pro = fleet_dir / "plans" / "pro.yaml"
    pro.write_text(pro.read_text().replace("storage: 10GiB", "storage: 20GiB"))
    before = _calls(neon_env)
    result = cli("apply", "--yes")
    assert result.code == 0, result.out + result.err
    assert result.out.count("applied   ") == 2  # acme and stark are on pro
    calls = {route: n - before.get(route, 0) for route, n in _calls(neon_env).items()}
    assert calls.get("GET /projects/{project_id}/branches", 0) == 0, calls
    assert calls["PATCH /projects/{project_id}"] == 2
