"""Request bodies: unset fields omitted, zeros sent, Neon's bounds checked before sending."""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError

from controller.neon import (
    BranchInput,
    DefaultEndpointSettingsInput,
    EndpointUpdate,
    ProjectCreate,
    ProjectSettingsInput,
    ProjectUpdate,
    QuotaInput,
)
from tests.support.contract import ContractValidator


def test_unset_fields_are_omitted_but_a_zero_quota_is_sent() -> None:
    update = ProjectUpdate(
        settings=ProjectSettingsInput(quota=QuotaInput(active_time_seconds=0, written_data_bytes=5))
    )
    assert update.body() == {
        "project": {"settings": {"quota": {"active_time_seconds": 0, "written_data_bytes": 5}}}
    }


def test_a_full_create_body() -> None:
    create = ProjectCreate(
        name="tenant-acme",
        region_id="aws-us-east-2",
        pg_version=17,
        org_id="org-fleet-1",
        settings=ProjectSettingsInput(quota=QuotaInput(compute_time_seconds=3600)),
        default_endpoint_settings=DefaultEndpointSettingsInput(
            autoscaling_limit_min_cu=0.25, autoscaling_limit_max_cu=2, suspend_timeout_seconds=0
        ),
        history_retention_seconds=0,
        branch=BranchInput(
            name="main",
            database_name="acme",
            role_name="acme_owner",
            annotations={"tenantctl/tenant": "acme"},
        ),
    )
    assert create.body() == {
        "project": {
            "name": "tenant-acme",
            "region_id": "aws-us-east-2",
            "pg_version": 17,
            "org_id": "org-fleet-1",
            "settings": {"quota": {"compute_time_seconds": 3600}},
            "default_endpoint_settings": {
                "autoscaling_limit_min_cu": 0.25,
                "autoscaling_limit_max_cu": 2.0,
                "suspend_timeout_seconds": 0,
            },
            "history_retention_seconds": 0,
            "branch": {
                "name": "main",
                "database_name": "acme",
                "role_name": "acme_owner",
                "annotations": {"tenantctl/tenant": "acme"},
            },
        }
    }


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/projects", ProjectCreate(name="t").body()),
        (
            "PATCH",
            "/projects/p-1",
            ProjectUpdate(
                settings=ProjectSettingsInput(quota=QuotaInput(logical_size_bytes=0))
            ).body(),
        ),
        (
            "PATCH",
            "/projects/p-1/endpoints/ep-1",
            EndpointUpdate(
                autoscaling_limit_max_cu=4, suspend_timeout_seconds=-1, disabled=False
            ).body(),
        ),
    ],
    ids=["create", "update", "endpoint"],
)
def test_bodies_satisfy_neons_contract(
    contract: ContractValidator, method: str, path: str, body: dict[str, object]
) -> None:
    request = httpx.Request(
        method, f"https://neon.test/api/v2{path}", json=body, headers={"Authorization": "Bearer k"}
    )
    assert contract.request_problems(request) == []


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: QuotaInput(active_time_seconds=-1), "active_time_seconds"),
        (lambda: ProjectCreate(pg_version=13), "pg_version"),
        (lambda: ProjectCreate(history_retention_seconds=2_592_001), "history_retention_seconds"),
        (lambda: ProjectCreate(org_id="Org 1"), "org_id"),
        (lambda: EndpointUpdate(autoscaling_limit_min_cu=0.1), "autoscaling_limit_min_cu"),
        (lambda: EndpointUpdate(suspend_timeout_seconds=604801), "suspend_timeout_seconds"),
        (lambda: BranchInput(annotations={f"k{n}": "v" for n in range(51)}), "annotations"),
        (lambda: ProjectUpdate(region_id="aws-eu-central-1"), "region_id"),  # type: ignore[call-arg]
    ],
)
def test_out_of_bounds_values_are_refused_before_sending(build: object, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        build()  # type: ignore[operator]
    assert caught.value.errors()[0]["loc"] == (field,)
