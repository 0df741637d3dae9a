"""Every view of one ChangePlan: terminal text, Markdown comment, versioned JSON round trip."""

from __future__ import annotations

import dataclasses
import json

import pytest

from controller.reconcile.changeplan import (
    FORMAT_VERSION,
    ChangePlan,
    PlanFileError,
    PlanTarget,
    load_plan_json,
)
from controller.reconcile.observed import OwnershipMark
from controller.reconcile.planner import PlanOptions, plan_changes
from controller.render.markdown import render_markdown
from controller.render.text import render_text
from controller.spec.model import TenantState
from tests.reconcile.builders import (
    FLEET,
    converged,
    endpoint_for,
    fleet,
    observed,
    project_for,
    tenant,
)

GiB = 1024**3


def sample_plan() -> ChangePlan:
    acme = tenant("acme", quota={"logical_size_bytes": 20 * GiB}, max_cu=4.0)
    globex = tenant("globex", state=TenantState.SUSPENDED)
    initech = tenant("initech", region_id="aws-eu-central-1")
    desired = fleet(acme, globex, initech, tenant("newco"))
    live = converged(fleet(tenant("acme"), tenant("globex"), tenant("initech")))
    stranger = project_for(tenant("x"), "stranger-1", name="their-app")
    live = dataclasses.replace(
        live,
        projects=(*live.projects, stranger),
        endpoints={**live.endpoints, "stranger-1": (endpoint_for(tenant("x"), "stranger-1"),)},
        marks={**live.marks, "stranger-1": None},
    )
    plan = plan_changes(desired, live, PlanOptions())
    return plan.model_copy(
        update={"target": PlanTarget(host="http://127.0.0.1:4010/api/v2", embedded=True)}
    )


def test_text_view_reads_like_terraform() -> None:
    text = render_text(sample_plan())
    lines = text.splitlines()
    assert lines[0] == (
        "Target: embedded Neon emulator (http://127.0.0.1:4010/api/v2), not a Neon account "
        f"· fleet '{FLEET}'"
    )
    assert "~ update acme  project proj-acme 'acme'" in lines
    assert "    ~ settings.quota.logical_size_bytes: unlimited -> 20GiB  (plan)" in lines
    assert "    ~ endpoint ep-proj-acme: autoscaling_limit_max_cu: 2 -> 4" in lines
    assert "|| suspend globex  project proj-globex 'globex'" in lines
    assert "! conflict initech  project proj-initech 'initech'" in lines
    assert "    ~ region_id: aws-us-east-2 -> aws-eu-central-1" in lines
    assert "+ create newco  project (new project) 'newco'" in lines
    assert (
        "  1 project(s) in the org are not managed by this fleet and were left untouched" in lines
    )
    assert lines[-1] == (
        "Plan: 1 to create, 1 to update, 1 to suspend, 0 to resume, 0 to delete, 1 conflict."
    )
    assert "\x1b[" not in text


def test_text_view_colours_only_when_asked() -> None:
    assert "\x1b[32m+ create newco" in render_text(sample_plan(), color=True)


def test_empty_plan_says_no_changes() -> None:
    desired = fleet(tenant("acme"))
    plan = plan_changes(desired, converged(desired), PlanOptions())
    assert "No changes. Live Neon projects match the fleet." in render_text(plan)
    assert "No changes." in render_markdown(plan)


def test_markdown_has_a_summary_table_then_details() -> None:
    md = render_markdown(sample_plan())
    assert (
        "**Plan: 1 to create, 1 to update, 1 to suspend, 0 to resume, 0 to delete, 1 conflict.**"
        in md
    )
    assert "| Tenant | Action | Project | Changes | Notes |" in md
    assert "| acme | `~` update | `proj-acme` | 3 |  |" in md
    assert "| `settings.quota.logical_size_bytes` | unlimited | 20GiB | plan |" in md
    assert "<details>" not in md


def test_markdown_collapses_details_for_large_plans() -> None:
    desired = fleet(*(tenant(f"t{n:02d}") for n in range(12)))
    plan = plan_changes(desired, observed(), PlanOptions())
    md = render_markdown(plan)
    assert md.count("<details><summary><code>+ create t") == 12


def test_json_plan_round_trips_and_is_versioned() -> None:
    plan = sample_plan()
    data = plan.to_json_dict()
    assert data["format_version"] == FORMAT_VERSION
    assert data["summary"] == {
        "create": 1,
        "update": 1,
        "suspend": 1,
        "resume": 0,
        "delete": 0,
        "conflict": 1,
        "blocked": 0,
    }
    first = data["actions"][0]
    assert {"tenant", "kind", "project_id", "changes", "reason"} <= set(first)
    assert load_plan_json(json.dumps(data), source="plan.json") == plan


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "plan.json:1:2: not JSON: Expecting property name enclosed in double quotes"),
        ("[]", "plan.json: a plan file holds a JSON object, found list"),
        (
            '{"format_version": 99}',
            "plan.json: plan format_version 99 is not supported "
            "(this tenantctl reads version 1); make the plan again",
        ),
    ],
)
def test_bad_plan_files_are_refused_with_where_and_what(text: str, message: str) -> None:
    with pytest.raises(PlanFileError) as caught:
        load_plan_json(text, source="plan.json")
    assert str(caught.value) == message


def test_a_malformed_plan_file_is_refused_saying_where() -> None:
    data = sample_plan().to_json_dict()
    data["actions"][0]["kind"] = "replace"
    with pytest.raises(PlanFileError) as caught:
        load_plan_json(json.dumps(data), source="plan.json")
    assert str(caught.value) == (
        "plan.json: not a valid tenantctl plan: actions.0.kind: Input should be 'create', "
        "'update', 'suspend', 'resume', 'delete' or 'conflict'"
    )


def test_marks_are_not_needed_for_renamed_rendering() -> None:
    t = tenant("acme")
    p = project_for(t, name="renamed")
    live = observed(
        p,
        endpoints={p.project_id: [endpoint_for(t, p.project_id)]},
        marks={p.project_id: OwnershipMark(FLEET, "acme")},
    )
    text = render_text(plan_changes(fleet(t), live, PlanOptions()))
    assert "    ~ name: renamed -> acme" in text


def test_markdown_table_keeps_its_columns_on_a_suspend_row() -> None:
    md = render_markdown(sample_plan())
    (row,) = [line for line in md.splitlines() if line.startswith("| globex |")]
    assert row == "| globex | `\\|\\|` suspend | `proj-globex` | 1 |  |"
    assert len(row.replace("\\|", "").split("|")[1:-1]) == 5


def test_markdown_fits_in_one_github_comment_however_large_the_plan() -> None:
    desired = fleet(*(tenant(f"tenant-{n:04d}") for n in range(1500)))
    plan = plan_changes(desired, observed(), PlanOptions())
    md = render_markdown(plan)
    assert len(md) <= 60_000
    assert "Details of the 1500 actions are left out" in md
    assert "more actions |" in md
    assert md.splitlines()[4] == (
        "**Plan: 1500 to create, 0 to update, 0 to suspend, 0 to resume, 0 to delete, "
        "0 conflicts.**"
    )
    small = render_markdown(sample_plan())
    assert "left out" not in small
