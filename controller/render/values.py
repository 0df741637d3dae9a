"""Human-readable values for plan output: bytes as GiB, seconds as hours, 0 quota as unlimited.

Raw Neon values stay in the JSON format; people reading a plan see the units they wrote.
"""

from __future__ import annotations

from controller.reconcile.changeplan import QUOTA_PREFIX, JSONScalar
from controller.spec.units import format_bytes, format_duration


def format_value(field: str, value: JSONScalar) -> str:
    """Format one field's value the way a fleet file would spell it."""
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    name = field.rsplit(".", 1)[-1]
    if field.startswith(QUOTA_PREFIX) and value == 0:
        return "unlimited"
    if isinstance(value, int) and name.endswith("_bytes"):
        return format_bytes(value)
    if isinstance(value, int) and name == "suspend_timeout_seconds":
        return {-1: "never", 0: "default (5m)"}.get(value) or format_duration(value)
    if isinstance(value, int) and name.endswith("_seconds"):
        return format_duration(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def describe_field(target: str, field: str) -> str:
    """`settings.quota.logical_size_bytes` or `endpoint ep-x: autoscaling_limit_max_cu`."""
    return field if target == "project" else f"endpoint {target}: {field}"
