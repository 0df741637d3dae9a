"""A resolved tenant as people and machines read it: settings in file order, with their layer.

`tenantctl show` prints these rows; values are spelled the way a fleet file would write them
(`10GiB`, `5m`, `unlimited`), while the JSON form keeps plain bytes and seconds (null for no
cap) so that scripts never parse units.
"""

from __future__ import annotations

from typing import Any

from controller.spec import neon_rules as neon
from controller.spec.model import LIMIT_UNITS, Layer, ResolvedTenant
from controller.spec.units import format_bytes, format_duration

SHOW_FORMAT_VERSION = 1

# Every resolved setting, in the order a tenant file reads.
SETTING_PATHS: tuple[str, ...] = (
    "state",
    "region",
    "pg_version",
    "database",
    "role",
    *(f"limits.{name}" for name in LIMIT_UNITS),
    "compute.min_cu",
    "compute.max_cu",
    "compute.suspend_timeout_seconds",
    "history_retention_seconds",
)


# The key a fleet file uses for settings whose resolved name carries a unit.
_FILE_KEYS = {
    "compute.suspend_timeout_seconds": "compute.suspend_timeout",
    "history_retention_seconds": "history_retention",
}


def file_key(path: str) -> str:
    """The key as written in fleet files: `compute.suspend_timeout` for `..._seconds`."""
    return _FILE_KEYS.get(path, path)


def setting_value(tenant: ResolvedTenant, path: str) -> Any:
    """The raw value at a dotted path (`limits.storage` -> bytes or None)."""
    value: Any = tenant
    for part in path.split("."):
        value = getattr(value, part)
    return value


def display_value(path: str, value: Any) -> str:
    """A resolved value spelled as in a fleet file: `10GiB`, `100h`, `unlimited`, `never`."""
    if path.startswith("limits."):
        if value is None:
            return "unlimited"
        unit = LIMIT_UNITS[path.removeprefix("limits.")]
        return format_bytes(value) if unit == "bytes" else format_duration(value)
    if path in ("compute.min_cu", "compute.max_cu"):
        return f"{int(value) if float(value).is_integer() else value} CU"
    if path == "compute.suspend_timeout_seconds":
        if value == neon.SUSPEND_NEVER:
            return "never"
        if value == neon.SUSPEND_DEFAULT:
            return f"default ({format_duration(neon.SUSPEND_DEFAULT_EFFECTIVE_SECONDS)})"
        return format_duration(value)
    if path == "history_retention_seconds":
        return format_duration(value)
    return str(value)


def display_layer(tenant: ResolvedTenant, path: str) -> str:
    """`default`, `plan <name>` or `tenant`: who set the value."""
    layer = tenant.layer_of(path)
    return f"plan {tenant.plan}" if layer is Layer.PLAN else layer.value


def settings_rows(tenant: ResolvedTenant) -> list[tuple[str, str, str]]:
    """(key as in a fleet file, value as written, layer) for every setting, in file order."""
    return [
        (
            file_key(path),
            display_value(path, setting_value(tenant, path)),
            display_layer(tenant, path),
        )
        for path in SETTING_PATHS
    ]


def tenant_document(tenant: ResolvedTenant, source: str, fleet: str) -> dict[str, Any]:
    """The JSON form of `tenantctl show --format json` (see docs/fleet-yaml.md)."""
    return {
        "format_version": SHOW_FORMAT_VERSION,
        "id": tenant.id,
        "source": source,
        "fleet": fleet,
        "plan": tenant.plan,
        "project_name": tenant.project_name,
        "project_id": tenant.project_id,
        "settings": {
            path: {
                "value": _json_value(setting_value(tenant, path)),
                "set_by": tenant.layer_of(path).value,
            }
            for path in SETTING_PATHS
        },
    }


def _json_value(value: Any) -> Any:
    return str(value) if isinstance(value, str) else value  # TenantState -> "active"
