"""An empty org converges to the example fleet in one apply, and then plans nothing."""

from __future__ import annotations

import json
from typing import Any

from tests.e2e.conftest import NeonApi
from tests.support.emulator_process import EmulatorProcess

EXAMPLE_TENANTS = ["acme", "globex", "hooli", "initech", "stark", "umbrella", "wayne"]


def test_empty_org_converges_in_one_apply_and_second_plan_is_empty(cli: Any, neon: NeonApi) -> None:
    first = cli("plan", "--detailed-exitcode")
    assert first.code == 2, first.err
    assert first.out.splitlines()[0].startswith(f"Target: Neon API {neon.server.base_url}")
    assert first.out.splitlines()[-1] == (
        "Plan: 7 to create, 0 to update, 0 to suspend, 0 to resume, 0 to delete, 0 conflicts."
    )

    applied = cli("apply", "--yes")
    assert applied.code == 0, applied.out + applied.err
    assert (
        applied.out.splitlines()[-1]
        == "Apply: 7 applied, 0 failed, 0 stale, 0 blocked, 0 conflict."
    )

    second = cli("plan", "--detailed-exitcode")
    assert second.code == 0, second.out
    assert "No changes." in second.out
    assert sorted(p["name"] for p in neon.projects()) == EXAMPLE_TENANTS


def test_converged_projects_carry_the_fleet_settings(cli: Any, neon: NeonApi) -> None:
    assert cli("apply", "--yes").code == 0
    umbrella = neon.project(neon.project_named("umbrella")["id"])
    quota = umbrella["settings"]["quota"]
    assert quota["logical_size_bytes"] == 50 * 1024**3
    assert quota["data_transfer_bytes"] == 0  # `unlimited` lifts the plan's cap
    (endpoint,) = neon.endpoints(umbrella["id"])
    assert (endpoint["autoscaling_limit_min_cu"], endpoint["autoscaling_limit_max_cu"]) == (0.25, 8)
    assert endpoint["suspend_timeout_seconds"] == 900
    initech = neon.project_named("initech")
    assert [e["disabled"] for e in neon.endpoints(initech["id"])] == [True]
    branches = neon.http.get(f"/projects/{initech['id']}/branches").json()
    (annotation,) = branches["annotations"].values()
    assert annotation["value"]["tenantctl/tenant"] == "initech"
    assert annotation["value"]["tenantctl/fleet"] == "example"


def test_plan_costs_one_list_page_plus_one_call_per_tenant_and_reads_no_secret(
    cli: Any, neon: NeonApi, neon_env: EmulatorProcess
) -> None:
    assert cli("apply", "--yes").code == 0
    before = _calls(neon_env)
    assert cli("plan").code == 0
    calls = {route: n - before.get(route, 0) for route, n in _calls(neon_env).items()}
    calls = {route: n for route, n in calls.items() if n}
    assert calls == {
        "GET /projects": 1,
        "GET /projects/{project_id}/endpoints": len(EXAMPLE_TENANTS),
    }


def test_json_and_markdown_formats(cli: Any, neon: NeonApi) -> None:
    as_json = cli("plan", "--format", "json")
    data = json.loads(as_json.out)
    assert data["format_version"] == 2
    assert [a["tenant"] for a in data["actions"]] == EXAMPLE_TENANTS
    assert {a["kind"] for a in data["actions"]} == {"create"}
    markdown = cli("plan", "--format", "markdown")
    assert markdown.out.startswith("### tenantctl plan: fleet `example`")
    assert "| `acme` | `+` create (plan `pro`) | (new) | new project |  |" in markdown.out


def _calls(server: EmulatorProcess) -> dict[str, int]:
    """Requests by `METHOD route` under /api/v2, from the emulator's own counters."""
    stats = server.stats()
    totals: dict[str, int] = {}
    for row in stats["requests"]:
        key = f"{row['method']} {row['route']}"
        totals[key] = totals.get(key, 0) + row["count"]
    return totals


def test_projects_no_tenant_claims_cost_one_mark_read_per_machine_not_per_plan(
    cli: Any, neon: NeonApi, neon_env: EmulatorProcess, fleet_dir: Any
) -> None:
    for n in range(5):
        neon.create_project(f"another-team-{n}")
    assert cli("apply", "--yes").code == 0
    assert "5 project(s) in the org are not managed" in cli("plan").out
    before = _calls(neon_env)
    assert cli("plan").code == 0
    calls = {route: n - before.get(route, 0) for route, n in _calls(neon_env).items()}
    assert {route: n for route, n in calls.items() if n} == {
        "GET /projects": 1,
        "GET /projects/{project_id}/endpoints": len(EXAMPLE_TENANTS),
    }
    caches = list((fleet_dir / ".tenantctl").glob("marks-*.json"))
    assert len(caches) == 1
    caches[0].write_text("{ not json")  # a damaged cache only costs reads again
    again = cli("plan")
    assert again.code == 0
    assert "5 project(s) in the org are not managed" in again.out
