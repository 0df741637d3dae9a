"""Saved plan files: authenticated, so that an edited plan never authorizes more than a fresh
plan would; refused as a whole, with where and what, when anything is wrong."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from controller.reconcile.changeplan import ActionKind, ChangePlan
from controller.reconcile.plan_file import PlanFileError, load_plan, plan_text, signing_key
from controller.reconcile.planner import PlanOptions, plan_changes
from controller.spec.model import TenantState
from tests.reconcile.builders import converged, fleet, tenant

KEY = signing_key("neon-api-key", host="https://console.neon.tech/api/v2", org_id="org-1")


def saved() -> tuple[ChangePlan, dict[str, Any]]:
    """A plan with an adopted update, a blocked delete and a create, as saved."""
    adopted = tenant("acme", project_id="legacy-1", values={"limits.storage": 1024**3})
    doomed = tenant("gone", state=TenantState.DELETED)
    live = converged(fleet(tenant("acme", project_id="legacy-1"), tenant("gone")))
    plan = plan_changes(fleet(adopted, doomed, tenant("newco")), live, PlanOptions())
    return plan, json.loads(plan_text(plan, KEY))


def test_a_saved_plan_round_trips_when_untouched() -> None:
    plan, data = saved()
    assert load_plan(json.dumps(data), source="plan.json", key=KEY) == plan
    kinds = {(a.tenant, a.kind) for a in plan.actions}
    assert {("acme", ActionKind.UPDATE), ("gone", ActionKind.DELETE)} <= kinds


def _flip_adopted(data: dict[str, Any]) -> None:
    for action in data["actions"]:
        action["adopted"] = True


def _to_delete(data: dict[str, Any]) -> None:
    data["actions"][0]["kind"] = "delete"


def _unblock(data: dict[str, Any]) -> None:
    for action in data["actions"]:
        action["blocked"] = None


def _other_project(data: dict[str, Any]) -> None:
    data["actions"][0]["project_id"] = "someone-elses-project"


@pytest.mark.parametrize(
    "tamper",
    [_flip_adopted, _to_delete, _unblock, _other_project],
    ids=["adopted-flag", "kind-change", "removed-block", "changed-project-id"],
)
def test_an_edited_plan_is_refused_as_a_whole(tamper: Callable[[dict[str, Any]], None]) -> None:
    _, data = saved()
    tamper(data)
    with pytest.raises(PlanFileError) as caught:
        load_plan(json.dumps(data), source="plan.json", key=KEY)
    assert str(caught.value) == (
        "plan.json: the plan's signature does not match: it was edited after `tenantctl plan` "
        "made it, or made with another API key or for another target; apply refuses it as a "
        "whole and nothing was applied. Make the plan again"
    )


def test_a_plan_signed_with_another_key_or_target_is_refused() -> None:
    _, data = saved()
    for other in (
        signing_key("another-key", host="https://console.neon.tech/api/v2", org_id="org-1"),
        signing_key("neon-api-key", host="https://console.neon.tech/api/v2", org_id="org-2"),
    ):
        with pytest.raises(PlanFileError, match="signature does not match"):
            load_plan(json.dumps(data), source="plan.json", key=other)
    unsigned = {k: v for k, v in data.items() if k != "signature"}
    with pytest.raises(PlanFileError, match="signature does not match"):
        load_plan(json.dumps(unsigned), source="plan.json", key=KEY)


def test_whitespace_and_key_order_do_not_matter() -> None:
    plan, data = saved()
    compact = json.dumps(dict(reversed(list(data.items()))), separators=(",", ":"))
    assert load_plan(compact, source="plan.json", key=KEY) == plan


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "plan.json:1:2: not JSON: Expecting property name enclosed in double quotes"),
        ("[]", "plan.json: a plan file holds a JSON object, found list"),
        (
            '{"format_version": 1}',
            "plan.json: plan format_version 1 is not supported "
            "(this tenantctl reads version 2); make the plan again",
        ),
    ],
)
def test_bad_plan_files_are_refused_with_where_and_what(text: str, message: str) -> None:
    with pytest.raises(PlanFileError) as caught:
        load_plan(text, source="plan.json", key=KEY)
    assert str(caught.value) == message


def test_a_malformed_plan_file_is_refused_saying_where() -> None:
    _, data = saved()
    data["actions"][0]["kind"] = "replace"
    with pytest.raises(PlanFileError) as caught:
        load_plan(json.dumps(data), source="plan.json", key=KEY)
    assert str(caught.value) == (
        "plan.json: not a valid tenantctl plan: actions.0.kind: Input should be 'create', "
        "'update', 'suspend', 'resume', 'delete' or 'conflict'"
    )
