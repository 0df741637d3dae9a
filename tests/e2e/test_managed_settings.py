"""The settings managed beyond quotas and autoscaling, end to end over the emulator's HTTP server:
network security, logical replication, maintenance window, Postgres settings, read replicas.

Each is created with the project, changed in git, drifted out of band and corrected; logical
replication cannot be turned off; a read-only compute made out of band is left alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.conftest import NeonApi
from tests.spec.fleet_builder import write_fleet

PLAN = """\
description: Business
limits: {storage: 10GiB}
compute:
  min_cu: 0.25
  max_cu: 2
  pg_settings: {work_mem: 64MB}
network:
  allowed_ips: [203.0.113.0/24]
  block_public_connections: false
maintenance_window: {weekdays: [6, 7], start: "01:00", end: "03:00"}
read_replicas: {count: 1, min_cu: 0.25, max_cu: 1}
"""
TENANT = "plan: business\noverrides:\n  logical_replication: true\n"


def small_fleet(root: Path) -> Path:
    return write_fleet(
        root,
        {
            "tenantctl.yaml": "fleet: settings\n",
            "plans/business.yaml": PLAN,
            "tenants/shop.yaml": TENANT,
        },
    )


def plan_lines(cli: Any, fleet: Path) -> list[str]:
    result = cli("plan", fleet=fleet)
    assert result.code == 0, result.out + result.err
    return [line.strip() for line in result.out.splitlines()]


def apply(cli: Any, fleet: Path, *extra: str) -> None:
    result = cli("apply", "--yes", *extra, fleet=fleet)
    assert result.code == 0, result.out + result.err
    assert "No changes." in cli("plan", fleet=fleet).out


def test_new_settings_are_created_changed_in_git_and_corrected_after_drift(
    cli: Any, neon: NeonApi, tmp_path: Path
) -> None:
    fleet = small_fleet(tmp_path)
    apply(cli, fleet)
    project = neon.project(neon.project_named("shop")["id"])
    settings = project["settings"]
    assert settings["allowed_ips"]["ips"] == ["203.0.113.0/24"]
    assert settings["enable_logical_replication"] is True
    assert settings["maintenance_window"] == {
        "weekdays": [6, 7],
        "start_time": "01:00",
        "end_time": "03:00",
    }
    assert project["default_endpoint_settings"]["pg_settings"] == {"work_mem": "64MB"}
    computes = {e["type"]: e for e in neon.endpoints(project["id"])}
    assert computes["read_write"]["settings"]["pg_settings"] == {"work_mem": "64MB"}
    assert computes["read_only"]["name"] == "tenantctl-replica-1"
    assert computes["read_only"]["autoscaling_limit_max_cu"] == 1

    (fleet / "plans/business.yaml").write_text(
        PLAN.replace("203.0.113.0/24", "198.51.100.0/24")
        .replace("block_public_connections: false", "block_public_connections: true")
        .replace("[6, 7]", "[7]")
        .replace("64MB", "128MB")
        .replace("count: 1, min_cu: 0.25, max_cu: 1", "count: 2, min_cu: 0.25, max_cu: 2"),
        encoding="utf-8",
    )
    lines = plan_lines(cli, fleet)
    for expected in (
        "~ network.allowed_ips: [203.0.113.0/24] -> [198.51.100.0/24] "
        "(+198.51.100.0/24, -203.0.113.0/24)  (plan business)",
        "~ network.block_public_connections: false -> true  (plan business)",
        "~ maintenance_window: Sat, Sun 01:00-03:00 UTC -> Sun 01:00-03:00 UTC  (plan business)",
        "~ compute.pg_settings: {work_mem: 64MB} -> {work_mem: 128MB} "
        "(work_mem: 64MB -> 128MB)  (plan business)",
        "~ read_replicas.count: 1 -> 2  (plan business)",
        "+ read replica tenantctl-replica-2: 0.25 CU to 2 CU",
    ):
        assert expected in lines, "\n".join(lines)
    apply(cli, fleet)
    assert len(neon.endpoints(project["id"])) == 3

    neon.patch_project(
        project["id"],
        settings={
            "allowed_ips": {"ips": ["192.0.2.1"]},
            "block_public_connections": False,
            "maintenance_window": {"weekdays": [1], "start_time": "04:00", "end_time": "05:00"},
        },
        default_endpoint_settings={"pg_settings": {}},
    )
    lines = plan_lines(cli, fleet)
    changed = {line.split(":")[0] for line in lines if line.startswith("~ ")}
    assert {
        "~ network.allowed_ips",
        "~ network.block_public_connections",
        "~ maintenance_window",
        "~ compute.pg_settings",
    } <= changed
    apply(cli, fleet)


def test_logical_replication_cannot_be_turned_off(cli: Any, neon: NeonApi, tmp_path: Path) -> None:
    fleet = small_fleet(tmp_path)
    apply(cli, fleet)
    (fleet / "tenants/shop.yaml").write_text(TENANT.replace("true", "false"), encoding="utf-8")
    result = cli("plan", fleet=fleet)
    assert result.code == 1  # a conflict
    assert "! conflict shop" in result.out
    assert "logical_replication is on for this project and Neon cannot turn it off" in result.out
    assert cli("apply", "--yes", fleet=fleet).code == 1
    project = neon.project(neon.project_named("shop")["id"])
    assert project["settings"]["enable_logical_replication"] is True


def test_a_read_only_compute_made_out_of_band_is_left_alone(
    cli: Any, neon: NeonApi, tmp_path: Path
) -> None:
    fleet = small_fleet(tmp_path)
    apply(cli, fleet)
    project_id = neon.project_named("shop")["id"]
    branch = neon.endpoints(project_id)[0]["branch_id"]
    body = {
        "endpoint": {
            "branch_id": branch,
            "type": "read_only",
            "name": "analytics",
            "autoscaling_limit_min_cu": 0.5,
            "autoscaling_limit_max_cu": 3,
        }
    }
    neon.http.post(f"/projects/{project_id}/endpoints", json=body).raise_for_status()
    (fleet / "plans/business.yaml").write_text(
        PLAN.replace("max_cu: 2\n", "max_cu: 4\n"), encoding="utf-8"
    )
    lines = plan_lines(cli, fleet)
    assert any("was not created by tenantctl: left alone" in line for line in lines)
    apply(cli, fleet)
    theirs = [e for e in neon.endpoints(project_id) if e.get("name") == "analytics"]
    assert [(e["autoscaling_limit_min_cu"], e["autoscaling_limit_max_cu"]) for e in theirs] == [
        (0.5, 3)
    ]
    primary = [e for e in neon.endpoints(project_id) if e["type"] == "read_write"]
    assert primary[0]["autoscaling_limit_max_cu"] == 4


def test_removing_a_replica_needs_allow_delete(cli: Any, neon: NeonApi, tmp_path: Path) -> None:
    fleet = small_fleet(tmp_path)
    apply(cli, fleet)
    project_id = neon.project_named("shop")["id"]
    (fleet / "plans/business.yaml").write_text(
        PLAN.replace("count: 1", "count: 0"), encoding="utf-8"
    )
    blocked = cli("apply", "--yes", fleet=fleet)
    assert blocked.code == 0
    assert "removing a read replica needs --allow-delete" in blocked.out
    assert len(neon.endpoints(project_id)) == 2
    apply(cli, fleet, "--allow-delete")
    assert [e["type"] for e in neon.endpoints(project_id)] == ["read_write"]
