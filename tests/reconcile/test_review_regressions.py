"""Regressions found by an adversarial review, on the pure planner and observation."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from controller.neon.models import ProjectListItem
from controller.reconcile.observe import ObservationError, observed_project
from controller.reconcile.observed import ObservedEndpoint
from controller.reconcile.planner import PlanOptions, plan_changes
from controller.spec.managed import ComputeRole
from tests.reconcile.builders import compute_values, converged, fleet, tenant

BASE: dict[str, Any] = {
    "id": "p-1", "name": "acme", "region_id": "aws-us-east-2", "pg_version": 17,
}  # fmt: skip


@pytest.mark.parametrize(
    "settings",
    [
        {"maintenance_window": {}},
        {"maintenance_window": "sat 02:00"},
        {"maintenance_window": {"weekdays": [1, "x"], "start_time": "1", "end_time": "2"}},
        {"allowed_ips": {"ips": ["10.0.0.1", 7]}},
        {"allowed_ips": {"ips": [{"a": 1}]}},
    ],
)
def test_malformed_settings_from_neon_are_a_clear_error_not_a_crash(
    settings: dict[str, Any],
) -> None:
    item = ProjectListItem.model_validate({**BASE, "settings": settings})
    with pytest.raises(ObservationError, match=r"^Neon reported .* of project p-1 as "):
        observed_project(item)


def test_a_read_only_compute_made_out_of_band_is_left_alone_whatever_its_state() -> None:
    acme = tenant("acme")
    live = converged(fleet(acme))
    pid = live.projects[0].project_id
    theirs = ObservedEndpoint(
        endpoint_id="ep-analytics",
        branch_id=f"br-{pid}",
        type="read_only",
        disabled=True,
        values=compute_values(acme.values, ComputeRole.REPLICA),
        name="analytics",
    )
    live = dataclasses.replace(live, endpoints={pid: (*live.endpoints[pid], theirs)})
    for state in ("active", "suspended"):
        wanted = dataclasses.replace(acme, state=state)  # type: ignore[arg-type]
        plan = plan_changes(fleet(wanted), live, PlanOptions())
        touched = [c.target for a in plan.actions for c in a.changes]
        assert "ep-analytics" not in touched
        assert any("ep-analytics" in note.text for note in plan.notes)
