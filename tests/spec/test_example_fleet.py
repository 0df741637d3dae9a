"""The example fleet in the repository is valid, covers the documented cases, and matches the
JSON Schemas its files point to."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from controller.spec import DesiredFleet, Layer, TenantState, load_fleet
from controller.spec.yaml_source import parse_yaml
from tests.spec.fleet_builder import REPO_ROOT

SCHEMA_COMMENT = re.compile(r"^# yaml-language-server: \$schema=(?P<path>\S+)$")
EXAMPLE_FILES = sorted(
    [
        *REPO_ROOT.glob("plans/*.yaml"),
        *REPO_ROOT.glob("tenants/*.yaml"),
        REPO_ROOT / "tenantctl.yaml",
    ]
)


@pytest.fixture(scope="module")
def example() -> DesiredFleet:
    result = load_fleet(REPO_ROOT)
    assert (result.errors, result.warnings) == ((), ())
    assert result.fleet is not None
    return result.fleet


def test_the_example_has_three_plans_and_a_handful_of_tenants(example: DesiredFleet) -> None:
    assert list(example.plans) == ["enterprise", "free", "pro"]
    assert 5 <= len(example.tenants) <= 8


def test_the_example_covers_states_overrides_names_and_regions(example: DesiredFleet) -> None:
    tenants = list(example.tenants.values())
    assert {t.state for t in tenants} >= {TenantState.ACTIVE, TenantState.SUSPENDED}
    lifted = [
        t
        for t in tenants
        for name, cap in t.limits().items()
        if cap is None and t.layer_of(f"limits.{name}") is Layer.TENANT
    ]
    assert lifted, "no tenant lifts a plan's cap with `unlimited`"
    assert any(t.layer_of("compute.max_cu") is Layer.TENANT for t in tenants)
    assert any(t.layer_of("database") is Layer.TENANT for t in tenants)
    assert any(t.layer_of("role") is Layer.TENANT for t in tenants)
    assert any(t.layer_of("region") is Layer.TENANT for t in tenants)


def test_the_plans_follow_neons_partner_guidance(example: DesiredFleet) -> None:
    free, pro, enterprise = (example.plans[name] for name in ("free", "pro", "enterprise"))
    assert free.values["compute.max_cu"] == 2
    assert free.values["compute.suspend_timeout"] == 300  # scale to zero after 5 minutes
    assert free.limit("compute_time") == 100 * 3600  # about 100 CU-hours
    assert enterprise.values["compute.max_cu"] == 16
    storage = [plan.limit("storage") or 0 for plan in (free, pro, enterprise)]
    assert storage == sorted(storage)
    retention = [plan.values.get("history_retention", 0) for plan in (free, pro, enterprise)]
    assert retention == sorted(retention)


def schema_of(path: Path) -> dict[str, Any]:
    first_line = path.read_text(encoding="utf-8").splitlines()[0]
    match = SCHEMA_COMMENT.match(first_line)
    assert match, f"{path} does not start with a yaml-language-server schema comment"
    schema_path = (path.parent / match["path"]).resolve()
    assert schema_path.parent == REPO_ROOT / "schema"
    loaded: dict[str, Any] = json.loads(schema_path.read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_each_example_file_validates_against_the_schema_it_names(path: Path) -> None:
    document = parse_yaml(path.read_text(encoding="utf-8"), path.name).document
    assert document is not None
    errors = list(Draft202012Validator(schema_of(path)).iter_errors(document.data))
    assert [error.message for error in errors] == []


@pytest.mark.parametrize(
    "bad",
    [
        {"plan": "pro", "owner": "alice"},
        {"plan": "pro", "state": "off"},
        {"plan": "pro", "region": "mars-1"},
        {"plan": "pro", "role": "pg_admin"},
        {"plan": "pro", "overrides": {"limits": {"storage": "10 gigs"}}},
        {"plan": "pro", "overrides": {"limits": {"storage": 0}}},
        {"plan": "pro", "overrides": {"compute": {"max_cu": 17}}},
        {"state": "active"},
    ],
)
def test_the_tenant_schema_rejects_what_validation_rejects(bad: dict[str, Any]) -> None:
    schema = schema_of(REPO_ROOT / "tenants" / "acme.yaml")
    assert not Draft202012Validator(schema).is_valid(bad)
