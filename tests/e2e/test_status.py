"""`tenantctl status`: the fleet inventory a platform backend reads, over a real emulator server."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from tests.e2e.conftest import NeonApi

HOUR = 3600


def test_status_json_shows_marked_adopted_orphaned_missing_conflicting_and_unhealthy(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    assert cli("apply", "--yes").code == 0
    tenants = fleet_dir / "tenants"
    legacy = neon.create_project("legacy-db")
    (tenants / "legacy.yaml").write_text("plan: pro\n")
    assert cli("adopt", "legacy", "--project-id", legacy["id"]).code == 0
    hooli = neon.project_named("hooli")
    (tenants / "hooli.yaml").unlink()  # orphaned (marked)
    (tenants / "newco.yaml").write_text("plan: free\n")  # missing
    clash = neon.create_project("clash")
    (tenants / "clash.yaml").write_text("plan: pro\n")  # a namesake without a mark: conflict
    stark = neon.project_named("stark")  # unhealthy: active time beyond its plan's reach
    neon.server.add_consumption(stark["id"], active_time_seconds=800 * HOUR)
    neon.patch_project(stark["id"], settings={"quota": {"active_time_seconds": 750 * HOUR}})
    (tenants / "stark.yaml").write_text(
        (tenants / "stark.yaml").read_text() + "  limits:\n    active_time: 750h\n"
    )

    status = cli("status", "--format", "json")
    assert status.code == 3, status.err  # a tenant is unhealthy or in conflict
    document = json.loads(status.out)
    assert document["format_version"] == 1
    assert document["target"]["host"] == neon.server.base_url
    rows = {row["tenant"]: row for row in document["tenants"]}
    acme = rows["acme"]
    assert (acme["live_state"], acme["bound_by"], acme["health"]) == ("active", "mark", "ok")
    assert (acme["region"], acme["pg_version"], acme["plan"]) == ("aws-us-east-2", 17, "pro")
    assert [c["type"] for c in acme["computes"]] == ["read_write"]
    adopted = rows["legacy"]
    assert (adopted["project_id"], adopted["project_name"]) == (legacy["id"], "legacy-db")
    assert (adopted["live_state"], adopted["bound_by"]) == ("active", "project_id")
    assert adopted["pending_actions"] == ["update"]
    assert rows["initech"]["live_state"] == "suspended"
    assert rows["initech"]["computes"][0]["disabled"] is True
    assert rows["newco"]["live_state"] == "missing"
    assert rows["newco"]["project_id"] is None
    assert rows["newco"]["pending_actions"] == ["create"]
    conflict = rows["clash"]
    assert (conflict["live_state"], conflict["project_id"]) == ("conflict", clash["id"])
    assert "is not managed by tenantctl; adopt it" in conflict["conflict"]
    unhealthy = rows["stark"]
    assert unhealthy["health"] == "unhealthy"
    (issue,) = unhealthy["health_issues"]
    assert issue["problem"].startswith(
        "Neon suspended its computes: the limits.active_time limit is reached"
    )
    assert "raise or lift limits.active_time" in issue["advice"]
    (orphan,) = document["orphans"]
    assert (orphan["tenant"], orphan["project_id"]) == ("hooli", hooli["id"])
    assert (orphan["live_state"], orphan["bound_by"]) == ("orphaned", "mark")
    assert document["unmanaged_projects"] == 0
    assert document["summary"]["unhealthy"] == 1


def test_status_table_and_csv_escape_untrusted_names(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    assert cli("apply", "--yes", "--target", "acme").code == 0
    acme = neon.project_named("acme")
    neon.patch_project(acme["id"], name="=HYPERLINK(evil)")  # renamed out of band
    table = cli("status", "--target", "acme")
    assert table.code == 0, table.err
    assert "=HYPERLINK(evil)" in table.out  # shown as written on a terminal
    rows = list(csv.DictReader(io.StringIO(cli("status", "--format", "csv").out)))
    row = next(r for r in rows if r["tenant"] == "acme")
    assert row["project_name"] == "'=HYPERLINK(evil)"  # never a spreadsheet formula
    assert row["health"] == "ok"
    assert {r["live_state"] for r in rows if r["tenant"] != "acme"} == {"missing"}


def test_status_reads_what_a_plan_reads_once_marks_are_known(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    assert cli("apply", "--yes").code == 0
    assert cli("status").code == 0  # reads each project's mark once on this machine
    before = neon.server.stats()["total"]
    assert cli("plan").code == 0
    plan_cost = neon.server.stats()["total"] - before
    before = neon.server.stats()["total"]
    assert cli("status").code == 0
    assert neon.server.stats()["total"] - before == plan_cost
