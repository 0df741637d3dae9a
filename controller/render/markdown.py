"""A ChangePlan as a pull-request comment: summary table first, details per tenant after.

Details are collapsed (`<details>`) when the plan is large so the comment stays readable, and
left out (then table rows too) when the comment would not fit in one GitHub comment.
"""

from __future__ import annotations

from collections.abc import Iterable

from controller.reconcile.changeplan import Action, ChangePlan
from controller.render.text import MARKS, depth_note
from controller.render.values import (
    create_rows,
    describe_compute,
    describe_field,
    describe_layer,
    format_change,
    no_changes,
)
from controller.untrusted import markdown, markdown_code

COLLAPSE_ABOVE = 10
MAX_CHARACTERS = 60_000  # GitHub refuses comments over 65,536 characters


def render_markdown(
    plan: ChangePlan,
    *,
    collapse_above: int = COLLAPSE_ABOVE,
    max_characters: int = MAX_CHARACTERS,
) -> str:
    """The whole comment, ending with a newline, at most `max_characters` long."""
    head = _head(plan)
    tail = list(_footer(plan))
    if not plan.actions:
        closing = no_changes(plan)
        return _join([*head, *([closing] if closing else []), *tail])
    table = list(_summary_table(plan.actions))
    collapsed = len(plan.actions) > collapse_above
    details = [line for action in plan.actions for line in _details(action, collapsed)]
    full = _join([*head, *table, "", *details, *tail])
    if len(full) <= max_characters:
        return full
    note = (
        f"_Details of the {len(plan.actions)} actions are left out: they do not fit in one "
        "comment. `tenantctl plan --format json` has them all._"
    )
    rows = table[2:]
    while rows:
        omitted = len(table) - 2 - len(rows)
        more = [f"| … and {omitted} more actions | | | | |"] if omitted else []
        text = _join([*head, *table[:2], *rows, *more, "", note, *tail])
        if len(text) <= max_characters:
            return text
        rows = rows[: len(rows) * 9 // 10]
    return _join([*head, note, *tail])


def _head(plan: ChangePlan) -> list[str]:
    target = plan.target.describe() if plan.target else "unknown target"
    return [
        f"### tenantctl plan: fleet {markdown_code(plan.fleet)}",
        "",
        f"Target: {markdown(target)}",
        "",
        *([f"_{depth_note(plan)}._", ""] if plan.list_level_only else []),
        f"**{plan.summary()}**",
        "",
        *(line for problem in plan.problems for line in (f"> ❗ {markdown(problem)}", "")),
    ]


def _join(lines: list[str]) -> str:
    return "\n".join(lines).rstrip("\n") + "\n"


def _summary_table(actions: Iterable[Action]) -> Iterable[str]:
    yield "| Tenant | Action | Project | Changes | Notes |"
    yield "|---|---|---|---|---|"
    for a in actions:
        notes = [f"blocked: {a.blocked}"] if a.blocked else []
        notes += [f"⚠️ {w}" for w in a.warnings] + list(a.effects)
        project = markdown_code(a.project_id, cell=True) if a.project_id else "(new)"
        count = len(a.changes) if a.changes else ("new project" if a.create else "")
        mark = MARKS[a.kind].replace("|", "\\|")  # a pipe ends a table cell, even in code
        yield (
            f"| {markdown_code(a.tenant, cell=True)} | `{mark}` {a.kind.value}{_plan_of(a)} "
            f"| {project} "
            f"| {count} | {markdown('; '.join(notes))} |"
        )


def _plan_of(action: Action) -> str:
    if action.plan and action.previous_plan:
        before = markdown_code(action.previous_plan, cell=True)
        return f" (plan {before} -> {markdown_code(action.plan, cell=True)})"
    return f" (plan {markdown_code(action.plan, cell=True)})" if action.plan else ""


def _details(action: Action, collapsed: bool) -> Iterable[str]:
    title = f"{MARKS[action.kind]} {action.kind.value} {action.tenant}"
    body = list(_detail_body(action))
    if collapsed:
        yield f"<details><summary><code>{markdown(title)}</code></summary>"
        yield ""
        yield from body
        yield ""
        yield "</details>"
    else:
        yield f"#### {markdown_code(title)}"
        yield ""
        yield from body
    yield ""


def _detail_body(action: Action) -> Iterable[str]:
    yield f"Reason: {markdown(action.reason)}"
    if action.plan and action.previous_plan:
        yield ""
        before, after = markdown_code(action.previous_plan), markdown_code(action.plan)
        yield f"Pricing plan: {before} -> **{after}** (moved in this change)"
    elif action.plan:
        yield ""
        yield f"Pricing plan: {markdown_code(action.plan)}"
    if action.endpoint_id:
        yield ""
        yield f"Read replica compute: {markdown_code(action.endpoint_id)}"
    if action.blocked:
        yield ""
        yield f"**Blocked:** {markdown(action.blocked)}"
    for warning in action.warnings:
        yield ""
        yield f"> ⚠️ **{markdown(warning)}**"
    for effect in action.effects:
        yield ""
        yield f"> {markdown(effect)}"
    if action.create is not None:
        yield from _create_body(action)
    if action.changes:
        yield ""
        yield "| Setting | Live -> wanted | Set by |"
        yield "|---|---|---|"
        for c in action.changes:
            field = describe_field(c.target, c.field)
            layer = describe_layer(action, c)
            change = markdown_code(format_change(c), cell=True)
            yield f"| {markdown_code(field, cell=True)} | {change} | {markdown(layer)} |"
    for replica in action.replicas:
        yield ""
        yield f"- creates {markdown(describe_compute(replica))}"


def _create_body(action: Action) -> Iterable[str]:
    spec = action.create
    assert spec is not None
    state = "suspended (computes disabled)" if spec.suspended else "active"
    yield ""
    yield f"Creates project {markdown_code(spec.name)}, initial state **{state}**:"
    yield ""
    yield "| Setting | Value | Set by |"
    yield "|---|---|---|"
    for key, shown, layer in create_rows(action):
        yield (
            f"| {markdown_code(key, cell=True)} | {markdown_code(shown, cell=True)} "
            f"| {markdown(layer)} |"
        )
    for replica in spec.replicas:
        yield f"| read replica | {markdown_code(replica.name, cell=True)} | |"


def _footer(plan: ChangePlan) -> Iterable[str]:
    for note in plan.notes:
        yield ""
        yield f"Note on {markdown_code(note.tenant)}: {markdown(note.text)}"
    if plan.orphans:
        yield ""
        names = ", ".join(
            f"{markdown_code(o.tenant)} ({markdown_code(o.project_id)})" for o in plan.orphans
        )
        yield f"Orphaned (tenant file removed; suspended, never deleted): {names}"
        for orphan in plan.orphans:
            if orphan.held:
                yield ""
                yield f"{markdown_code(orphan.tenant)} is {markdown(orphan.held)}"
    if plan.unmanaged_projects:
        yield ""
        yield f"{plan.unmanaged_projects} project(s) not managed by this fleet were left untouched."
    for issue in plan.health:
        fix = " (this plan repairs it)" if issue.repair else ""
        yield ""
        yield (
            f"**Unhealthy** {markdown_code(issue.tenant)} ({markdown_code(issue.project_id)}): "
            f"{markdown(issue.problem)}{fix}. What to do: {markdown(issue.advice)}"
        )
