"""Project health over a real emulator server: a half-made project is never "No changes"."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.e2e.conftest import NeonApi

HOUR = 3600


def test_a_create_that_failed_half_way_is_unhealthy_with_its_failed_operation(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    neon.server.set_faults(operation_failure_rate=1.0)
    failed = cli("apply", "--yes", "--target", "hooli")
    neon.server.set_faults()
    assert failed.code == 1
    hooli = neon.project_named("hooli")
    assert [e["current_state"] for e in neon.endpoints(hooli["id"])] == ["init"]

    plan = cli("plan", "--target", "hooli")
    assert f"unhealthy: tenant hooli project {hooli['id']}: its create did not finish" in plan.out
    assert f"delete project {hooli['id']}" in plan.out
    status = json.loads(cli("status", "--format", "json", "--target", "hooli").out)
    (issue,) = status["tenants"][0]["health_issues"]
    assert issue["operation"]["action"] == "create_timeline"
    assert issue["operation"]["status"] == "failed"
    assert issue["repair"] is False


def test_apply_creates_the_missing_primary_compute_of_a_project_it_created(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    assert cli("apply", "--yes", "--target", "acme").code == 0
    acme = neon.project_named("acme")
    (primary,) = neon.endpoints(acme["id"])
    neon.http.delete(f"/projects/{acme['id']}/endpoints/{primary['id']}").raise_for_status()

    plan = cli("plan", "--target", "acme", "--detailed-exitcode")
    assert plan.code == 2, plan.out
    assert "the project has no read-write compute (this plan repairs it)" in plan.out
    assert "+ primary compute (read-write): 0.25 CU to 4 CU" in plan.out
    assert cli("apply", "--yes", "--target", "acme").code == 0
    (created,) = neon.endpoints(acme["id"])
    assert (created["type"], created["branch_id"]) == ("read_write", primary["branch_id"])
    assert created["autoscaling_limit_max_cu"] == 4
    again = cli("plan", "--target", "acme", "--detailed-exitcode")
    assert again.code == 0, again.out
    assert "No changes. Live Neon projects match the fleet." in again.out


def test_computes_suspended_at_a_limit_make_the_tenant_unhealthy_not_no_changes(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    assert cli("apply", "--yes", "--target", "hooli").code == 0
    hooli = neon.project_named("hooli")  # free: 100h of compute time, up to 2 CU
    neon.server.add_consumption(
        hooli["id"], active_time_seconds=60 * HOUR, compute_time_seconds=101 * HOUR
    )
    plan = cli("plan", "--target", "hooli", "--format", "markdown")
    assert plan.code == 0
    assert "No changes to settings, but 1 tenant is unhealthy (see above)." in plan.out
    assert (
        "Neon suspended its computes: the limits.compute\\_time limit is reached "
        "(101h used of 100h)" in plan.out
    )
    assert cli("status", "--target", "hooli").code == 3


def test_healthy_projects_cost_no_operation_or_usage_reads(cli: Any, neon: NeonApi) -> None:
    assert cli("apply", "--yes").code == 0
    before = _by_route(neon.server.stats())
    assert "No changes." in cli("plan").out
    after = _by_route(neon.server.stats())
    read = {route: n - before.get(route, 0) for route, n in after.items()}
    assert read.get("/projects/{project_id}/operations", 0) == 0
    assert read.get("/projects/{project_id}", 0) == 0  # no usage counters either
    assert read["/projects/{project_id}/endpoints"] == 7  # what a plan reads anyway


def _by_route(stats: dict[str, Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry in stats["requests"]:
        if entry["method"] == "GET":
            counts[entry["route"]] = counts.get(entry["route"], 0) + int(entry["count"])
    return counts
