"""The Markdown plan rendered by GitHub's own renderer (cmark-gfm): untrusted names and
messages make no link, no mention, no HTML; a change to a long list shows what changed."""

from __future__ import annotations

import cmarkgfm
from cmarkgfm.cmark import Options

from controller.reconcile.changeplan import (
    PROJECT_TARGET,
    Action,
    ActionKind,
    ChangePlan,
    FieldChange,
)
from controller.reconcile.observed import ObservedProject
from controller.reconcile.planner import PlanOptions, plan_changes
from controller.render.markdown import render_markdown
from controller.render.text import render_text
from tests.reconcile.builders import converged, fleet, tenant


def html_of(plan: ChangePlan) -> str:
    return str(
        cmarkgfm.github_flavored_markdown_to_html(
            render_markdown(plan), options=Options.CMARK_OPT_UNSAFE
        )
    )


def _update(change: FieldChange, reason: str = "live settings differ") -> ChangePlan:
    action = Action(
        tenant="acme",
        kind=ActionKind.UPDATE,
        project_id="p-1",
        project_name="acme",
        reason=reason,
        changes=(change,),
        plan="pro",
    )
    return ChangePlan(fleet="example", actions=(action,))


RENAME = FieldChange(target=PROJECT_TARGET, field="name", old="x", new="acme")


def test_untrusted_text_in_prose_makes_no_link_no_mention_no_mailto() -> None:
    for reason in (
        "project renamed to 'https://evil.example/login', and its name is held by p-2",
        "project named 'www.evil.example' exists",
        "project 'p-9' is marked as tenant 'ops@evil.example' of fleet 'x'",
        "ping @security-team and <img src=x> and ![p](https://evil.example/p.png)",
    ):
        html = html_of(_update(RENAME, reason))
        assert "<a " not in html, html
        assert "<img" not in html, html


def test_a_live_project_name_from_neon_makes_no_link_in_the_pr_comment() -> None:
    desired = fleet(tenant("acme"))
    live = converged(desired)
    (ours,) = live.projects
    renamed = ObservedProject(ours.project_id, "https://evil.example/login", ours.values)
    holder = ObservedProject("p-other", "acme", {})
    live = live.__class__(
        projects=(renamed, holder),
        endpoints=live.endpoints,
        marks={**live.marks, "p-other": None},
    )
    html = html_of(plan_changes(desired, live, PlanOptions()))
    assert "<a " not in html


def test_a_one_entry_change_to_a_long_allow_list_is_visible_in_every_view() -> None:
    old = [f"2001:db8:{i:x}::/48" for i in range(100)]
    new = [*old, "198.51.100.66"]
    change = FieldChange(target=PROJECT_TARGET, field="network.allowed_ips", old=old, new=new)
    plan = _update(change)
    assert "~ network.allowed_ips: 100 entries -> 101 entries (+198.51.100.66)" in render_text(plan)
    assert "+198.51.100.66" in html_of(plan)
