"""Safety under real conditions: foreign projects, stale plans, lost responses, flaky Neon."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.e2e.conftest import NeonApi, point_cli_at
from tests.support.emulator_process import EmulatorProcess

GiB = 1024**3


def only_tenants(fleet_dir: Path, *keep: str) -> None:
    for path in (fleet_dir / "tenants").glob("*.yaml"):
        if path.stem not in keep:
            path.unlink()


def hooli_created_then_deleted_in_git(cli: Any, fleet_dir: Path) -> None:
    """A fleet of hooli alone, applied; then its tenant file says `state: deleted`."""
    only_tenants(fleet_dir, "hooli")
    assert cli("apply", "--yes").code == 0
    tenant_file = fleet_dir / "tenants/hooli.yaml"
    tenant_file.write_text(tenant_file.read_text() + "state: deleted\n")


def snapshot(neon: NeonApi, project_id: str) -> list[bytes]:
    return [
        neon.raw(f"/projects/{project_id}"),
        neon.raw(f"/projects/{project_id}/endpoints"),
        neon.raw(f"/projects/{project_id}/branches"),
    ]


def test_unmanaged_projects_are_byte_identical_before_and_after(cli: Any, neon: NeonApi) -> None:
    theirs = neon.create_project("their-app")
    same_name = neon.create_project("acme")
    for project in (theirs, same_name):
        (endpoint,) = neon.endpoints(project["id"])
        neon.http.post(
            f"/projects/{project['id']}/endpoints/{endpoint['id']}/suspend"
        ).raise_for_status()
    before = {p["id"]: snapshot(neon, p["id"]) for p in (theirs, same_name)}

    applied = cli("apply", "--yes")
    assert applied.code == 1  # acme is a conflict: reported, refused
    assert "exists but is not managed by tenantctl; adopt it: tenantctl adopt acme" in applied.out
    plan = cli("plan")
    assert (
        "1 project(s) in the org are not managed by this fleet and were left untouched" in plan.out
    )
    assert {p["id"]: snapshot(neon, p["id"]) for p in (theirs, same_name)} == before


def test_a_stale_saved_plan_is_refused_for_the_changed_tenant_only(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    assert cli("apply", "--yes").code == 0
    for tenant in ("acme", "wayne"):
        path = fleet_dir / "tenants" / f"{tenant}.yaml"
        path.write_text(path.read_text() + "state: suspended\n")
    plan_file = fleet_dir / "plan.json"
    assert cli("plan", "--out", str(plan_file)).code == 0
    acme = neon.project_named("acme")
    neon.patch_project(acme["id"], settings={"quota": {"logical_size_bytes": 3 * GiB}})

    applied = cli("apply", str(plan_file))
    assert applied.code == 1
    lines = applied.out.splitlines()
    assert any(line.startswith("  stale     acme") for line in lines), applied.out
    assert any(line.startswith("  applied   wayne") for line in lines), applied.out
    wayne = neon.project_named("wayne")
    assert [e["disabled"] for e in neon.endpoints(wayne["id"])] == [True]
    assert [e["disabled"] for e in neon.endpoints(acme["id"])] == [False]


def test_a_saved_plan_for_another_target_is_refused(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    plan_file = fleet_dir / "plan.json"
    assert cli("plan", "--out", str(plan_file)).code == 0
    data = json.loads(plan_file.read_text())
    data["target"]["host"] = "https://console.neon.tech/api/v2"
    plan_file.write_text(json.dumps(data))
    refused = cli("apply", str(plan_file))
    assert refused.code == 1
    assert "was planned against Neon API https://console.neon.tech/api/v2" in refused.err
    assert neon.projects() == []


def test_a_create_whose_response_is_lost_does_not_make_a_second_project(
    cli: Any, neon: NeonApi, neon_env: EmulatorProcess, fleet_dir: Path
) -> None:
    only_tenants(fleet_dir, "hooli")
    neon_env.set_faults(drop_after_commit_rate=1.0)
    cli("apply", "--yes")
    assert neon_env.stats()["dropped_after_commit"] >= 1
    neon_env.set_faults()
    for _ in range(2):
        assert cli("apply", "--yes").code == 0
    assert [p["name"] for p in neon.projects()] == ["hooli"]
    assert cli("plan", "--detailed-exitcode").code == 0


def test_repeated_applies_converge_under_503s_429s_423s_latency_and_lost_responses(
    cli: Any, emulator_server_factory: Any, monkeypatch: Any
) -> None:
    # Seed 1 makes the first draw a 429 on the first request, so faults surely happen.
    neon_env = point_cli_at(monkeypatch, emulator_server_factory(seed=1))
    neon = NeonApi(neon_env)
    neon_env.set_faults(
        status_rates={"503": 0.1, "429": 0.1, "423": 0.1},
        latency_ms=5,
        drop_after_commit_rate=0.05,
    )
    codes = []
    for _ in range(8):
        codes.append(cli("apply", "--yes").code)
        if codes[-1] == 0:
            break
    assert codes[-1] == 0, codes
    assert neon_env.stats()["injected_faults"] > 0
    neon_env.set_faults()
    names = sorted(p["name"] for p in neon.projects())
    assert names == sorted(set(names))
    assert len(names) == 7
    assert cli("plan", "--detailed-exitcode").code == 0
    neon.http.close()


def test_a_saved_plan_made_with_another_api_key_is_refused(
    cli: Any, neon: NeonApi, fleet_dir: Path, monkeypatch: Any
) -> None:
    plan_file = fleet_dir / "plan.json"
    assert cli("plan", "--out", str(plan_file)).code == 0
    assert neon.server.api_key not in plan_file.read_text()
    monkeypatch.setenv("NEON_API_KEY", "napi_another_org_key")
    refused = cli("apply", str(plan_file))
    assert refused.code == 1
    assert "was planned against another API key" in refused.err
    assert "napi_another_org_key" not in refused.err


def test_a_saved_plan_without_a_target_is_refused(cli: Any, neon: NeonApi, fleet_dir: Path) -> None:
    plan_file = fleet_dir / "plan.json"
    assert cli("plan", "--out", str(plan_file)).code == 0
    data = json.loads(plan_file.read_text())
    data["target"] = None
    plan_file.write_text(json.dumps(data))
    refused = cli("apply", str(plan_file))
    assert refused.code == 1
    assert "the plan's signature does not match: it was edited after" in refused.err


def test_plan_out_to_a_missing_folder_is_a_clear_error(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    result = cli("plan", "--out", str(fleet_dir / "no-such-dir" / "plan.json"))
    assert result.code == 1
    assert "cannot write" in result.err
    assert "No such file or directory" in result.err


def test_a_second_apply_on_the_same_fleet_waits_its_turn(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    import fcntl
    import os

    state = fleet_dir / ".tenantctl"
    state.mkdir(exist_ok=True)
    held = os.open(state / "apply.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(held, fcntl.LOCK_EX)
    try:
        refused = cli("apply", "--yes")
    finally:
        os.close(held)
    assert refused.code == 1
    assert "another tenantctl apply is running on this fleet" in refused.err
    assert neon.projects() == []
    assert cli("apply", "--yes").code == 0


def test_a_saved_create_replayed_after_its_project_was_renamed_makes_no_twin(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    only_tenants(fleet_dir, "hooli")
    plan_file = fleet_dir / "replay.json"
    assert cli("plan", "--out", str(plan_file)).code == 0
    assert cli("apply", str(plan_file)).code == 0
    hooli = neon.project_named("hooli")
    neon.patch_project(hooli["id"], name="hooli-renamed")
    replay = cli("apply", str(plan_file))
    assert replay.code == 1
    assert "stale     hooli" in replay.out
    assert f"project {hooli['id']} was created for this tenant since the plan" in replay.out
    assert [p["name"] for p in neon.projects()] == ["hooli-renamed"]
