"""Rules that span several values, checked on resolved settings, reported at the right layer.

Each value can be fine on its own while the combination breaks a Neon rule: a tenant's
`max_cu: 12` over its plan's `min_cu: 0.25` is wider than Neon's 8 CU autoscaling range. Such
a finding belongs to the layer that made the combination: a plan's own values are checked once,
on the plan (against Neon's defaults); a tenant is reported only when one of its own values is
involved, at that value, with the message saying which layer set the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from controller.spec import neon_rules as neon
from controller.spec.issues import SpecIssue, show_number
from controller.spec.model import Layer
from controller.spec.resolve import Origin, Setting
from controller.spec.units import format_duration


@dataclass(frozen=True, slots=True)
class Findings:
    """Errors and warnings found on one plan or tenant."""

    errors: tuple[SpecIssue, ...]
    warnings: tuple[SpecIssue, ...]


def check_settings(settings: Mapping[str, Setting], subject: Layer) -> Findings:
    """Cross-value rules over resolved settings, for the plan (PLAN) or a tenant (TENANT)."""
    errors = [
        *_range_errors(settings, subject, "compute.min_cu", "compute.max_cu"),
        *_range_errors(settings, subject, "read_replicas.min_cu", "read_replicas.max_cu"),
        *_role_errors(settings, subject),
    ]
    return Findings(tuple(errors), tuple(_compute_warnings(settings, subject)))


def _range_errors(
    settings: Mapping[str, Setting], subject: Layer, low_key: str, high_key: str
) -> list[SpecIssue]:
    """An autoscaling range (`min_cu`, `max_cu`) Neon accepts."""
    low, high = settings[low_key], settings[high_key]
    if low.value > high.value:
        blamed = _blame(subject, low, high)
        rule = "min_cu {low} is above max_cu {high}"
    elif low.value < high.value and high.value > neon.AUTOSCALING_MAX_CU:
        blamed = _blame(subject, high, low)
        rule = (
            "autoscaling from min_cu {low} to max_cu {high} goes above Neon's autoscaling "
            "maximum of 16 CU; for a fixed size above 16 CU set min_cu equal to max_cu"
        )
    elif high.value - low.value > neon.AUTOSCALING_MAX_RANGE_CU:
        blamed = _blame(subject, high, low)
        rule = (
            "the autoscaling range from min_cu {low} to max_cu {high} is wider than Neon's "
            "limit of 8 CU"
        )
    else:
        return []
    if blamed is None:
        return []
    text = rule.format(low=_described(low, blamed), high=_described(high, blamed))
    return [_issue(blamed, text)]


def _compute_warnings(settings: Mapping[str, Setting], subject: Layer) -> list[SpecIssue]:
    low, high = settings["compute.min_cu"], settings["compute.max_cu"]
    suspend = settings["compute.suspend_timeout"]
    fixed_large = low.value == high.value and high.value > neon.SCALE_TO_ZERO_MAX_CU
    if not fixed_large or suspend.value == neon.SUSPEND_NEVER:
        return []
    blamed = _blame(subject, high, low, suspend)
    if blamed is None:
        return []
    if suspend.origin is None:
        setting = "Neon's default suspend_timeout"
    else:
        shown = (
            "default" if suspend.value == neon.SUSPEND_DEFAULT else format_duration(suspend.value)
        )
        setting = f"suspend_timeout {shown} {_where(suspend, blamed)}"
    text = (
        f"computes above 16 CU never scale to zero, so {setting} has no effect; "
        "set `suspend_timeout: never` to say so"
    )
    return [_issue(blamed, text)]


def _role_errors(settings: Mapping[str, Setting], subject: Layer) -> list[SpecIssue]:
    role, database = settings["role"], settings["database"]
    if role.layer is not Layer.DEFAULT or database.layer is not subject or database.origin is None:
        return []
    problem = neon.check_role_name(role.value)
    if problem is None:
        return []
    text = f"the owner role Neon would create for it is invalid: {problem}; set `role` explicitly"
    return [_issue(database, text)]


def _blame(subject: Layer, *candidates: Setting) -> Setting | None:
    """The first candidate set by the layer being checked, or None if it set none of them."""
    return next((c for c in candidates if c.layer is subject and c.origin is not None), None)


def _described(setting: Setting, blamed: Setting) -> str:
    return f"{show_number(setting.value)} {_where(setting, blamed)}"


def _where(setting: Setting, blamed: Setting) -> str:
    if setting is blamed:
        return "(here)"
    if setting.origin is None:
        return "(Neon's default)"
    position = setting.origin.position
    if blamed.origin is not None and setting.origin.path == blamed.origin.path:
        return f"(line {position.line})"
    where = f"{setting.origin.path}:{position.line}:{position.column}"
    return f"(plan '{setting.plan}', {where})" if setting.layer is Layer.PLAN else f"({where})"


def _issue(blamed: Setting, text: str) -> SpecIssue:
    origin: Origin | None = blamed.origin
    assert origin is not None  # only values written in a file are blamed
    dotted = ".".join(str(part) for part in origin.loc)
    return SpecIssue(origin.path, origin.position.line, origin.position.column, f"{dotted}: {text}")
