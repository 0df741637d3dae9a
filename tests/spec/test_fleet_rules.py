"""Rules that span files or layers: names against files, references, duplicates, and values
that are fine alone but break a Neon rule once a tenant's overrides meet its plan's values.

Each case is a fleet directory under tests/fixtures/fleets/, or built in tmp_path.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.spec import load_fleet
from tests.spec.fleet_builder import BASIC_PLAN, FIXTURES, load_errors, rendered, write_fleet

REGIONS = (
    "aws-ap-southeast-1, aws-ap-southeast-2, aws-eu-central-1, aws-eu-west-2, aws-sa-east-1, "
    "aws-us-east-1, aws-us-east-2, aws-us-west-2"
)

ERROR_CASES: dict[str, list[str]] = {
    "tenant-id-mismatch": [
        "tenants/acme.yaml:1:5: id: 'acme-corp' does not match the file name 'acme.yaml'; "
        "rename the file to acme-corp.yaml or change the id"
    ],
    "plan-name-mismatch": [
        # The tenant on the broken plan gets no second error for it.
        "plans/basic.yaml:1:7: name: 'pro' does not match the file name 'basic.yaml'; "
        "rename the file to pro.yaml or change the name"
    ],
    "bad-file-name": [
        "tenants/Acme_Corp.yaml:1:1: file name 'Acme_Corp' is not a valid tenant id: use "
        "lowercase letters, digits and hyphens, 1 to 63 characters, starting with a letter"
    ],
    "duplicate-tenant-id": [
        "tenants/acme.yml:1:1: tenant id 'acme' is also used by tenants/acme.yaml"
    ],
    "duplicate-plan": ["plans/basic.yml:1:1: plan 'basic' is also defined in plans/basic.yaml"],
    "missing-plan": [
        "tenants/acme.yaml:1:7: plan: no plan named 'basik' in plans/; did you mean 'basic'? "
        "(plans: basic)"
    ],
    "no-plans-directory": [
        "tenants/acme.yaml:1:7: plan: no plan named 'basic' in plans/ (there are no plans)"
    ],
    "tenant-on-invalid-plan": [
        f"plans/basic.yaml:1:9: region: 'eu-central-1' is not a Neon region ({REGIONS}); "
        "did you mean 'aws-eu-central-1'?"
    ],
    "shared-project-id": [
        "tenants/globex.yaml:2:13: project_id: project 'cold-bonus-61650555' is already bound "
        "to tenant 'acme' (tenants/acme.yaml); a project belongs to one tenant"
    ],
    "tenant-widens-autoscaling": [
        "tenants/acme.yaml:4:13: overrides.compute.max_cu: the autoscaling range from min_cu "
        "0.25 (plan 'basic', plans/basic.yaml:2:11) to max_cu 12 (here) is wider than Neon's "
        "limit of 8 CU"
    ],
    "tenant-min-above-plan-max": [
        "tenants/acme.yaml:4:13: overrides.compute.min_cu: min_cu 8 (here) is above max_cu 4 "
        "(plan 'basic', plans/basic.yaml:3:11)"
    ],
    "tenant-compute-both-own": [
        "tenants/acme.yaml:5:13: overrides.compute.max_cu: the autoscaling range from min_cu 1 "
        "(line 4) to max_cu 10 (here) is wider than Neon's limit of 8 CU"
    ],
    "plan-autoscaling-above-16": [
        # Reported once, on the plan; its two tenants inherit both values and add nothing.
        "plans/basic.yaml:3:11: compute.max_cu: autoscaling from min_cu 12 (line 2) to max_cu "
        "18 (here) goes above Neon's autoscaling maximum of 16 CU; for a fixed size above 16 "
        "CU set min_cu equal to max_cu"
    ],
    "plan-min-above-default-max": [
        "plans/basic.yaml:2:11: compute.min_cu: min_cu 4 (here) is above max_cu 2 (Neon's default)"
    ],
    "derived-role-protected": [
        "tenants/acme.yaml:2:11: database: the owner role Neon would create for it is invalid: "
        "'pg_data_owner' is a protected role name in Neon (names starting with pg_, "
        "neon_superuser, cloud_admin, zenith_admin, public, none); set `role` explicitly"
    ],
    "derived-role-too-long": [
        "tenants/acme.yaml:2:11: database: the owner role Neon would create for it is invalid: "
        "'ddddddddddddddddddddddddddddddddddddddddddddddddddddddddd...' is 66 bytes long; "
        "Postgres names are at most 63 bytes; set `role` explicitly"
    ],
    "settings-unknown-key": [
        "tenantctl.yaml:2:1: unknown key 'prefix'; valid keys: project_name_prefix, fleet"
    ],
    "settings-bad-fleet-name": [
        "tenantctl.yaml:1:8: fleet: 'Production EU' is not a valid fleet name: use lowercase "
        "letters, digits and hyphens, 1 to 63 characters, starting with a letter"
    ],
    "prefix-too-long": [
        "tenantctl.yaml:1:22: project_name_prefix: tenant '" + "a" * 60 + "' would get a "
        "project name of 260 characters; Neon allows at most 256"
    ],
}


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_a_rule_across_files_or_layers_is_reported_once_at_the_right_place(case: str) -> None:
    result = load_fleet(FIXTURES / case)
    assert result.fleet is None
    assert rendered(result) == (ERROR_CASES[case], [])


def test_a_too_long_prefix_is_reported_with_the_tenants_own_errors(tmp_path: Path) -> None:
    fleet = write_fleet(
        tmp_path,
        {
            "tenantctl.yaml": "project_name_prefix: " + "p" * 253 + "\n",
            "plans/basic.yaml": BASIC_PLAN,
            "tenants/acme.yaml": "plan: basik\n",  # not resolved: its plan does not exist
        },
    )
    assert load_errors(fleet) == [
        "tenantctl.yaml:1:22: project_name_prefix: tenant 'acme' would get a project name of "
        "257 characters; Neon allows at most 256",
        "tenants/acme.yaml:1:7: plan: no plan named 'basik' in plans/; did you mean 'basic'? "
        "(plans: basic)",
    ]


def test_a_large_fixed_compute_that_would_scale_to_zero_is_a_warning() -> None:
    result = load_fleet(FIXTURES / "large-fixed-compute")
    assert result.fleet is not None
    assert rendered(result) == (
        [],
        [
            "plans/basic.yaml:3:11: compute.max_cu: computes above 16 CU never scale to zero, so "
            "Neon's default suspend_timeout has no effect; set `suspend_timeout: never` to say so",
            "tenants/globex.yaml:4:22: overrides.compute.suspend_timeout: computes above 16 CU "
            "never scale to zero, so suspend_timeout 10m (here) has no effect; set "
            "`suspend_timeout: never` to say so",
        ],
    )
