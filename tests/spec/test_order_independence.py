"""The resolved fleet depends on what the files say, never on key order or file order."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from controller.spec import DesiredFleet, load_fleet
from tests.spec.fleet_builder import write_fleet

PLAN_NAMES = ("free", "pro", "enterprise")
sizes = st.sampled_from(["1GiB", "512MiB", "10GB", 123_456_789, "unlimited"])
durations = st.sampled_from(["100h", "30d", "2w", 3600, "unlimited"])


@st.composite
def limit_blocks(draw: st.DrawFn) -> dict[str, Any]:
    choices = {
        "storage": sizes,
        "compute_time": durations,
        "active_time": durations,
        "data_transfer": sizes,
        "written_data": sizes,
    }
    keys = draw(st.lists(st.sampled_from(sorted(choices)), unique=True))
    return {key: draw(choices[key]) for key in keys}


@st.composite
def compute_blocks(draw: st.DrawFn) -> dict[str, Any]:
    # Any minimum here is at most any maximum, within 8 CU of it: every mix stays valid.
    choices = {
        "min_cu": st.sampled_from([0.25, 0.5, 1]),
        "max_cu": st.sampled_from([1, 2, 4, 8]),
        "suspend_timeout": st.sampled_from(["5m", "never", "default", 600]),
    }
    keys = draw(st.lists(st.sampled_from(sorted(choices)), unique=True))
    return {key: draw(choices[key]) for key in keys}


@st.composite
def plans(draw: st.DrawFn) -> dict[str, Any]:
    plan: dict[str, Any] = {"description": draw(st.sampled_from(["A plan", "Another"]))}
    if draw(st.booleans()):
        plan["region"] = draw(st.sampled_from(["aws-us-east-1", "aws-eu-central-1"]))
    plan["limits"] = draw(limit_blocks())
    plan["compute"] = draw(compute_blocks())
    if draw(st.booleans()):
        plan["history_retention"] = draw(st.sampled_from(["1d", "7d", 0]))
    return plan


@st.composite
def tenants(draw: st.DrawFn) -> dict[str, Any]:
    tenant: dict[str, Any] = {"plan": draw(st.sampled_from(PLAN_NAMES))}
    if draw(st.booleans()):
        tenant["state"] = draw(st.sampled_from(["active", "suspended", "deleted"]))
    if draw(st.booleans()):
        tenant["database"] = draw(st.sampled_from(["shop", "app"]))
    tenant["overrides"] = {"limits": draw(limit_blocks()), "compute": draw(compute_blocks())}
    return tenant


fleets = st.fixed_dictionaries(
    {
        "plans": st.fixed_dictionaries({name: plans() for name in PLAN_NAMES}),
        "tenants": st.dictionaries(
            st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True), tenants(), max_size=6
        ),
    }
)


def shuffled(value: Any, rng: random.Random) -> Any:
    """The same data with every mapping's keys in a random order."""
    if not isinstance(value, dict):
        return value
    keys = list(value)
    rng.shuffle(keys)
    return {key: shuffled(value[key], rng) for key in keys}


def written_and_loaded(fleet: dict[str, Any], seed: int) -> DesiredFleet:
    rng = random.Random(seed)
    files = {f"plans/{name}.yaml": plan for name, plan in fleet["plans"].items()}
    files |= {f"tenants/{tid}.yaml": tenant for tid, tenant in fleet["tenants"].items()}
    names = list(files)
    rng.shuffle(names)  # files are created in a different order each time
    with tempfile.TemporaryDirectory() as directory:
        for name in names:
            text = yaml.safe_dump(shuffled(files[name], rng), sort_keys=False)
            write_fleet(Path(directory), {name: text})
        result = load_fleet(Path(directory))
    assert result.errors == ()
    assert result.fleet is not None
    return result.fleet


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fleets, st.integers(), st.integers())
def test_the_resolved_fleet_ignores_key_and_file_order(
    fleet: dict[str, Any], first_seed: int, second_seed: int
) -> None:
    first = written_and_loaded(fleet, first_seed)
    second = written_and_loaded(fleet, second_seed)
    assert first == second
    assert list(first.tenants) == sorted(fleet["tenants"])
    assert list(first.plans) == sorted(PLAN_NAMES)
