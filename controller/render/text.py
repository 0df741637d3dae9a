"""Terraform-like terminal view of a ChangePlan, coloured only when writing to a TTY."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from controller.reconcile.changeplan import Action, ActionKind, ChangePlan, FieldChange
from controller.render.values import (
    create_summary,
    describe_compute,
    describe_field,
    describe_layer,
    format_change,
    format_value,
    no_changes,
)
from controller.untrusted import printable, terminal

MARKS: dict[ActionKind, str] = {
    ActionKind.CREATE: "+",
    ActionKind.UPDATE: "~",
    ActionKind.SUSPEND: "||",
    ActionKind.RESUME: ">",
    ActionKind.DELETE: "-",
    ActionKind.CONFLICT: "!",
}
_COLOURS: dict[ActionKind, str] = {
    ActionKind.CREATE: "32",
    ActionKind.UPDATE: "33",
    ActionKind.SUSPEND: "35",
    ActionKind.RESUME: "36",
    ActionKind.DELETE: "31",
    ActionKind.CONFLICT: "1;31",
}


def render_text(plan: ChangePlan, *, color: bool = False) -> str:
    """The full plan: target line, one block per action, notes, orphans, then the summary.

    Every name and message that came from YAML or Neon is escaped for the terminal.
    """

    def paint(kind: ActionKind, text: str) -> str:
        return f"\x1b[{_COLOURS[kind]}m{text}\x1b[0m" if color else text

    lines = [_target_line(plan), *_depth_lines(plan), ""]
    for problem in plan.problems:
        lines.extend([paint(ActionKind.CONFLICT, f"! problem: {terminal(problem)}"), ""])
    for action in plan.actions:
        lines.extend(_action_block(action, paint))
        lines.append("")
    for note in plan.notes:
        lines.append(f"  note: tenant {terminal(note.tenant)}: {terminal(note.text)}")
    for orphan in plan.orphans:
        kept = orphan.held or "kept suspended, never deleted"
        lines.append(
            f"  orphaned: project {terminal(orphan.project_id)} ('{terminal(orphan.project_name)}')"
            f" belonged to tenant '{terminal(orphan.tenant)}', whose file is gone; {kept}"
        )
    if plan.unmanaged_projects:
        lines.append(
            f"  {plan.unmanaged_projects} project(s) in the org are not managed by this fleet "
            "and were left untouched"
        )
    for issue in plan.health:
        fix = " (this plan repairs it)" if issue.repair else ""
        lines.append(
            f"  unhealthy: tenant {terminal(issue.tenant)} project {terminal(issue.project_id)}:"
            f" {terminal(issue.problem)}{fix}; {terminal(issue.advice)}"
        )
    closing = no_changes(plan) if not plan.actions else None
    if closing is not None:
        lines.append(closing)
    lines.append(plan.summary())
    return "\n".join(lines).rstrip("\n") + "\n"


def _target_line(plan: ChangePlan) -> str:
    target = plan.target.describe() if plan.target else "unknown target"
    scope = f" (targets: {', '.join(plan.targeted)})" if plan.targeted else ""
    return terminal(f"Target: {target} · fleet '{plan.fleet}'{scope}")


def _depth_lines(plan: ChangePlan) -> list[str]:
    """Say up front when tenants were checked only against the project list."""
    return [depth_note(plan)] if plan.list_level_only else []


def depth_note(plan: ChangePlan) -> str:
    """`950 tenants checked only at list level: ...` (for text and Markdown)."""
    count = len(plan.list_level_only)
    noun = "tenant" if count == 1 else "tenants"
    return (
        f"{count} {noun} checked only at list level: their project settings match the project "
        "list; their computes were not read (a full plan reads them)"
    )


def _action_block(action: Action, paint: Callable[[ActionKind, str], str]) -> Iterable[str]:
    mark = MARKS[action.kind]
    if action.endpoint_id is not None:
        what = f"read replica compute {action.endpoint_id}"
    else:
        what = f"project {action.project_id or '(new project)'} '{action.project_name}'"
    plan = f"  [plan {action.plan}]" if action.plan else ""
    if action.plan and action.previous_plan:
        plan = f"  [plan {action.previous_plan} -> {action.plan}]"
    yield paint(action.kind, terminal(f"{mark} {action.kind.value} {action.tenant}  {what}{plan}"))
    yield f"    reason: {terminal(action.reason)}"
    if action.blocked:
        yield f"    BLOCKED: {terminal(action.blocked)}"
    if action.create is not None:
        yield from _create_lines(action)
    for change in action.changes:
        yield _change_line(action, change)
    for replica in action.replicas:
        yield terminal(
            f"    + {describe_compute(replica)}: {format_value('compute.min_cu', replica.min_cu)}"
            f" to {format_value('compute.max_cu', replica.max_cu)}"
        )
    for effect in action.effects:
        yield f"    NOTE: {terminal(effect)}"
    for warning in action.warnings:
        yield f"    WARNING: {terminal(warning)}"


def _create_lines(action: Action) -> Iterable[str]:
    spec = action.create
    assert spec is not None
    for section, text in create_summary(action):
        yield f"    {section}: {terminal(text)}"
    for replica in spec.replicas:
        yield f"    + read replica {replica.name}"
    if spec.suspended:
        yield "    then suspended: computes disabled (tenant state is suspended)"


def _change_line(action: Action, change: FieldChange) -> str:
    layer = describe_layer(action, change)
    shown = f"  ({layer})" if layer else ""
    field = describe_field(change.target, change.field)
    return printable(f"    ~ {field}: {format_change(change)}{shown}")  # never cut: the delta
