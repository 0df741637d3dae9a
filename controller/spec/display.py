"""A resolved tenant as people and machines read it: settings in file order, with their layer.

`tenantctl show` prints these rows; values are spelled the way a fleet file writes them (`10GiB`,
`600h`, `unlimited`, `never`), in the unit the user wrote where there was one, through each
field's kind (`managed.py`). The JSON form keeps Neon's encoding (bytes, seconds, CU; a quota of
0 is no cap) so that scripts never parse units.
"""

from __future__ import annotations

from typing import Any

from controller.spec.managed import BY_KEY, KEYS
from controller.spec.model import Layer, ResolvedTenant

SHOW_FORMAT_VERSION = 2
STATE = "state"

# Every resolved setting, in the order a tenant file reads.
SETTING_PATHS: tuple[str, ...] = (STATE, *KEYS)


def setting_value(tenant: ResolvedTenant, key: str) -> Any:
    """The raw value of a setting (`limits.storage` -> bytes, 0 for no cap)."""
    return tenant.state if key == STATE else tenant.value(key)


def display_value(key: str, value: Any, unit: str | None = None) -> str:
    """A value spelled as in a fleet file: `10GiB`, `600h`, `unlimited`, `never`."""
    if key == STATE:
        return str(value)
    field = BY_KEY[key]
    if value is None:
        return "(not managed)"
    return field.kind.show(value, unit)


def display_layer(tenant: ResolvedTenant, key: str) -> str:
    """`default`, `plan <name>` or `tenant`: who set the value."""
    layer = tenant.layer_of(key)
    return f"plan {tenant.plan}" if layer is Layer.PLAN else layer.value


def settings_rows(tenant: ResolvedTenant) -> list[tuple[str, str, str]]:
    """(YAML path, value as written, layer) for every setting, in file order."""
    return [
        (
            key,
            display_value(key, setting_value(tenant, key), tenant.units.get(key)),
            display_layer(tenant, key),
        )
        for key in SETTING_PATHS
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
            key: {
                "value": _json_value(setting_value(tenant, key)),
                "unit": BY_KEY[key].kind.unit if key in BY_KEY else None,
                "set_by": tenant.layer_of(key).value,
            }
            for key in SETTING_PATHS
        },
    }


def _json_value(value: Any) -> Any:
    return str(value) if isinstance(value, str) else value  # TenantState -> "active"
