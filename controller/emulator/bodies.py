"""Request decoding: bodies and query parameters as the contract types them, or a Neon-style 400.

Why this exists: Neon's API server decodes requests against its OpenAPI schema before any handler
runs, and rejects a wrongly typed or out-of-range value with 400 and a message naming the field.
These models mirror the contract's request schemas (strict JSON types, the same bounds; unknown
fields are ignored, as Neon's decoder does) so the emulator refuses what Neon refuses. The
message format follows the one recorded from Neon:
`invalid request: decode application/json: invalid: project (field required)`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Annotated, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from controller.emulator.errors import DECODE_PREFIX, bad_request
from controller.emulator.rules_settings import control_character

IDENTIFIER_PATTERN = r"^[a-z0-9-]{1,60}$"
INT64_MAX = 2**63 - 1  # the contract's `format: int64` (quotas, usage counters)

ComputeUnit = Annotated[float, Field(ge=0.25)]
SuspendTimeout = Annotated[int, Field(ge=-1, le=604_800)]
NonNegative = Annotated[int, Field(ge=0, le=INT64_MAX)]
Identifier = Annotated[str, Field(pattern=IDENTIFIER_PATTERN)]
Annotations = Annotated[dict[str, str], Field(max_length=50)]


def _printable(text: str) -> str:
    """A name Neon stores and shows: no control characters (a NUL, an escape sequence)."""
    found = control_character(text)
    if found is not None:
        raise ValueError(f"must not contain control characters ({found[1]} at index {found[0]})")
    return text


Printable = AfterValidator(_printable)
ProjectName = Annotated[str, Field(min_length=1, max_length=256), Printable]
BranchName = Annotated[str, Field(min_length=1, max_length=256), Printable]
EndpointName = Annotated[str, Field(min_length=1, max_length=64), Printable]
PostgresName = Annotated[str, Printable]  # role and database names; rules.py adds Neon's rules


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)


class QuotaBody(Body):
    active_time_seconds: NonNegative | None = None
    compute_time_seconds: NonNegative | None = None
    written_data_bytes: NonNegative | None = None
    data_transfer_bytes: NonNegative | None = None
    logical_size_bytes: NonNegative | None = None


class AllowedIpsBody(Body):
    ips: list[str] | None = None
    protected_branches_only: bool | None = None


class MaintenanceWindowBody(Body):
    weekdays: list[int]
    start_time: str
    end_time: str


class PreloadLibrariesBody(Body):
    use_defaults: bool | None = None
    enabled_libraries: list[str] | None = None


class SettingsBody(Body):
    quota: QuotaBody | None = None
    allowed_ips: AllowedIpsBody | None = None
    enable_logical_replication: bool | None = None
    maintenance_window: MaintenanceWindowBody | None = None
    block_public_connections: bool | None = None
    block_vpc_connections: bool | None = None
    audit_log_level: Literal["base", "extended", "full"] | None = None
    hipaa: bool | None = None
    preload_libraries: PreloadLibrariesBody | None = None


class DefaultEndpointSettingsBody(Body):
    pg_settings: dict[str, str] | None = None
    pgbouncer_settings: dict[str, str] | None = None
    autoscaling_limit_min_cu: ComputeUnit | None = None
    autoscaling_limit_max_cu: ComputeUnit | None = None
    suspend_timeout_seconds: SuspendTimeout | None = None


class NewProjectBranchBody(Body):
    name: BranchName | None = None
    role_name: PostgresName | None = None
    database_name: PostgresName | None = None
    annotations: Annotations | None = None


class ProjectCreateFields(Body):
    settings: SettingsBody | None = None
    name: ProjectName | None = None
    branch: NewProjectBranchBody | None = None
    autoscaling_limit_min_cu: ComputeUnit | None = None
    autoscaling_limit_max_cu: ComputeUnit | None = None
    provisioner: str | None = None
    region_id: str | None = None
    default_endpoint_settings: DefaultEndpointSettingsBody | None = None
    pg_version: Annotated[int, Field(ge=14, le=18)] | None = None
    store_passwords: bool | None = None
    history_retention_seconds: Annotated[int, Field(ge=0, le=2_592_000)] | None = None
    org_id: Identifier | None = None


class ProjectCreateBody(Body):
    project: ProjectCreateFields


class ProjectUpdateFields(Body):
    settings: SettingsBody | None = None
    name: ProjectName | None = None
    default_endpoint_settings: DefaultEndpointSettingsBody | None = None
    history_retention_seconds: Annotated[int, Field(ge=0, le=2_592_000)] | None = None


class ProjectUpdateBody(Body):
    project: ProjectUpdateFields


class EndpointSettingsBody(Body):
    pg_settings: dict[str, str] | None = None
    pgbouncer_settings: dict[str, str] | None = None
    preload_libraries: PreloadLibrariesBody | None = None


class EndpointFields(Body):
    """Fields an endpoint create and update share."""

    autoscaling_limit_min_cu: ComputeUnit | None = None
    autoscaling_limit_max_cu: ComputeUnit | None = None
    provisioner: str | None = None
    settings: EndpointSettingsBody | None = None
    pooler_enabled: bool | None = None
    pooler_mode: Literal["transaction"] | None = None
    disabled: bool | None = None
    passwordless_access: bool | None = None
    suspend_timeout_seconds: SuspendTimeout | None = None
    name: EndpointName | None = None


class EndpointUpdateFields(EndpointFields):
    branch_id: Identifier | None = None


class EndpointUpdateBody(Body):
    endpoint: EndpointUpdateFields


class EndpointCreateFields(EndpointFields):
    branch_id: Identifier
    region_id: str | None = None
    type: Literal["read_write", "read_only"]


class EndpointCreateBody(Body):
    endpoint: EndpointCreateFields


class BranchEndpointOptions(Body):
    type: Literal["read_write", "read_only"]
    settings: EndpointSettingsBody | None = None
    autoscaling_limit_min_cu: ComputeUnit | None = None
    autoscaling_limit_max_cu: ComputeUnit | None = None
    provisioner: str | None = None
    suspend_timeout_seconds: SuspendTimeout | None = None


class BranchCreateFields(Body):
    parent_id: Identifier | None = None
    name: BranchName | None = None
    protected: bool | None = None


class BranchCreateBody(Body):
    endpoints: list[BranchEndpointOptions] | None = None
    branch: BranchCreateFields | None = None
    annotation_value: Annotations | None = None


class DatabaseFields(Body):
    name: PostgresName
    owner_name: PostgresName


class DatabaseCreateBody(Body):
    database: DatabaseFields


class RoleFields(Body):
    name: PostgresName
    no_login: bool | None = None


class RoleCreateBody(Body):
    role: RoleFields


BodyModel = TypeVar("BodyModel", bound=Body)


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    path = ".".join(str(part) for part in first["loc"]) or "body"
    if first["type"] == "missing":
        reason = "field required"
    elif first["type"] == "value_error":  # our own rules: the message without pydantic's prefix
        reason = str(first["ctx"]["error"])
    else:
        reason = first["msg"]
    return f"{DECODE_PREFIX} {path} ({reason})"


def parse_body(model: type[BodyModel], raw: bytes, *, required: bool = True) -> BodyModel:
    """Decode a JSON body into `model`, or raise 400 the way Neon's decoder does."""
    if not raw.strip():
        if required:
            raise bad_request("invalid request: the request body is required")
        raw = b"{}"
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise bad_request(f"invalid request: decode application/json: {error}") from None
    try:
        return model.model_validate(document)
    except ValidationError as error:
        raise bad_request(_describe(error)) from None


class Query:
    """Query parameters with the contract's types and bounds; bad values raise 400."""

    def __init__(self, values: Mapping[str, list[str]]) -> None:
        self._values = values

    @staticmethod
    def _error(name: str, reason: str) -> Exception:
        return bad_request(f'invalid request: query parameter "{name}": {reason}')

    def text(self, name: str, *, required: bool = False) -> str | None:
        values = self._values.get(name)
        if not values:
            if required:
                raise self._error(name, "required")
            return None
        return values[-1]

    def texts(self, name: str) -> list[str]:
        return list(self._values.get(name, []))

    def integer(self, name: str, default: int, minimum: int, maximum: int) -> int:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise self._error(name, f"{raw!r} is not an integer") from None
        if not minimum <= value <= maximum:
            raise self._error(name, f"{value} is outside {minimum}..{maximum}")
        return value

    def boolean(self, name: str, default: bool = False) -> bool:
        raw = self.text(name)
        if raw is None:
            return default
        if raw.lower() in ("true", "1"):
            return True
        if raw.lower() in ("false", "0"):
            return False
        raise self._error(name, f"{raw!r} is not a boolean")

    def identifier(self, name: str) -> str | None:
        raw = self.text(name)
        if raw is not None:
            check_identifier(name, raw, where="query parameter")
        return raw


def check_identifier(name: str, value: str, *, where: str = "path parameter") -> None:
    if not re.fullmatch(IDENTIFIER_PATTERN, value):
        raise bad_request(
            f'invalid request: {where} "{name}": {value[:80]!r} does not match {IDENTIFIER_PATTERN}'
        )
