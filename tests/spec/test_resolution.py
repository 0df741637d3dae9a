"""Resolution: Neon's defaults, then the plan, then the tenant; each value knows its layer."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from controller.spec import DesiredFleet, FleetSettings, Layer, TenantState, load_fleet
from controller.spec.managed import KEYS
from tests.spec.fleet_builder import write_fleet

GiB = 1024**3
PRO_PLAN = """\
description: Pro
region: aws-eu-west-2
limits:
  storage: 10GiB
  compute_time: 100h
  data_transfer: unlimited
compute:
  min_cu: 0.25
  max_cu: 4
history_retention: 7d
"""


def load(root: Path, files: dict[str, str]) -> DesiredFleet:
    result = load_fleet(write_fleet(root, files))
    assert result.errors == ()
    assert result.fleet is not None
    return result.fleet


def test_each_value_comes_from_the_highest_layer_that_writes_it(tmp_path: Path) -> None:
    tenant = """\
plan: pro
pg_version: 16
overrides:
  limits:
    storage: 20GiB
  compute:
    suspend_timeout: never
"""
    fleet = load(tmp_path, {"plans/pro.yaml": PRO_PLAN, "tenants/acme.yaml": tenant})
    acme = fleet.tenants["acme"]
    values = {key: acme.value(key) for key in KEYS}
    assert values == {
        "region": "aws-eu-west-2",
        "pg_version": 16,
        "database": "neondb",
        "role": "neondb_owner",
        "limits.storage": 20 * GiB,
        "limits.compute_time": 360_000,
        "limits.active_time": 0,  # no cap: Neon's 0
        "limits.data_transfer": 0,
        "limits.written_data": 0,
        "compute.min_cu": 0.25,
        "compute.max_cu": 4.0,
        "compute.suspend_timeout": -1,
        "compute.pg_settings": None,  # not managed unless written
        "history_retention": 604_800,
        "network.allowed_ips": None,  # security settings: not managed unless written
        "network.protected_branches_only": None,
        "network.block_public_connections": None,
        "network.block_vpc_connections": None,
        "logical_replication": None,  # not managed unless written
        "maintenance_window": None,
        "read_replicas.count": 0,
        "read_replicas.min_cu": 0.25,
        "read_replicas.max_cu": 2.0,
    }
    plan_set = {"region", "limits.compute_time", "limits.data_transfer", "compute.min_cu"}
    plan_set |= {"compute.max_cu", "history_retention"}
    tenant_set = {"pg_version", "limits.storage", "compute.suspend_timeout"}
    assert dict(acme.provenance) == {
        "state": Layer.DEFAULT,
        **dict.fromkeys(KEYS, Layer.DEFAULT),
        **dict.fromkeys(plan_set, Layer.PLAN),
        **dict.fromkeys(tenant_set, Layer.TENANT),
    }
    assert dict(acme.units) == {"limits.storage": "GiB", "limits.compute_time": "h",
                                "history_retention": "d"}  # fmt: skip


def test_unlimited_in_an_override_lifts_the_plans_cap(tmp_path: Path) -> None:
    tenant = "plan: pro\noverrides:\n  limits:\n    storage: unlimited\n"
    fleet = load(tmp_path, {"plans/pro.yaml": PRO_PLAN, "tenants/acme.yaml": tenant})
    acme = fleet.tenants["acme"]
    assert acme.value("limits.storage") == 0  # Neon's "no quota"
    assert acme.limits()["storage"] is None
    assert acme.layer_of("limits.storage") is Layer.TENANT


def test_with_no_plan_or_tenant_values_neon_defaults_apply(tmp_path: Path) -> None:
    fleet = load(
        tmp_path, {"plans/bare.yaml": "description: Bare\n", "tenants/a.yaml": "plan: bare\n"}
    )
    tenant = fleet.tenants["a"]
    assert (tenant.state, tenant.value("region"), tenant.value("pg_version")) == (
        TenantState.ACTIVE,
        "aws-us-east-2",
        17,
    )
    assert set(tenant.limits().values()) == {None}
    assert [tenant.value(f"compute.{k}") for k in ("min_cu", "max_cu", "suspend_timeout")] == [
        0.25,
        2.0,
        0,
    ]
    assert tenant.value("history_retention") == 86_400
    assert set(tenant.provenance.values()) == {Layer.DEFAULT}


def test_the_owner_role_follows_a_custom_database_name(tmp_path: Path) -> None:
    files = {"plans/pro.yaml": PRO_PLAN, "tenants/acme.yaml": "plan: pro\ndatabase: shop\n"}
    acme = load(tmp_path, files).tenants["acme"]
    assert (acme.value("database"), acme.value("role")) == ("shop", "shop_owner")
    assert (acme.layer_of("database"), acme.layer_of("role")) == (Layer.TENANT, Layer.DEFAULT)


@pytest.mark.parametrize(
    ("override", "field", "expected"),
    [
        ("pg_version: 017", "pg_version", 17),  # decimal, not YAML 1.1 octal (15)
        ("overrides: {limits: {storage: '1024'}}", "limits.storage", 1024),
        ("overrides: {limits: {storage: 1.5GiB}}", "limits.storage", 1_610_612_736),
        ("overrides: {limits: {active_time: 2w}}", "limits.active_time", 1_209_600),
        ("overrides: {compute: {suspend_timeout: 1.5h}}", "compute.suspend_timeout", 5400),
        ("overrides: {compute: {suspend_timeout: 600}}", "compute.suspend_timeout", 600),
        ("overrides: {compute: {suspend_timeout: default}}", "compute.suspend_timeout", 0),
        ("overrides: {history_retention: 0}", "history_retention", 0),
        (
            "overrides: {network: {allowed_ips: [203.0.113.0/24, '2001:db8::1']}}",
            "network.allowed_ips",
            ["203.0.113.0/24", "2001:db8::1"],
        ),
        (
            "overrides: {network: {block_public_connections: true}}",
            "network.block_public_connections",
            True,
        ),
        ("overrides: {logical_replication: false}", "logical_replication", False),
        (
            "overrides: {maintenance_window: {weekdays: [7, 6], start: '01:00', end: '03:00'}}",
            "maintenance_window",
            {"weekdays": [6, 7], "start_time": "01:00", "end_time": "03:00"},
        ),
        (
            "overrides: {compute: {pg_settings: {work_mem: 64MB, jit: false}}}",
            "compute.pg_settings",
            {"jit": "off", "work_mem": "64MB"},
        ),
        ("overrides: {read_replicas: {count: 2, max_cu: 4}}", "read_replicas.count", 2),
        ("state: deleted", "state", TenantState.DELETED),
    ],
)
def test_values_that_look_odd_but_are_valid(
    tmp_path: Path, override: str, field: str, expected: object
) -> None:
    files = {"plans/pro.yaml": PRO_PLAN, "tenants/acme.yaml": f"plan: pro\n{override}\n"}
    acme = load(tmp_path, files).tenants["acme"]
    value = acme.state if field == "state" else acme.value(field)
    assert value == expected
    assert acme.layer_of(field) is Layer.TENANT


def test_aliases_can_share_values_within_a_file(tmp_path: Path) -> None:
    tenant = "plan: pro\noverrides:\n  limits: &caps\n    storage: 1GiB\n"
    plan = "description: x\nlimits: &caps\n  storage: 2GiB\n  written_data: 2GiB\n"
    fleet = load(tmp_path, {"plans/pro.yaml": plan, "tenants/acme.yaml": tenant})
    assert fleet.tenants["acme"].limits() == {
        "storage": GiB,
        "compute_time": None,
        "active_time": None,
        "data_transfer": None,
        "written_data": 2 * GiB,
    }


def test_a_plan_keeps_its_own_values(tmp_path: Path) -> None:
    fleet = load(tmp_path, {"plans/pro.yaml": PRO_PLAN})
    pro = fleet.plans["pro"]
    assert (pro.name, pro.description, pro.source) == ("pro", "Pro", "plans/pro.yaml")
    assert dict(pro.values) == {  # only what the plan writes
        "region": "aws-eu-west-2",
        "limits.storage": 10 * GiB,
        "limits.compute_time": 360_000,
        "limits.data_transfer": 0,
        "compute.min_cu": 0.25,
        "compute.max_cu": 4.0,
        "history_retention": 604_800,
    }
    assert pro.limits()["active_time"] is None  # the rest: no cap


def test_fleet_settings_default_without_a_settings_file(tmp_path: Path) -> None:
    fleet = load(tmp_path, {"plans/pro.yaml": PRO_PLAN, "tenants/acme.yaml": "plan: pro\n"})
    assert fleet.settings == FleetSettings(project_name_prefix="", fleet="default")
    assert not fleet.settings.fleet_declared
    assert fleet.tenants["acme"].project_name == "acme"
    assert fleet.source_of("acme") == "tenants/acme.yaml"


def test_the_project_name_is_the_fleet_prefix_and_the_id(tmp_path: Path) -> None:
    files = {
        "tenantctl.yaml": "project_name_prefix: saas-\nfleet: eu-prod\n",
        "plans/pro.yaml": PRO_PLAN,
        "tenants/acme.yml": "plan: pro\nproject_id: cold-bonus-61650555\n",
    }
    fleet = load(tmp_path, files)
    assert fleet.settings == FleetSettings(
        project_name_prefix="saas-", fleet="eu-prod", fleet_declared=True
    )
    acme = fleet.tenants["acme"]
    assert (acme.project_name, acme.project_id) == ("saas-acme", "cold-bonus-61650555")
    assert fleet.source_of("acme") == "tenants/acme.yml"


def test_the_resolved_fleet_is_immutable(tmp_path: Path) -> None:
    fleet = load(tmp_path, {"plans/pro.yaml": PRO_PLAN, "tenants/acme.yaml": "plan: pro\n"})
    with pytest.raises(TypeError):
        fleet.tenants["other"] = fleet.tenants["acme"]  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        fleet.tenants["acme"].plan = "free"  # type: ignore[misc]
    with pytest.raises(TypeError):
        fleet.tenants["acme"].values["region"] = "aws-us-east-1"  # type: ignore[index]
    with pytest.raises(TypeError):
        fleet.tenants["acme"].provenance["region"] = Layer.TENANT  # type: ignore[index]
