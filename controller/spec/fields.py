"""The value types of fleet files: each checks one kind of value and says what it expected.

Each type is an `Annotated` pydantic type: a before-validator that turns the raw YAML value
into its meaning in Neon's encoding (`10GiB` -> 10737418240, `unlimited` -> 0, `never` -> -1)
or fails with a message naming the value and the rule, plus the JSON Schema fragment editors
use for the same field. Pydantic's own coercions are never relied on, so `true` is not 1 and
`"17"` is not 17.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Annotated, Any, NoReturn

from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from controller.spec import neon_rules as neon
from controller.spec.issues import describe_type, show_value
from controller.spec.model import TenantState
from controller.spec.units import (
    BYTE_UNITS,
    DURATION_UNITS,
    UnitError,
    parse_bytes,
    parse_duration,
)

SLUG_PATTERN = r"^[a-z][a-z0-9-]{0,62}$"
SLUG_RULE = "use lowercase letters, digits and hyphens, 1 to 63 characters, starting with a letter"
UNLIMITED = "unlimited"
NEVER = "never"
DEFAULT = "default"

_NUMBER = r"[0-9]+(\.[0-9]+)?"
_BYTES_PATTERN = rf"^{_NUMBER} ?({'|'.join(BYTE_UNITS)})?$"
_DURATION_PATTERN = rf"^{_NUMBER} ?({'|'.join(DURATION_UNITS)})?$"


def fail(message: str) -> NoReturn:
    """Reject a value; the message reaches the user prefixed with where the value is."""
    raise PydanticCustomError("spec", "{message}", {"message": message})


def _text(value: object, expected: str) -> str:
    if not isinstance(value, str):
        fail(f"expected {expected}, got {describe_type(value)}")
    return value


def _slug(what: str) -> Callable[[object], str]:
    def check(value: object) -> str:
        text = _text(value, f"a {what}")
        if not re.fullmatch(SLUG_PATTERN, text):
            fail(f"{show_value(text)} is not a valid {what}: {SLUG_RULE}")
        return text

    return check


def _slug_schema(what: str) -> dict[str, Any]:
    return {"type": "string", "pattern": SLUG_PATTERN, "description": f"{what}: {SLUG_RULE}"}


def _refuse_miscased(value: object, *keywords: str) -> None:
    """`Unlimited` or `NEVER` gets a pointed message rather than "not a size"."""
    if isinstance(value, str):
        for keyword in keywords:
            if value.lower() == keyword:
                fail(f"{show_value(value)} is not a keyword; write `{keyword}` in lowercase")


def _check_description(value: object) -> str:
    return _text(value, "a text")


def _check_plan_ref(value: object) -> str:
    text = _text(value, "the name of a plan in plans/")
    if not text:
        fail("expected the name of a plan in plans/, got an empty string")
    return text


def _check_region(value: object) -> str:
    region = _text(value, f"a Neon region such as {neon.DEFAULT_REGION}")
    if (problem := neon.check_region(region)) is not None:
        fail(problem)
    return region


def _check_pg_version(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        fail(f"expected a Postgres major version from 14 to 18, got {describe_type(value)}")
    if (problem := neon.check_pg_version(value)) is not None:
        fail(problem)
    return value


def _quota(parse: Callable[[str | int], int], kind: str, example: str) -> Callable[[object], Any]:
    def check(value: object) -> int:
        if value == UNLIMITED:
            return 0  # Neon's encoding of "no quota"
        _refuse_miscased(value, UNLIMITED)
        if isinstance(value, bool) or not isinstance(value, int | str):
            fail(f"expected a {kind} such as {example} or `unlimited`, got {describe_type(value)}")
        try:
            amount = parse(value)
        except UnitError as error:
            fail(f"{show_value(value)} is {error}")
        if amount == 0:
            fail(
                f"{show_value(value)} would mean no limit to Neon (a quota of 0 is unlimited); "
                f"write `unlimited` to remove the cap, or a {kind} above zero such as {example}"
            )
        if amount > neon.QUOTA_MAX:
            fail(f"{show_value(value)} is more than Neon's largest quota ({neon.QUOTA_MAX})")
        return amount

    return check


def _quota_schema(pattern: str, description: str) -> dict[str, Any]:
    return {
        "description": f"{description}; omitted or `unlimited` means no cap",
        "anyOf": [
            {"type": "integer", "minimum": 1, "maximum": neon.QUOTA_MAX},
            {"type": "string", "pattern": pattern},
            {"const": UNLIMITED},
        ],
    }


def _check_compute_units(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        fail(f"expected a compute size in CU such as 0.25 or 2, got {describe_type(value)}")
    if (problem := neon.check_compute_size(value)) is not None:  # as written, not as float
        fail(problem)
    return float(value)


def _check_suspend_timeout(value: object) -> int:
    if value == NEVER:
        return neon.SUSPEND_NEVER
    if value == DEFAULT:
        return neon.SUSPEND_DEFAULT
    _refuse_miscased(value, NEVER, DEFAULT)
    if value == neon.SUSPEND_NEVER and not isinstance(value, bool):
        fail("-1 is how Neon's API spells it; write `never` to keep the compute running")
    if isinstance(value, bool) or not isinstance(value, int | str):
        fail(f"expected a duration such as 5m, `never` or `default`, got {describe_type(value)}")
    try:
        seconds = parse_duration(value)
    except UnitError as error:
        fail(f"{show_value(value)} is {error}; or write `never` or `default`")
    if seconds == 0:
        fail(
            f"{show_value(value)} is ambiguous: write `default` for Neon's default (5m) or "
            "`never` to keep the compute running"
        )
    if (problem := neon.check_suspend_timeout(seconds)) is not None:
        fail(f"{show_value(value)} is {problem}")
    return seconds


def _check_history_retention(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        fail(f"expected a duration such as 1d, got {describe_type(value)}")
    try:
        seconds = parse_duration(value)
    except UnitError as error:
        fail(f"{show_value(value)} is {error}")
    if (problem := neon.check_history_retention(seconds)) is not None:
        fail(f"{show_value(value)} is {problem}")
    return seconds


_STATES = {state.value: state for state in TenantState}  # built once: enums iterate slowly


def _check_state(value: object) -> TenantState:
    if not isinstance(value, str) or value not in _STATES:
        fail(f"{show_value(value)} is not a tenant state; use one of: {', '.join(_STATES)}")
    return _STATES[value]


def _check_database(value: object) -> str:
    name = _text(value, "a database name")
    if (problem := neon.check_database_name(name)) is not None:
        fail(problem)
    return name


def _check_role(value: object) -> str:
    name = _text(value, "a role name")
    if (problem := neon.check_role_name(name)) is not None:
        fail(problem)
    return name


def _check_project_id(value: object) -> str:
    project_id = _text(value, "a Neon project id")
    if not re.fullmatch(neon.PROJECT_ID_PATTERN, project_id):
        fail(
            f"{show_value(project_id)} is not a Neon project id: lowercase letters, digits and "
            "hyphens, 1 to 60 characters (e.g. cold-bonus-61650555)"
        )
    return project_id


def _check_name_prefix(value: object) -> str:
    prefix = _text(value, "a text")
    if any(not ch.isprintable() for ch in prefix):
        fail(f"{show_value(prefix)} contains control characters")
    if len(prefix) >= neon.PROJECT_NAME_MAX_CHARS:
        fail(f"a prefix of {len(prefix)} characters leaves no room for the tenant id")
    return prefix


_SUSPEND_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {
            "type": "integer",
            "minimum": neon.SUSPEND_MIN_SECONDS,
            "maximum": neon.SUSPEND_MAX_SECONDS,
        },
        {"type": "string", "pattern": _DURATION_PATTERN},
        {"enum": [NEVER, DEFAULT]},
    ]
}
_RETENTION_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "integer", "minimum": 0, "maximum": neon.HISTORY_RETENTION_MAX_SECONDS},
        {"type": "string", "pattern": _DURATION_PATTERN},
    ]
}
_DATABASE_SCHEMA: dict[str, Any] = {
    "type": "string",
    "minLength": 1,
    "maxLength": neon.NAME_MAX_BYTES,
    "not": {"enum": list(neon.RESERVED_DATABASE_NAMES)},
}
_ROLE_SCHEMA: dict[str, Any] = {
    "type": "string",
    "minLength": 1,
    "maxLength": neon.NAME_MAX_BYTES,
    "not": {
        "anyOf": [
            {"enum": list(neon.PROTECTED_ROLE_NAMES)},
            {"pattern": f"^{neon.PROTECTED_ROLE_PREFIX}"},
        ]
    },
}

# Types of optional keys are `X | None` so that None can mean "not given"; a null written in
# YAML still reaches the validator and is rejected ("expected ..., got null").
TenantId = Annotated[
    str | None, BeforeValidator(_slug("tenant id")), WithJsonSchema(_slug_schema("Tenant id"))
]
PlanName = Annotated[
    str | None, BeforeValidator(_slug("plan name")), WithJsonSchema(_slug_schema("Plan name"))
]
FleetName = Annotated[
    str, BeforeValidator(_slug("fleet name")), WithJsonSchema(_slug_schema("Fleet name"))
]
PlanRef = Annotated[
    str,
    BeforeValidator(_check_plan_ref),
    WithJsonSchema({"type": "string", "pattern": SLUG_PATTERN}),
]
Description = Annotated[
    str, BeforeValidator(_check_description), WithJsonSchema({"type": "string"})
]
Region = Annotated[
    str | None, BeforeValidator(_check_region), WithJsonSchema({"enum": list(neon.REGIONS)})
]
PgVersion = Annotated[
    int | None,
    BeforeValidator(_check_pg_version),
    WithJsonSchema({"type": "integer", "enum": list(neon.PG_VERSIONS)}),
]
ByteQuota = Annotated[
    int | None,  # 0 is `unlimited` (Neon's encoding); None only while not given
    BeforeValidator(_quota(parse_bytes, "size", "10GiB")),
    WithJsonSchema(_quota_schema(_BYTES_PATTERN, "Bytes")),
]
TimeQuota = Annotated[
    int | None,
    BeforeValidator(_quota(parse_duration, "duration", "100h")),
    WithJsonSchema(_quota_schema(_DURATION_PATTERN, "Seconds")),
]
ComputeUnits = Annotated[
    float | None,
    BeforeValidator(_check_compute_units),
    WithJsonSchema({"enum": [int(cu) if cu.is_integer() else cu for cu in neon.COMPUTE_SIZES]}),
]
SuspendTimeout = Annotated[
    int | None, BeforeValidator(_check_suspend_timeout), WithJsonSchema(_SUSPEND_SCHEMA)
]
HistoryRetention = Annotated[
    int | None, BeforeValidator(_check_history_retention), WithJsonSchema(_RETENTION_SCHEMA)
]
State = Annotated[
    TenantState,
    BeforeValidator(_check_state),
    WithJsonSchema({"enum": [state.value for state in TenantState]}),
]
DatabaseName = Annotated[
    str | None, BeforeValidator(_check_database), WithJsonSchema(_DATABASE_SCHEMA)
]
RoleName = Annotated[str | None, BeforeValidator(_check_role), WithJsonSchema(_ROLE_SCHEMA)]
ProjectId = Annotated[
    str | None,
    BeforeValidator(_check_project_id),
    WithJsonSchema({"type": "string", "pattern": neon.PROJECT_ID_PATTERN}),
]
NamePrefix = Annotated[str, BeforeValidator(_check_name_prefix), WithJsonSchema({"type": "string"})]


def _check_flag(value: object) -> bool:
    if not isinstance(value, bool):
        fail(f"expected true or false, got {describe_type(value)}")
    return value


def _check_addresses(value: object) -> list[str]:
    if not isinstance(value, list):
        fail(f"expected a list of IP addresses or ranges, got {describe_type(value)}")
    if len(value) > neon.IP_ALLOW_MAX_ENTRIES:
        fail(f"{len(value)} entries; Neon's allow list takes at most {neon.IP_ALLOW_MAX_ENTRIES}")
    seen: set[str] = set()
    for index, entry in enumerate(value):
        # Neon ignores the spaces around an entry; the stripped form is what it reports back.
        text = _text(entry, f"an IP address or range (entry {index + 1})").strip()
        if (problem := neon.check_ip_entry(text)) is not None:
            fail(f"entry {index + 1}: {problem}")
        if text in seen:
            fail(f"entry {index + 1}: {show_value(text)} is listed twice")
        seen.add(text)
    return [str(e).strip() for e in value]


def _setting_text(name: str, value: object) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int | float) and math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        return value
    fail(f"the value of {name} must be text or a number, got {describe_type(value)}")


def _check_pg_settings(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        fail(f"expected a map of Postgres settings (name: value), got {describe_type(value)}")
    settings: dict[str, str] = {}
    seen: dict[str, str] = {}
    for name, raw in value.items():
        if str(name).lower() in seen:  # one Postgres parameter, whatever its case
            fail(f"{show_value(name)} and {show_value(seen[str(name).lower()])} are one setting")
        seen[str(name).lower()] = str(name)
        text = _setting_text(str(name), raw)
        if (problem := neon.check_pg_setting(str(name), text)) is not None:
            fail(problem)
        settings[str(name)] = text
    return dict(sorted(settings.items()))


def _check_weekdays(value: object) -> list[int]:
    rule = "a list of weekdays, 1 (Monday) to 7 (Sunday), such as [6, 7]"
    if not isinstance(value, list) or not value:
        fail(f"expected {rule}, got {describe_type(value)}")
    for day in value:
        if isinstance(day, bool) or not isinstance(day, int) or day not in neon.WEEKDAYS:
            fail(f"{show_value(day)} is not a weekday; expected {rule}")
    if len(set(value)) != len(value):
        fail("a weekday is listed twice")
    return sorted(value)


def _check_clock(value: object) -> str:
    text = _text(value, 'a time of day as "HH:MM" in UTC (quote it in YAML)')
    if (problem := neon.check_clock_time(text)) is not None:
        fail(problem)
    return text


def _check_replica_count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        fail(f"expected a number of read replicas, got {describe_type(value)}")
    if not 0 <= value <= neon.READ_REPLICAS_MAX:
        fail(f"{value} read replicas; use 0 to {neon.READ_REPLICAS_MAX}")
    return value


Flag = Annotated[bool | None, BeforeValidator(_check_flag), WithJsonSchema({"type": "boolean"})]
AddressList = Annotated[
    list[str] | None,
    BeforeValidator(_check_addresses),
    WithJsonSchema(
        {
            "type": "array",
            "items": {"type": "string"},
            "maxItems": neon.IP_ALLOW_MAX_ENTRIES,
            "description": "IPv4/IPv6 addresses, CIDR ranges or first-last ranges; [] allows all",
        }
    ),
]
PgSettings = Annotated[
    dict[str, str] | None,
    BeforeValidator(_check_pg_settings),
    WithJsonSchema(
        {
            "type": "object",
            "propertyNames": {"pattern": neon.PG_SETTING_NAME_PATTERN},
            "additionalProperties": {"type": ["string", "number", "boolean"]},
        }
    ),
]
Weekdays = Annotated[
    list[int],
    BeforeValidator(_check_weekdays),
    WithJsonSchema(
        {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 7}, "minItems": 1}
    ),
]
ClockTime = Annotated[
    str,
    BeforeValidator(_check_clock),
    WithJsonSchema({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}),
]
ReplicaCount = Annotated[
    int | None,
    BeforeValidator(_check_replica_count),
    WithJsonSchema({"type": "integer", "minimum": 0, "maximum": neon.READ_REPLICAS_MAX}),
]
