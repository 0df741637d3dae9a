"""Terraform-like terminal view of a ChangePlan, coloured only when writing to a TTY."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from controller.reconcile.changeplan import Action, ActionKind, ChangePlan, FieldChange
from controller.render.values import describe_field, format_value

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
    """The full plan: target line, one block per action, orphans, then the summary line."""

    def paint(kind: ActionKind, text: str) -> str:
        return f"\x1b[{_COLOURS[kind]}m{text}\x1b[0m" if color else text

    lines = [_target_line(plan), ""]
    for action in plan.actions:
        lines.extend(_action_block(action, paint))
        lines.append("")
    for orphan in plan.orphans:
        kept = orphan.held or "kept suspended, never deleted"
        lines.append(
            f"  orphaned: project {orphan.project_id} ({orphan.project_name!r}) belonged to "
            f"tenant {orphan.tenant!r}, whose file is gone; {kept}"
        )
    if plan.unmanaged_projects:
        lines.append(
            f"  {plan.unmanaged_projects} project(s) in the org are not managed by this fleet "
            "and were left untouched"
        )
    if not plan.actions:
        lines.append("No changes. Live Neon projects match the fleet.")
    lines.append(plan.summary())
    return "\n".join(lines).rstrip("\n") + "\n"


def _target_line(plan: ChangePlan) -> str:
    target = plan.target.describe() if plan.target else "unknown target"
    scope = f" (targets: {', '.join(plan.targeted)})" if plan.targeted else ""
    return f"Target: {target} · fleet {plan.fleet!r}{scope}"


def _action_block(action: Action, paint: Callable[[ActionKind, str], str]) -> Iterable[str]:
    mark = MARKS[action.kind]
    project = action.project_id or "(new project)"
    head = f"{mark} {action.kind.value} {action.tenant}  project {project} {action.project_name!r}"
    yield paint(action.kind, head)
    yield f"    reason: {action.reason}"
    if action.blocked:
        yield f"    BLOCKED: {action.blocked}"
    if action.create is not None:
        yield from _create_lines(action)
    for change in action.changes:
        yield _change_line(change)
    for warning in action.warnings:
        yield f"    WARNING: {warning}"


def _create_lines(action: Action) -> Iterable[str]:
    spec = action.create
    assert spec is not None
    s = spec.settings
    yield f"    region {spec.region_id}, Postgres {spec.pg_version}"
    yield f"    database {spec.database_name!r} owned by role {spec.role_name!r}"
    limits = ", ".join(
        f"{name} {format_value('settings.quota.' + name, value)}" for name, value in s.quota.items()
    )
    yield f"    limits: {limits}"
    yield (
        f"    compute: {format_value('cu', s.min_cu)}-{format_value('cu', s.max_cu)} CU, "
        f"suspend after {format_value('suspend_timeout_seconds', s.suspend_timeout_seconds)}, "
        f"history {format_value('history_retention_seconds', s.history_retention_seconds)}"
    )
    if spec.suspended:
        yield "    then suspended (tenant state is suspended)"


def _change_line(change: FieldChange) -> str:
    old = format_value(change.field, change.old)
    new = format_value(change.field, change.new)
    layer = f"  ({change.layer})" if change.layer else ""
    return f"    ~ {describe_field(change.target, change.field)}: {old} -> {new}{layer}"
