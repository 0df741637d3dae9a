"""Drift made out of band through the API is found by plan and corrected by apply."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import NeonApi

GiB = 1024**3


def converge(cli: Any) -> None:
    result = cli("apply", "--yes")
    assert result.code == 0, result.out + result.err


def assert_in_sync(cli: Any) -> None:
    result = cli("plan", "--detailed-exitcode")
    assert result.code == 0, result.out


def test_edited_quota_is_restored(cli: Any, neon: NeonApi) -> None:
    converge(cli)
    acme = neon.project_named("acme")
    neon.patch_project(acme["id"], settings={"quota": {"logical_size_bytes": GiB}})
    plan = cli("plan", "--detailed-exitcode")
    assert plan.code == 2
    assert "    ~ limits.storage: 1GiB -> 10GiB  (plan pro)" in plan.out.splitlines()
    converge(cli)
    assert neon.project(acme["id"])["settings"]["quota"]["logical_size_bytes"] == 10 * GiB
    assert_in_sync(cli)


def test_changed_endpoint_autoscaling_is_restored(cli: Any, neon: NeonApi) -> None:
    converge(cli)
    wayne = neon.project_named("wayne")
    (endpoint,) = neon.endpoints(wayne["id"])
    neon.patch_endpoint(wayne["id"], endpoint["id"], autoscaling_limit_max_cu=2)
    plan = cli("plan")
    assert (
        f"    ~ compute {endpoint['id']}: compute.max_cu: 2 CU -> 4 CU  (plan pro)"
        in plan.out.splitlines()
    )
    converge(cli)
    assert neon.endpoints(wayne["id"])[0]["autoscaling_limit_max_cu"] == 4
    assert_in_sync(cli)


def test_re_enabled_endpoint_of_a_suspended_tenant_is_disabled_again(
    cli: Any, neon: NeonApi
) -> None:
    converge(cli)
    initech = neon.project_named("initech")
    (endpoint,) = neon.endpoints(initech["id"])
    neon.patch_endpoint(initech["id"], endpoint["id"], disabled=False)
    plan = cli("plan")
    assert "|| suspend initech" in plan.out
    assert f"    ~ compute {endpoint['id']}: disabled: false -> true" in plan.out.splitlines()
    converge(cli)
    assert neon.endpoints(initech["id"])[0]["disabled"] is True
    assert_in_sync(cli)


def test_renamed_project_is_found_by_its_mark_renamed_back_and_never_duplicated(
    cli: Any, neon: NeonApi
) -> None:
    converge(cli)
    hooli = neon.project_named("hooli")
    neon.patch_project(hooli["id"], name="hooli-renamed-by-support")
    plan = cli("plan")
    assert f"~ update hooli  project {hooli['id']} 'hooli-renamed-by-support'" in plan.out
    assert "    ~ name: hooli-renamed-by-support -> hooli" in plan.out.splitlines()
    assert "create" not in plan.out.splitlines()[-1].replace("0 to create", "")
    converge(cli)
    assert neon.project(hooli["id"])["name"] == "hooli"
    assert len(neon.projects()) == 7
    assert_in_sync(cli)
