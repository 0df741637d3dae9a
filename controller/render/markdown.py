"""A ChangePlan as a pull-request comment: summary table first, details per tenant after.

Details are collapsed (`<details>`) when the plan is large so the comment stays readable, and
left out (then table rows too) when the comment would not fit in one GitHub comment.
"""

from __future__ import annotations

from collections.abc import Iterable

from controller.reconcile.changeplan import Action, ChangePlan
from controller.render.text import MARKS
from controller.render.values import describe_field, format_value

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
        return _join([*head, "No changes. Live Neon projects match the fleet.", *tail])
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
        f"### tenantctl plan: fleet `{plan.fleet}`",
        "",
        f"Target: {_escape(target)}",
        "",
        f"**{plan.summary()}**",
        "",
    ]


def _join(lines: list[str]) -> str:
    return "\n".join(lines).rstrip("\n") + "\n"


def _summary_table(actions: Iterable[Action]) -> Iterable[str]:
    yield "| Tenant | Action | Project | Changes | Notes |"
    yield "|---|---|---|---|---|"
    for a in actions:
        notes = "; ".join(
            ([f"blocked: {a.blocked}"] if a.blocked else []) + [f"⚠️ {w}" for w in a.warnings]
        )
        project = f"`{a.project_id}`" if a.project_id else "(new)"
        count = len(a.changes) if a.changes else ("new project" if a.create else "")
        mark = MARKS[a.kind].replace("|", "\\|")  # a pipe ends a table cell, even in code
        yield (
            f"| {_escape(a.tenant)} | `{mark}` {a.kind.value} | {project} | {count} "
            f"| {_escape(notes)} |"
        )


def _details(action: Action, collapsed: bool) -> Iterable[str]:
    title = f"{MARKS[action.kind]} {action.kind.value} {action.tenant}"
    body = list(_detail_body(action))
    if collapsed:
        yield f"<details><summary><code>{title}</code></summary>"
        yield ""
        yield from body
        yield ""
        yield "</details>"
    else:
        yield f"#### `{title}`"
        yield ""
        yield from body
    yield ""


def _detail_body(action: Action) -> Iterable[str]:
    yield f"Reason: {_escape(action.reason)}"
    if action.blocked:
        yield ""
        yield f"**Blocked:** {_escape(action.blocked)}"
    for warning in action.warnings:
        yield ""
        yield f"> ⚠️ **{_escape(warning)}**"
    if action.create is not None:
        spec, s = action.create, action.create.settings
        yield ""
        yield f"- region `{spec.region_id}`, Postgres {spec.pg_version}"
        yield f"- database `{spec.database_name}` owned by `{spec.role_name}`"
        for name, value in s.quota.items():
            yield f"- `settings.quota.{name}`: {format_value('settings.quota.' + name, value)}"
        yield f"- compute {format_value('cu', s.min_cu)}-{format_value('cu', s.max_cu)} CU"
    if action.changes:
        yield ""
        yield "| Field | Live | Wanted | Set by |"
        yield "|---|---|---|---|"
        for c in action.changes:
            old, new = format_value(c.field, c.old), format_value(c.field, c.new)
            field = describe_field(c.target, c.field)
            yield f"| `{field}` | {_escape(old)} | {_escape(new)} | {c.layer or ''} |"


def _footer(plan: ChangePlan) -> Iterable[str]:
    if plan.orphans:
        yield ""
        names = ", ".join(f"`{o.tenant}` ({o.project_id})" for o in plan.orphans)
        yield f"Orphaned (tenant file removed; suspended, never deleted): {names}"
        for orphan in plan.orphans:
            if orphan.held:
                yield ""
                yield f"`{orphan.tenant}` is {_escape(orphan.held)}"
    if plan.unmanaged_projects:
        yield ""
        yield f"{plan.unmanaged_projects} project(s) not managed by this fleet were left untouched."


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
