"""Each value rule rejects a bad value with a message naming the value and the rule.

Every case is one tenant file (`tenants/acme.yaml`, on a plan `basic` with no settings) built in
tmp_path, with the exact messages `tenantctl validate` prints for it. Plan files share the same
value types, so plan-specific cases only cover what differs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.spec.fleet_builder import BASIC_PLAN, load_errors, tenant_fleet, write_fleet

TENANT_CASES = [
    pytest.param(
        "plna: basic\n",
        [
            "tenants/acme.yaml:1:1: missing required key 'plan'",
            "tenants/acme.yaml:1:1: unknown key 'plna'; did you mean 'plan'?",
        ],
        id="typo-in-a-required-key",
    ),
    pytest.param(
        "plan: basic\noverrides:\n  limits:\n    storag: 1GiB\n",
        [
            (
                "tenants/acme.yaml:4:5: overrides.limits: unknown key 'storag'; did you mean "
                "'storage'?"
            ),
        ],
        id="typo-in-a-nested-key",
    ),
    pytest.param(
        "plan: basic\nstorage: 1GiB\n",
        [
            "tenants/acme.yaml:2:1: unknown key 'storage'; it belongs under overrides.limits",
        ],
        id="limit-at-the-top-level",
    ),
    pytest.param(
        "plan: basic\nlimits:\n  storage: 1GiB\n",
        [
            "tenants/acme.yaml:2:1: unknown key 'limits'; it belongs under overrides",
        ],
        id="limits-outside-overrides",
    ),
    pytest.param(
        "plan: basic\nowner: alice\n",
        [
            (
                "tenants/acme.yaml:2:1: unknown key 'owner'; valid keys: id, plan, state, "
                "project_id, region, pg_version, database, role, overrides"
            ),
        ],
        id="unknown-key-lists-valid-keys",
    ),
    pytest.param(
        "plan: 5\n",
        [
            (
                "tenants/acme.yaml:1:7: plan: expected the name of a plan in plans/, got the "
                "integer 5"
            ),
        ],
        id="plan-not-text",
    ),
    pytest.param(
        "plan: basic\npg_version: '17'\n",
        [
            (
                "tenants/acme.yaml:2:13: pg_version: expected a Postgres major version from 14 "
                "to 18, got the string '17'"
            ),
        ],
        id="pg-version-quoted",
    ),
    pytest.param(
        "plan: basic\npg_version: 13\n",
        [
            (
                "tenants/acme.yaml:2:13: pg_version: Postgres 13 is not offered by Neon; use 14 "
                "to 18"
            ),
        ],
        id="pg-version-too-old",
    ),
    pytest.param(
        "plan: basic\npg_version: 17.0\n",
        [
            (
                "tenants/acme.yaml:2:13: pg_version: expected a Postgres major version from 14 "
                "to 18, got the number 17.0"
            ),
        ],
        id="pg-version-float",
    ),
    pytest.param(
        "plan: basic\ndatabase: 2024\n",
        [
            "tenants/acme.yaml:2:11: database: expected a database name, got the integer 2024",
        ],
        id="database-not-text",
    ),
    pytest.param(
        "plan: basic\noverrides:\n",
        [
            "tenants/acme.yaml:2:11: overrides: expected a mapping, got null",
        ],
        id="overrides-empty",
    ),
    pytest.param(
        "plan: basic\noverrides: [limits]\n",
        [
            "tenants/acme.yaml:2:12: overrides: expected a mapping, got a list",
        ],
        id="overrides-a-list",
    ),
    pytest.param(
        "plan: basic\nstate: false\n",
        [
            (
                "tenants/acme.yaml:2:8: state: false is not a tenant state; use one of: active, "
                "suspended, deleted"
            ),
        ],
        id="state-boolean",
    ),
    pytest.param(
        "plan: basic\nstate: off\n",
        [
            (
                "tenants/acme.yaml:2:8: state: 'off' is not a tenant state; use one of: active, "
                "suspended, deleted"
            ),
        ],
        id="state-off-is-text-not-false",
    ),
    pytest.param(
        "plan: basic\nstate: Active\n",
        [
            (
                "tenants/acme.yaml:2:8: state: 'Active' is not a tenant state; use one of: "
                "active, suspended, deleted"
            ),
        ],
        id="state-capitalised",
    ),
    pytest.param(
        "plan: basic\nregion: no\n",
        [
            (
                "tenants/acme.yaml:2:9: region: 'no' is not a Neon region (aws-ap-southeast-1, "
                "aws-ap-southeast-2, aws-eu-central-1, aws-eu-west-2, aws-sa-east-1, "
                "aws-us-east-1, aws-us-east-2, aws-us-west-2)"
            ),
        ],
        id="region-no-is-text-not-false",
    ),
    pytest.param(
        "plan: basic\nregion: aws-eu-central-2\n",
        [
            (
                "tenants/acme.yaml:2:9: region: 'aws-eu-central-2' is not a Neon region "
                "(aws-ap-southeast-1, aws-ap-southeast-2, aws-eu-central-1, aws-eu-west-2, "
                "aws-sa-east-1, aws-us-east-1, aws-us-east-2, aws-us-west-2); did you mean "
                "'aws-eu-central-1'?"
            ),
        ],
        id="region-typo",
    ),
    pytest.param(
        "plan: basic\nregion: azure-eastus2\n",
        [
            (
                "tenants/acme.yaml:2:9: region: 'azure-eastus2' is an Azure region, which Neon "
                "retired on 2026-08-27; valid regions: aws-ap-southeast-1, aws-ap-southeast-2, "
                "aws-eu-central-1, aws-eu-west-2, aws-sa-east-1, aws-us-east-1, aws-us-east-2, "
                "aws-us-west-2"
            ),
        ],
        id="region-retired",
    ),
    pytest.param(
        "plan: basic\nregion:\n",
        [
            (
                "tenants/acme.yaml:2:8: region: expected a Neon region such as aws-us-east-2, "
                "got null"
            ),
        ],
        id="region-empty",
    ),
    pytest.param(
        "plan: basic\noverrides:\n  limits:\n    storage: 10 gigs\n",
        [
            (
                "tenants/acme.yaml:4:14: overrides.limits.storage: '10 gigs' is not a size: "
                "unknown unit 'gigs'; e.g. 10GiB (units: B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)"
            ),
        ],
        id="size-unknown-unit",
    ),
    pytest.param(
        "plan: basic\noverrides:\n  limits:\n    storage: 10gib\n",
        [
            (
                "tenants/acme.yaml:4:14: overrides.limits.storage: '10gib' is not a size: "
                "unknown unit 'gib'; did you mean 'GiB'? (units are case-sensitive)"
            ),
        ],
        id="size-unit-case",
    ),
    pytest.param(
        "plan: basic\noverrides:\n  limits:\n    storage: 1.3KiB\n",
        [
            (
                "tenants/acme.yaml:4:14: overrides.limits.storage: '1.3KiB' is not a whole "
                "number of bytes"
            ),
        ],
        id="size-fraction-of-a-byte",
    ),
    pytest.param(
        "plan: basic\noverrides:\n  limits:\n    storage: 0\n",
        [
            (
                "tenants/acme.yaml:4:14: overrides.limits.storage: 0 would mean no limit to "
                "Neon (a quota of 0 is unlimited); write `unlimited` to remove the cap, or a "
                "size above zero such as 10GiB"
            ),
        ],
        id="limit-zero",
    ),
    pytest.param(
        "plan: basic\noverrides:\n  limits:\n    written_data: 0GiB\n",
        [
            (
                "tenants/acme.yaml:4:19: overrides.limits.written_data: '0GiB' would mean no "
                "limit to Neon (a quota of 0 is unlimited); write `unlimited` to remove the "
                "cap, or a size above zero such as 10GiB"
            ),
        ],
        id="limit-zero-with-unit",
    ),
    pytest.param(
        "plan: basic\noverrides:\n  limits:\n    storage: -1\n",
        [
            (
                "tenants/acme.yaml:4:14: overrides.limits.storage: -1 is negative; a size "
                "cannot be below zero"
            ),
        ],
        id="size-negative",
    ),
    pytest.param(
        "plan: basic\noverrides:\n  limits:\n    compute_time: 12:30\n",
        [
            (
                "tenants/acme.yaml:4:19: overrides.limits.compute_time: '12:30' is not a "
                "duration; write a whole number of seconds or a number with a unit, e.g. 5m "
                "(units: s, m, h, d, w)"
            ),
        ],
        id="duration-sexagesimal",
    ),
    pytest.param(
        "plan: basic\noverrides:\n  limits:\n    storage: 1_000\n",
        [
            (
                "tenants/acme.yaml:4:14: overrides.limits.storage: '1_000' is not a size; write "
                "a whole number of bytes or a number with a unit, e.g. 10GiB (units: B, KB, MB, "
                "GB, TB, KiB, MiB, GiB, TiB)"
            ),
        ],
        id="size-digit-separators",
    ),
    pytest.param(
        "plan: basic\noverrides:\n  limits:\n    data_transfer: true\n",
        [
            (
                "tenants/acme.yaml:4:20: overrides.limits.data_transfer: expected a size such "
                "as 10GiB or `unlimited`, got the boolean true"
            ),
        ],
        id="limit-boolean",
    ),
    pytest.param(
        "plan: basic\noverrides:\n  limits:\n    storage: 9999999TiB\n",
        [
            (
                "tenants/acme.yaml:4:14: overrides.limits.storage: '9999999TiB' is more than "
                "Neon's largest quota (9223372036854775807)"
            ),
        ],
        id="size-above-int64",
    ),
    pytest.param(
        "plan: basic\noverrides:\n  limits:\n    storage:\n",
        [
            (
                "tenants/acme.yaml:4:13: overrides.limits.storage: expected a size such as "
                "10GiB or `unlimited`, got null"
            ),
        ],
        id="limit-empty",
    ),
    pytest.param(
        "plan: basic\noverrides:\n  limits:\n    storage: Unlimited\n",
        [
            (
                "tenants/acme.yaml:4:14: overrides.limits.storage: 'Unlimited' is not a "
                "keyword; write `unlimited` in lowercase"
            ),
        ],
        id="unlimited-capitalised",
    ),
    pytest.param(
        "plan: basic\noverrides:\n  limits:\n    active_time: 3 days\n",
        [
            (
                "tenants/acme.yaml:4:18: overrides.limits.active_time: '3 days' is not a "
                "duration: unknown unit 'days'; e.g. 5m (units: s, m, h, d, w)"
            ),
        ],
        id="duration-unknown-unit",
    ),
    pytest.param(
        "plan: basic\noverrides:\n  compute:\n    min_cu: 0.3\n",
        [
            (
                "tenants/acme.yaml:4:13: overrides.compute.min_cu: 0.3 is not a Neon compute "
                "size; use 0.25, 0.5, 1 to 16 in steps of 1, or 18 to 56 in steps of 2"
            ),
        ],
        id="compute-size-between-sizes",
    ),
    pytest.param(
        "plan: basic\noverrides:\n  compute:\n    min_cu: 17\n    max_cu: 17\n",
        [
            (
                "tenants/acme.yaml:4:13: overrides.compute.min_cu: 17 is not a Neon compute "
                "size; use 0.25, 0.5, 1 to 16 in steps of 1, or 18 to 56 in steps of 2"
            ),
            (
                "tenants/acme.yaml:5:13: overrides.compute.max_cu: 17 is not a Neon compute "
                "size; use 0.25, 0.5, 1 to 16 in steps of 1, or 18 to 56 in steps of 2"
            ),
        ],
        id="compute-size-gap-above-16",
    ),
    pytest.param(
        "plan: basic\noverrides:\n  compute:\n    max_cu: '2'\n",
        [
            (
                "tenants/acme.yaml:4:13: overrides.compute.max_cu: expected a compute size in "
                "CU such as 0.25 or 2, got the string '2'"
            ),
        ],
        id="compute-size-quoted",
    ),
    pytest.param(
        "plan: basic\noverrides:\n  compute:\n    min_cu: 0\n",
        [
            (
                "tenants/acme.yaml:4:13: overrides.compute.min_cu: 0 is not a Neon compute "
                "size; use 0.25, 0.5, 1 to 16 in steps of 1, or 18 to 56 in steps of 2"
            ),
        ],
        id="compute-size-zero",
    ),
    pytest.param(
        "plan: basic\noverrides:\n  compute:\n    max_cu: 60\n",
        [
            (
                "tenants/acme.yaml:4:13: overrides.compute.max_cu: 60 is not a Neon compute "
                "size; use 0.25, 0.5, 1 to 16 in steps of 1, or 18 to 56 in steps of 2"
            ),
        ],
        id="compute-size-above-56",
    ),
    pytest.param(
        "plan: basic\noverrides:\n  compute:\n    max_cu: 99999999999999999999999999\n",
        [
            (
                "tenants/acme.yaml:4:13: overrides.compute.max_cu: 99999999999999999999999999 is "
                "not a Neon compute size; use 0.25, 0.5, 1 to 16 in steps of 1, or 18 to 56 in "
                "steps of 2"
            ),
        ],
        id="compute-size-huge-integer-shown-as-written",
    ),
    pytest.param(
        "plan: basic\noverrides:\n  compute:\n    suspend_timeout: 30s\n",
        [
            (
                "tenants/acme.yaml:4:22: overrides.compute.suspend_timeout: '30s' is outside "
                "Neon's range: use 1m to 7d (60 to 604800 seconds), `never` to keep the compute "
                "running, or `default` (Neon's 5m)"
            ),
        ],
        id="suspend-timeout-below-1m",
    ),
    pytest.param(
        "plan: basic\noverrides:\n  compute:\n    suspend_timeout: 8d\n",
        [
            (
                "tenants/acme.yaml:4:22: overrides.compute.suspend_timeout: '8d' is outside "
                "Neon's range: use 1m to 7d (60 to 604800 seconds), `never` to keep the compute "
                "running, or `default` (Neon's 5m)"
            ),
        ],
        id="suspend-timeout-above-7d",
    ),
    pytest.param(
        "plan: basic\noverrides:\n  compute:\n    suspend_timeout: 0\n",
        [
            (
                "tenants/acme.yaml:4:22: overrides.compute.suspend_timeout: 0 is ambiguous: "
                "write `default` for Neon's default (5m) or `never` to keep the compute running"
            ),
        ],
        id="suspend-timeout-zero",
    ),
    pytest.param(
        "plan: basic\noverrides:\n  compute:\n    suspend_timeout: -1\n",
        [
            (
                "tenants/acme.yaml:4:22: overrides.compute.suspend_timeout: -1 is how Neon's "
                "API spells it; write `never` to keep the compute running"
            ),
        ],
        id="suspend-timeout-minus-one",
    ),
    pytest.param(
        "plan: basic\noverrides:\n  compute:\n    suspend_timeout: off\n",
        [
            (
                "tenants/acme.yaml:4:22: overrides.compute.suspend_timeout: 'off' is not a "
                "duration; write a whole number of seconds or a number with a unit, e.g. 5m "
                "(units: s, m, h, d, w); or write `never` or `default`"
            ),
        ],
        id="suspend-timeout-off",
    ),
    pytest.param(
        "plan: basic\noverrides:\n  history_retention: 31d\n",
        [
            (
                "tenants/acme.yaml:3:22: overrides.history_retention: '31d' is more than Neon's "
                "maximum of 30d (2592000 seconds)"
            ),
        ],
        id="history-retention-above-30d",
    ),
    pytest.param(
        "plan: basic\noverrides:\n  history_retention: forever\n",
        [
            (
                "tenants/acme.yaml:3:22: overrides.history_retention: 'forever' is not a "
                "duration; write a whole number of seconds or a number with a unit, e.g. 5m "
                "(units: s, m, h, d, w)"
            ),
        ],
        id="history-retention-not-a-duration",
    ),
    pytest.param(
        "id: acme_corp\nplan: basic\n",
        [
            (
                "tenants/acme.yaml:1:5: id: 'acme_corp' is not a valid tenant id: use lowercase "
                "letters, digits and hyphens, 1 to 63 characters, starting with a letter"
            ),
        ],
        id="id-underscore",
    ),
    pytest.param(
        "id: " + "a" * 64 + "\nplan: basic\n",
        [
            (
                "tenants/acme.yaml:1:5: id: "
                "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' is not a valid "
                "tenant id: use lowercase letters, digits and hyphens, 1 to 63 characters, "
                "starting with a letter"
            ),
        ],
        id="id-64-characters",
    ),
    pytest.param(
        "id: 1acme\nplan: basic\n",
        [
            (
                "tenants/acme.yaml:1:5: id: '1acme' is not a valid tenant id: use lowercase "
                "letters, digits and hyphens, 1 to 63 characters, starting with a letter"
            ),
        ],
        id="id-starts-with-digit",
    ),
    pytest.param(
        "plan: basic\nrole: pg_admin\n",
        [
            (
                "tenants/acme.yaml:2:7: role: 'pg_admin' is a protected role name in Neon "
                "(names starting with pg_, neon_superuser, cloud_admin, zenith_admin, public, "
                "none)"
            ),
        ],
        id="role-pg-prefix",
    ),
    pytest.param(
        "plan: basic\nrole: neon_superuser\n",
        [
            (
                "tenants/acme.yaml:2:7: role: 'neon_superuser' is a protected role name in Neon "
                "(names starting with pg_, neon_superuser, cloud_admin, zenith_admin, public, "
                "none)"
            ),
        ],
        id="role-neon-superuser",
    ),
    pytest.param(
        "plan: basic\nrole: PUBLIC\n",
        [
            (
                "tenants/acme.yaml:2:7: role: 'PUBLIC' is a protected role name in Neon (names "
                "starting with pg_, neon_superuser, cloud_admin, zenith_admin, public, none)"
            ),
        ],
        id="role-public-any-case",
    ),
    pytest.param(
        "plan: basic\nrole: " + "r" * 64 + "\n",
        [
            (
                "tenants/acme.yaml:2:7: role: "
                "'rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr...' is 64 bytes "
                "long; Postgres names are at most 63 bytes"
            ),
        ],
        id="role-64-bytes",
    ),
    pytest.param(
        "plan: basic\nrole: " + "é" * 32 + "\n",  # 32 characters, 64 bytes
        [
            (
                "tenants/acme.yaml:2:7: role: 'éééééééééééééééééééééééééééééééé' is 64 bytes "
                "long; Postgres names are at most 63 bytes"
            ),
        ],
        id="role-64-bytes-in-32-characters",
    ),
    pytest.param(
        "plan: basic\nrole: ''\n",
        [
            "tenants/acme.yaml:2:7: role: a name cannot be empty",
        ],
        id="role-empty",
    ),
    pytest.param(
        "plan: basic\ndatabase: template1\n",
        [
            (
                "tenants/acme.yaml:2:11: database: 'template1' is a reserved database name in "
                "Neon (postgres, template0, template1)"
            ),
        ],
        id="database-template1",
    ),
    pytest.param(
        "plan: basic\ndatabase: postgres\n",
        [
            (
                "tenants/acme.yaml:2:11: database: 'postgres' is a reserved database name in "
                "Neon (postgres, template0, template1)"
            ),
        ],
        id="database-postgres",
    ),
    pytest.param(
        "plan: basic\ndatabase: " + "d" * 64 + "\nrole: owner\n",
        [
            (
                "tenants/acme.yaml:2:11: database: "
                "'ddddddddddddddddddddddddddddddddddddddddddddddddddddddddd...' is 64 bytes "
                "long; Postgres names are at most 63 bytes"
            ),
        ],
        id="database-64-bytes",
    ),
    pytest.param(
        "plan: basic\nproject_id: Proj_1\n",
        [
            (
                "tenants/acme.yaml:2:13: project_id: 'Proj_1' is not a Neon project id: "
                "lowercase letters, digits and hyphens, 1 to 60 characters (e.g. "
                "cold-bonus-61650555)"
            ),
        ],
        id="project-id-pattern",
    ),
    pytest.param(
        "plan: basic\nproject_id: " + "p" * 61 + "\n",
        [
            (
                "tenants/acme.yaml:2:13: project_id: "
                "'ppppppppppppppppppppppppppppppppppppppppppppppppppppppppp...' is not a Neon "
                "project id: lowercase letters, digits and hyphens, 1 to 60 characters (e.g. "
                "cold-bonus-61650555)"
            ),
        ],
        id="project-id-61-characters",
    ),
    pytest.param(
        (
            "plan: basic\nstate: paused\nregion: mars-1\noverrides:\n  limits:\n    storage: "
            "0\n  compute:\n    max_cu: 3.5\n"
        ),
        [
            (
                "tenants/acme.yaml:2:8: state: 'paused' is not a tenant state; use one of: "
                "active, suspended, deleted"
            ),
            (
                "tenants/acme.yaml:3:9: region: 'mars-1' is not a Neon region "
                "(aws-ap-southeast-1, aws-ap-southeast-2, aws-eu-central-1, aws-eu-west-2, "
                "aws-sa-east-1, aws-us-east-1, aws-us-east-2, aws-us-west-2)"
            ),
            (
                "tenants/acme.yaml:6:14: overrides.limits.storage: 0 would mean no limit to "
                "Neon (a quota of 0 is unlimited); write `unlimited` to remove the cap, or a "
                "size above zero such as 10GiB"
            ),
            (
                "tenants/acme.yaml:8:13: overrides.compute.max_cu: 3.5 is not a Neon compute "
                "size; use 0.25, 0.5, 1 to 16 in steps of 1, or 18 to 56 in steps of 2"
            ),
        ],
        id="every-error-of-a-file-at-once",
    ),
]


@pytest.mark.parametrize(("tenant_yaml", "expected"), TENANT_CASES)
def test_a_bad_tenant_value_is_rejected_where_it_is_written(
    tmp_path: Path, tenant_yaml: str, expected: list[str]
) -> None:
    assert load_errors(tenant_fleet(tmp_path, tenant_yaml)) == expected


PLAN_CASES = [
    pytest.param(
        "limits: [storage, 10GiB]\n",
        ["plans/basic.yaml:1:9: limits: expected a mapping, got a list"],
        id="limits-a-list",
    ),
    pytest.param(
        "name: Basic\n",
        [
            "plans/basic.yaml:1:7: name: 'Basic' is not a valid plan name: use lowercase "
            "letters, digits and hyphens, 1 to 63 characters, starting with a letter"
        ],
        id="name-not-a-slug",
    ),
    pytest.param(
        "description: 5\n",
        ["plans/basic.yaml:1:14: description: expected a text, got the integer 5"],
        id="description-not-text",
    ),
    pytest.param(
        "database: shop\n",
        [
            "plans/basic.yaml:1:1: unknown key 'database'; valid keys: name, description, "
            "region, pg_version, limits, compute, history_retention, network, logical_replication, "
            "maintenance_window, read_replicas"
        ],
        id="tenant-only-key",
    ),
    pytest.param(
        "overrides:\n  limits:\n    storage: 1GiB\n",
        [
            "plans/basic.yaml:1:1: unknown key 'overrides'; valid keys: name, description, "
            "region, pg_version, limits, compute, history_retention, network, logical_replication, "
            "maintenance_window, read_replicas"
        ],
        id="overrides-in-a-plan",
    ),
    pytest.param(
        "network:\n  allowed_ips: [203.0.113.5/33]\n",
        [
            "plans/basic.yaml:2:16: network.allowed_ips: entry 1: '203.0.113.5/33' is not an IP "
            "address, a CIDR range (203.0.113.0/24) or a range (203.0.113.10-203.0.113.20)"
        ],
        id="allowed-ip-prefix-too-long",
    ),
    pytest.param(
        "network:\n  allowed_ips: [203.0.113.0/24, bogus]\n",
        [
            "plans/basic.yaml:2:16: network.allowed_ips: entry 2: 'bogus' is not an IP address, a "
            "CIDR range (203.0.113.0/24) or a range (203.0.113.10-203.0.113.20)"
        ],
        id="allowed-ip-not-an-address",
    ),
    pytest.param(
        "network:\n  allowed_ips: [10.0.0.9-10.0.0.1]\n",
        [
            "plans/basic.yaml:2:16: network.allowed_ips: entry 1: '10.0.0.9-10.0.0.1' is a range "
            "whose first address is after its last"
        ],
        id="allowed-ip-range-backwards",
    ),
    pytest.param(
        "network:\n  allowed_ips: 203.0.113.0/24\n",
        [
            "plans/basic.yaml:2:16: network.allowed_ips: expected a list of IP addresses or "
            "ranges, got the string '203.0.113.0/24'"
        ],
        id="allowed-ips-not-a-list",
    ),
    pytest.param(
        "network:\n  block_public_connections: yes\n",
        [
            "plans/basic.yaml:2:29: network.block_public_connections: expected true or false, got "
            "the string 'yes'"
        ],
        id="flag-yes-is-text",
    ),
    pytest.param(
        "logical_replication: 1\n",
        ["plans/basic.yaml:1:22: logical_replication: expected true or false, got the integer 1"],
        id="logical-replication-not-a-flag",
    ),
    pytest.param(
        "maintenance_window:\n  weekdays: [8]\n  start: '01:00'\n  end: '03:00'\n",
        [
            "plans/basic.yaml:2:13: maintenance_window.weekdays: 8 is not a weekday; expected a "
            "list of weekdays, 1 (Monday) to 7 (Sunday), such as [6, 7]"
        ],
        id="window-weekday",
    ),
    pytest.param(
        "maintenance_window:\n  weekdays: [6]\n  start: 1am\n  end: '03:00'\n",
        [
            "plans/basic.yaml:3:10: maintenance_window.start: '1am' is not a time of day as HH:MM "
            "(00:00 to 23:59, UTC)"
        ],
        id="window-time-format",
    ),
    pytest.param(
        "maintenance_window:\n  weekdays: [6]\n  start: '01:00'\n  end: '01:30'\n",
        [
            "plans/basic.yaml:2:3: maintenance_window: a maintenance window from 01:00 to 01:30 "
            "is not one Neon accepts: it must last at least one hour and end on the day it "
            "starts (an end of 00:00 is midnight)"
        ],
        id="window-too-short",
    ),
    pytest.param(
        "compute:\n  pg_settings: {max_connections: 500}\n",
        [
            "plans/basic.yaml:2:16: compute.pg_settings: 'max_connections' cannot be set on Neon: "
            "only Postgres parameters of the user context are (work_mem, statement_timeout, "
            "search_path...)"
        ],
        id="pg-setting-managed-by-neon",
    ),
    pytest.param(
        "compute:\n  pg_settings: {work-mem: 1MB}\n",
        [
            "plans/basic.yaml:2:16: compute.pg_settings: 'work-mem' is not a Postgres parameter "
            "name (e.g. work_mem)"
        ],
        id="pg-setting-name",
    ),
    pytest.param(
        "read_replicas:\n  count: 11\n",
        ["plans/basic.yaml:2:10: read_replicas.count: 11 read replicas; use 0 to 10"],
        id="too-many-replicas",
    ),
    pytest.param(
        "read_replicas:\n  count: 1\n  min_cu: 4\n  max_cu: 1\n",
        ["plans/basic.yaml:3:11: read_replicas.min_cu: min_cu 4 (here) is above max_cu 1 (line 4)"],
        id="replica-range-backwards",
    ),
    pytest.param(
        "compute:\n  max_cu: 3.5\n  suspend_timeout: NEVER\n",
        [
            "plans/basic.yaml:2:11: compute.max_cu: 3.5 is not a Neon compute size; use 0.25, "
            "0.5, 1 to 16 in steps of 1, or 18 to 56 in steps of 2",
            "plans/basic.yaml:3:20: compute.suspend_timeout: 'NEVER' is not a keyword; write "
            "`never` in lowercase",
        ],
        id="compute-values",
    ),
]


@pytest.mark.parametrize(("plan_yaml", "expected"), PLAN_CASES)
def test_a_bad_plan_value_is_rejected_where_it_is_written(
    tmp_path: Path, plan_yaml: str, expected: list[str]
) -> None:
    fleet = write_fleet(tmp_path, {"plans/basic.yaml": plan_yaml})
    assert load_errors(fleet) == expected


def test_a_tenant_with_a_bad_value_is_still_checked_against_the_fleet(tmp_path: Path) -> None:
    fleet = write_fleet(
        tmp_path,
        {
            "plans/basic.yaml": BASIC_PLAN,
            "tenants/acme.yaml": "plan: basci\nproject_id: p-1\nregion: mars\n",
            "tenants/globex.yaml": "plan: basic\nproject_id: p-1\n",
        },
    )
    assert load_errors(fleet) == [
        "tenants/acme.yaml:1:7: plan: no plan named 'basci' in plans/; did you mean 'basic'? "
        "(plans: basic)",
        "tenants/acme.yaml:3:9: region: 'mars' is not a Neon region (aws-ap-southeast-1, "
        "aws-ap-southeast-2, aws-eu-central-1, aws-eu-west-2, aws-sa-east-1, aws-us-east-1, "
        "aws-us-east-2, aws-us-west-2)",
        "tenants/globex.yaml:2:13: project_id: project 'p-1' is already bound to tenant "
        "'acme' (tenants/acme.yaml); a project belongs to one tenant",
    ]


@pytest.mark.parametrize(
    "role",
    ["pg_monitor", "neon_superuser", "cloud_admin", "zenith_admin", "public", "none", "None"],
)
def test_every_protected_role_name_is_refused(tmp_path: Path, role: str) -> None:
    assert load_errors(tenant_fleet(tmp_path, f"plan: basic\nrole: {role}\n")) == [
        f"tenants/acme.yaml:2:7: role: '{role}' is a protected role name in Neon (names "
        "starting with pg_, neon_superuser, cloud_admin, zenith_admin, public, none)"
    ]


@pytest.mark.parametrize("database", ["postgres", "template0", "template1"])
def test_every_reserved_database_name_is_refused(tmp_path: Path, database: str) -> None:
    assert load_errors(tenant_fleet(tmp_path, f"plan: basic\ndatabase: {database}\n")) == [
        f"tenants/acme.yaml:2:11: database: '{database}' is a reserved database name in Neon "
        "(postgres, template0, template1)"
    ]


@pytest.mark.parametrize(
    ("min_cu", "max_cu"), [(0.25, 0.25), (0.25, 8), (8, 16), (16, 16), (56, 56)]
)
def test_compute_ranges_at_neons_limits_are_accepted(
    tmp_path: Path, min_cu: float, max_cu: float
) -> None:
    tenant = f"plan: basic\noverrides:\n  compute:\n    min_cu: {min_cu}\n    max_cu: {max_cu}\n"
    assert load_errors(tenant_fleet(tmp_path, tenant)) == []


def test_validation_and_the_emulator_know_the_same_user_context_postgres_settings() -> None:
    """The emulator keeps its own copy of Neon's rules (it imports nothing from the
    controller); the two copies of the settings list must not drift apart."""
    from controller.emulator.rules_settings import USER_CONTEXT_SETTINGS as EMULATOR
    from controller.spec.neon_rules import USER_CONTEXT_SETTINGS as VALIDATION

    assert VALIDATION == EMULATOR
    assert {"statement_timeout", "work_mem", "search_path"} <= VALIDATION
    assert not {"max_connections", "shared_buffers"} & VALIDATION
