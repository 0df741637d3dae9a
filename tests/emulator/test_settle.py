"""Time-driven changes replay the same way however often a project is looked at.

The emulator applies operations, scale-to-zero and quota suspension lazily (`settle`), so a
project read every second and one read once a month later must end in the same state. These
properties check it on generated histories.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from controller.emulator.lifecycle import OperationSpec, schedule, settle
from controller.emulator.state import (
    BranchRecord,
    EndpointRecord,
    ProjectRecord,
)
from controller.emulator.usage import exceeded_quotas, period_usage

START = 1_773_144_000.0  # 2026-03-10T12:00:00Z


def project(quota: dict[str, int], timeout: int, cu: float) -> ProjectRecord:
    """A project whose one compute is starting (a 2-second start_compute operation)."""
    times = {"created_at": START, "updated_at": START}
    record = ProjectRecord(
        id="p-1", name="p", region_id="aws-us-east-2", pg_version=17,
        settings={"quota": quota}, settled_at=START, **times,
    )  # fmt: skip
    record.branches.append(
        BranchRecord(id="br-1", name="main", default=True, state_changed_at=START, **times)
    )
    endpoint = EndpointRecord(
        id="ep-1", branch_id="br-1", type="read_write", min_cu=cu, max_cu=cu,
        suspend_timeout_seconds=timeout, **times,
    )  # fmt: skip
    record.endpoints.append(endpoint)
    counter = iter(range(10**6))
    schedule(
        record,
        [OperationSpec("start_compute", "br-1", "ep-1", effect="endpoint_active")],
        now=START,
        duration=2.0,
        failing=None,
        new_id=lambda: f"op-{next(counter)}",
    )
    return record


histories = st.fixed_dictionaries(
    {
        "quota": st.dictionaries(
            st.sampled_from(["active_time_seconds", "compute_time_seconds"]),
            st.integers(min_value=0, max_value=20_000),
        ),
        "timeout": st.sampled_from([-1, 0, 60, 3600]),
        "cu": st.sampled_from([0.25, 1.0, 4.0]),
        "steps": st.lists(st.floats(min_value=0, max_value=40 * 86400), max_size=8),
    }
)


@settings(max_examples=150, deadline=None)
@given(histories)
def test_settling_in_steps_equals_settling_once(history: dict) -> None:  # type: ignore[type-arg]
    stepwise = project(history["quota"], history["timeout"], history["cu"])
    at = START
    for step in history["steps"]:
        at += step
        settle(stepwise, at)
    once = project(history["quota"], history["timeout"], history["cu"])
    settle(once, at)
    assert stepwise.model_dump() == once.model_dump()


@settings(max_examples=150, deadline=None)
@given(histories)
def test_a_project_never_uses_more_than_a_time_quota_allows(history: dict) -> None:  # type: ignore[type-arg]
    record = project(history["quota"], -1, history["cu"])
    end = START + sum(history["steps"])
    settle(record, end)
    used = period_usage(record, end)
    for name, limit in record.quota().items():
        assert used.get(name) <= limit + 1e-3
    if exceeded_quotas(record, end):
        assert record.endpoints[0].state == "idle"
