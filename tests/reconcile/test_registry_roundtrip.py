"""Properties of the registry of managed settings, through the real request builders, the
emulator (every exchange contract-checked) and observation:

- desired -> request body -> Neon -> observation -> diff is empty, for every managed field;
- a change to any one field is exactly one field change, named by its YAML path (on the project,
  and on each compute the field applies to).
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from controller.neon.client import NeonClient
from controller.neon.settings import NeonSettings
from controller.reconcile.diff import immutable_changes, replicas_to_create, tenant_changes
from controller.reconcile.observe import observed_endpoint, observed_project
from controller.reconcile.observed import ObservedEndpoint, ObservedProject
from controller.reconcile.requests import create_request, replica_request
from controller.spec.managed import FIELDS, KEYS, ComputeRole, Level, Mutability
from controller.spec.model import ResolvedTenant
from tests.reconcile.builders import create_spec, tenant
from tests.support.fixtures_contract import TransportWrapper
from tests.support.fixtures_emulator import InProcessEmulator

SIZES = [(0.25, 1.0), (0.25, 2.0), (0.5, 4.0), (1.0, 8.0), (2.0, 8.0)]
QUOTAS = st.sampled_from([0, 3600, 360_000, 1024**3, 10 * 1024**3])
ADDRESSES = st.lists(
    st.sampled_from(["203.0.113.0/24", "198.51.100.7", "2001:db8::/32", "192.0.2.1-192.0.2.9"]),
    unique=True,
    max_size=3,
)
WINDOWS = st.sampled_from(
    [
        None,
        {"weekdays": [6, 7], "start_time": "01:00", "end_time": "03:00"},
        {"weekdays": [1], "start_time": "23:00", "end_time": "00:00"},
    ]
)
PG_SETTINGS = st.sampled_from(
    [{}, {"work_mem": "64MB"}, {"statement_timeout": "30s", "jit": "off"}]
)


@st.composite
def tenants(draw: st.DrawFn) -> ResolvedTenant:
    """A tenant with a valid value for every managed field."""
    min_cu, max_cu = draw(st.sampled_from(SIZES))
    replica_min, replica_max = draw(st.sampled_from(SIZES))
    values: dict[str, Any] = {
        "region": draw(st.sampled_from(["aws-us-east-2", "aws-eu-central-1"])),
        "pg_version": draw(st.sampled_from([16, 17])),
        **{f.key: draw(QUOTAS) for f in FIELDS if f.counter},
        "compute.min_cu": min_cu,
        "compute.max_cu": max_cu,
        "compute.suspend_timeout": draw(st.sampled_from([-1, 0, 300, 3600])),
        "compute.pg_settings": draw(PG_SETTINGS),
        "history_retention": draw(st.sampled_from([0, 21600, 86400, 604800])),
        "network.allowed_ips": draw(ADDRESSES),
        "network.protected_branches_only": draw(st.booleans()),
        "network.block_public_connections": draw(st.booleans()),
        "network.block_vpc_connections": draw(st.booleans()),
        "logical_replication": draw(st.sampled_from([None, False, True])),
        "maintenance_window": draw(WINDOWS),
        "read_replicas.count": draw(st.integers(0, 2)),
        "read_replicas.min_cu": replica_min,
        "read_replicas.max_cu": replica_max,
    }
    assert set(values) | {"database", "role"} == set(KEYS), "a managed field has no strategy"
    return tenant("acme", values=values)


# A different valid value for each field, to check that changing it is one change.
OTHER: dict[str, Any] = {
    "region": "aws-us-west-2",
    "pg_version": 15,
    "limits.storage": 5 * 1024**3 + 1,
    "limits.compute_time": 7,
    "limits.active_time": 7,
    "limits.data_transfer": 7,
    "limits.written_data": 7,
    "compute.min_cu": 0.5 + 0.25,  # never equal to any SIZES minimum
    "compute.max_cu": 3.0,
    "compute.suspend_timeout": 120,
    "compute.pg_settings": {"work_mem": "8MB"},
    "history_retention": 3600,
    "network.allowed_ips": ["10.0.0.0/8"],
    "read_replicas.min_cu": 0.75,
    "read_replicas.max_cu": 3.0,
}


def other_value(field_key: str, current: Any) -> Any:
    if field_key in OTHER:
        return OTHER[field_key]
    if field_key == "maintenance_window":
        return {"weekdays": [3], "start_time": "10:00", "end_time": "12:00"}
    if isinstance(current, bool) or current is None:
        return not current
    assert field_key == "read_replicas.count", field_key
    return current + 1


async def observe_created(
    client: NeonClient, desired: ResolvedTenant
) -> tuple[ObservedProject, tuple[ObservedEndpoint, ...]]:
    """Create the tenant's project the way apply does, then observe it the way plan does."""
    created = await client.create_project(create_request(create_spec(desired, "prop")))
    project_id = created.project.id
    for replica in replicas_to_create(desired, set()):
        await client.create_endpoint(project_id, replica_request(created.branch.id, replica))
    (listed,) = [p for p in await client.list_projects() if p.id == project_id]
    endpoints = tuple(observed_endpoint(e) for e in await client.list_endpoints(project_id))
    return observed_project(listed), endpoints


def changes_of(
    desired: ResolvedTenant, live: ObservedProject, endpoints: tuple[ObservedEndpoint, ...]
) -> list[tuple[str, str]]:
    """What the planner finds: a conflict's changes if Neon cannot make them, else the updates."""
    fixed = [(c.target, c.field) for c in immutable_changes(desired, live)]
    if fixed:
        return fixed
    groups = tenant_changes(desired, live, endpoints, manage_name=True)
    return [(c.target, c.field) for g in groups for c in g.changes]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(tenants(), st.sampled_from([f.key for f in FIELDS if f.key not in ("database", "role")]))
def test_every_field_round_trips_and_a_change_to_one_is_one_change(
    emulator_app: InProcessEmulator,
    contract_transport: TransportWrapper,
    desired: ResolvedTenant,
    changed_key: str,
) -> None:
    neon_settings = NeonSettings(
        api_key=emulator_app.api_key,
        host=emulator_app.base_url,
        requests_per_minute=10**6,
        burst_per_second=10**5,
    )

    async def run() -> None:
        await emulator_app.reset()
        transport = contract_transport(emulator_app.transport())
        async with NeonClient(neon_settings, transport=transport) as client:
            live, endpoints = await observe_created(client, desired)
        assert changes_of(desired, live, endpoints) == []

        field = next(f for f in FIELDS if f.key == changed_key)
        if field.computes == {ComputeRole.REPLICA} and not desired.value("read_replicas.count"):
            return  # replica sizes apply to no compute when there is no replica
        wanted = other_value(changed_key, desired.value(changed_key))
        moved = dataclasses.replace(desired, values={**desired.values, changed_key: wanted})
        found = changes_of(moved, live, endpoints)
        assert {name for _, name in found} == {changed_key}, found
        assert len(found) == len(set(found)), found  # one change per place it lives
        targets = {target for target, _ in found}
        if field.level is Level.COMPUTE and field.project_path is not None:
            assert "project" in targets
        if field.mutability is Mutability.ONE_WAY and wanted is False:
            assert desired.value(changed_key) is True  # only on -> off is a conflict

    asyncio.run(run())
