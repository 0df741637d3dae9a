"""Every view of one ChangePlan: terminal text, Markdown comment, versioned JSON round trip."""

from __future__ import annotations

import dataclasses

import pytest

from controller.reconcile.changeplan import (
    FORMAT_VERSION,
    ChangePlan,
    PlanTarget,
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
    acme = tenant(
        "acme",
        values={
            "limits.storage": 20 * GiB,
            "compute.max_cu": 4.0,
            "limits.compute_time": 600 * 3600,
        },
        units={"limits.compute_time": "h"},
    )
    globex = tenant("globex", state=TenantState.SUSPENDED)
    initech = tenant("initech", values={"region": "aws-eu-central-1"})
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
    assert "~ update acme  project proj-acme 'acme'  [plan pro]" in lines
    assert "    ~ limits.storage: unlimited -> 20GiB  (plan pro)" in lines
    assert "    ~ limits.compute_time: unlimited -> 600h  (plan pro)" in lines  # never 25d
    assert "    ~ compute ep-proj-acme: compute.max_cu: 2 CU -> 4 CU  (plan pro)" in lines
    assert "    NOTE: restarts compute ep-proj-acme (compute.max_cu)" in lines
    assert "|| suspend globex  project proj-globex 'globex'  [plan pro]" in lines
    assert "! conflict initech  project proj-initech 'initech'  [plan pro]" in lines
    assert "    ~ region: aws-us-east-2 -> aws-eu-central-1  (plan pro)" in lines
    assert "+ create newco  project (new project) 'newco'  [plan pro]" in lines
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
    assert (
        "| `acme` | `~` update (plan `pro`) | `proj-acme` | 4 "
        "| restarts compute ep-proj-acme (compute.max\\_cu) |" in md
    )
    assert "| `limits.storage` | `unlimited -> 20GiB` | plan pro |" in md
    assert "| `limits.compute_time` | `unlimited -> 600h` | plan pro |" in md
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
    assert (
        ChangePlan.model_validate(
            {k: v for k, v in data.items() if k not in ("summary", "has_changes")}
        )
        == plan
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
    (row,) = [line for line in md.splitlines() if line.startswith("| `globex` |")]
    assert row == (
        "| `globex` | `\\|\\|` suspend (plan `pro`) | `proj-globex` | 1 "
        "| suspends compute ep-proj-globex |"
    )
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


def test_a_create_shows_everything_it_does_in_markdown() -> None:
    t = tenant(
        "newco",
        state=TenantState.SUSPENDED,
        values={
            "compute.min_cu": 0.5,
            "compute.max_cu": 4.0,
            "compute.suspend_timeout": 900,
            "history_retention": 7 * 86400,
            "database": "shop",
            "role": "shop_owner",
        },
        units={"compute.suspend_timeout": "m", "history_retention": "d"},
    )
    md = render_markdown(plan_changes(fleet(t), observed(), PlanOptions()))
    assert "Creates project `newco`, initial state **suspended (computes disabled)**:" in md
    for row in (
        "| `compute.min_cu` | `0.5 CU` | plan pro |",
        "| `compute.max_cu` | `4 CU` | plan pro |",
        "| `compute.suspend_timeout` | `15m` | plan pro |",
        "| `history_retention` | `7d` | plan pro |",
        "| `database` | `shop` | plan pro |",
        "| `role` | `shop_owner` | plan pro |",
    ):
        assert row in md


HOSTILE = [
    "</details><!--",
    "<img src=https://evil.example/p.png>",
    "![pixel](https://evil.example/p.png)",
    "@security-team",
    "a|b`c",
    "\x1b[2Jcleared",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_from_yaml_or_neon_are_inert_in_markdown_and_text(name: str) -> None:
    t = tenant("acme", values={"database": name, "role": name})
    live = converged(fleet(tenant("acme")))
    renamed = dataclasses.replace(live.projects[0], name=name)
    live = dataclasses.replace(
        live, projects=(renamed,), marks={renamed.project_id: OwnershipMark(FLEET, "acme")}
    )
    created = plan_changes(
        fleet(tenant("newco", values={"database": name})), observed(), PlanOptions()
    )
    for plan in (plan_changes(fleet(t), live, PlanOptions()), created):
        md = render_markdown(plan)
        text = render_text(plan)
        assert "\x1b" not in md
        assert "\x1b" not in text
        for outside_code in md.split("`")[0::2]:  # text outside code spans
            assert "@security-team" not in outside_code
            assert "<!--" not in outside_code
            assert "<img" not in outside_code
            assert "![pixel](" not in outside_code


def test_a_plan_checked_partly_at_list_level_says_so_first_and_claims_no_full_sync() -> None:
    plan = ChangePlan(fleet="example", in_sync=("acme",), list_level_only=("globex", "hooli"))
    text = render_text(plan).splitlines()
    assert text[1].startswith("2 tenants checked only at list level:")
    assert "No changes found. Live Neon projects match the fleet as far as it was checked." in text
    comment = render_markdown(plan)
    assert "_2 tenants checked only at list level: their project settings match" in comment
    assert "No changes. Live Neon projects match the fleet." not in comment
