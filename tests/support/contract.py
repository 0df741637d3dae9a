"""Validate HTTP traffic against Neon's real OpenAPI contract (`contract/neon-api-v2.json`).

Why this exists: the emulator and the client are only trustworthy if every request they exchange
is one real Neon would accept and every response is one real Neon could send. This module turns
openapi-core into a test tool: `ContractValidator` checks one httpx request or response and raises
`ContractViolation` with a readable list of problems; `ValidatingTransport` and
`ValidatingAsyncTransport` wrap any httpx transport so that every exchange is checked, and keep
every violation in `violations` even when the code under test swallows the exception.

Scope and matching:
- A request is Neon's when its path is under the contract's server path (`/api/v2`), whatever the
  host (`http://127.0.0.1:PORT/api/v2`, `http://emulator/api/v2`...). Anything else (e.g. the
  emulator's `/_emulator/...` control API) is not checked.
- Under `/api/v2`, a path or method the contract does not declare is a violation.
- Error responses must match the status the operation declares or its `default` (GeneralError).

openapi-core quirks handled here (0.23, openapi-schema-validator 0.8):
- `nullable: true` next to `allOf`/`oneOf`/`anyOf`/`$ref`/`enum` still rejects null (the
  sub-schema or enum wins). Neon's contract uses that form (`effective_project_permission`), and
  its evident meaning is "null allowed", so such schemas are rewritten at load time to
  `anyOf: [<schema>, null]`.
- Unknown formats are silently ignored: Neon's `uint64` gets a real check (0 <= n < 2**64).
- A deprecated parameter in a request makes openapi-core emit a DeprecationWarning, which
  pytest (warnings as errors) turns into a crash: `deprecated` is dropped from parameters.
- Schema error messages embed the whole offending value; ours name the JSON path and keep values
  short, and never show the values of fields Neon lists in an object's `x-sensitive` (passwords,
  connection URIs, hosts...): those property schemas are marked at load time.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.exceptions import OperationNotFound, PathError
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_core.validation.request.exceptions import (
    ParameterValidationError,
    RequestBodyValidationError,
    SecurityValidationError,
)
from openapi_core.validation.response.exceptions import (
    DataValidationError,
    HeaderValidationError,
)
from werkzeug.datastructures import Headers, ImmutableMultiDict

CONTRACT_PATH = Path(__file__).resolve().parents[2] / "contract" / "neon-api-v2.json"
UINT64_LIMIT = 2**64
_COMPOSITIONS = ("allOf", "oneOf", "anyOf", "$ref")
_MAX_MESSAGE = 200
# Validators whose message names properties, never the value: safe on x-sensitive fields.
_VALUE_FREE_VALIDATORS = frozenset({"required", "dependencies"})
# Marks the `null` branch added by `allow_null_where_nullable`, so errors can leave it out.
_NULL_BRANCH_MARK = "x-tenantctl-null-branch"
# Marks a property schema named in its object's `x-sensitive` list (see `mark_sensitive`).
_SENSITIVE_MARK = "x-tenantctl-sensitive"


class ContractViolation(AssertionError):
    """One HTTP exchange broke Neon's contract; `problems` lists each failed rule."""

    def __init__(self, method: str, path: str, status: int | None, problems: Iterable[str]):
        self.method = method
        self.path = path
        self.status = status
        self.problems = tuple(problems)
        where = f"{method} {path}" + ("" if status is None else f" -> {status}")
        side = "request" if status is None else "response"
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"Neon API contract violation ({side}) {where}:\n{lines}")


# --- readable problems from openapi-core errors -------------------------------------------------


def _json_type(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "null" if value is None else type(value).__name__


def _short_message(error: ValidationError) -> str:
    instance = error.instance
    if isinstance(instance, dict | list):
        if error.validator == "type":
            return f"expected type {error.validator_value!r}, got {_json_type(instance)}"
        message = str(error.message).replace(repr(instance), f"<{_json_type(instance)}>")
    else:
        message = str(error.message)
    return message if len(message) <= _MAX_MESSAGE else message[:_MAX_MESSAGE] + "..."


def _branch_errors(error: ValidationError) -> list[ValidationError]:
    """The errors of an anyOf/oneOf worth showing: not those of the added `null` branch."""
    return [
        sub
        for sub in error.context
        if not (isinstance(sub.schema, Mapping) and sub.schema.get(_NULL_BRANCH_MARK))
    ]


def describe_schema_error(error: ValidationError) -> list[str]:
    """`$.json.path: what failed`, one line per leaf failure (anyOf/oneOf are opened up)."""
    if error.validator in ("anyOf", "oneOf") and error.context:
        branch_errors = _branch_errors(error)
        if branch_errors:
            return [line for sub in branch_errors for line in describe_schema_error(sub)]
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    if schema.get(_SENSITIVE_MARK) and error.validator not in _VALUE_FREE_VALIDATORS:
        rule = f"{error.validator}={error.validator_value!r}"[:_MAX_MESSAGE]
        return [f"{error.json_path}: value (hidden: x-sensitive field) fails {rule}"]
    return [f"{error.json_path}: {_short_message(error)}"]


def _where(error: Exception) -> str:
    if isinstance(error, ParameterValidationError):
        return f"{error.location} parameter {error.name!r}"
    if isinstance(error, RequestBodyValidationError):
        return "request body"
    if isinstance(error, HeaderValidationError):
        return f"response header {error.name!r}"
    if isinstance(error, DataValidationError):
        return "response body"
    return ""


def _describe_unmatched(error: Exception) -> str | None:
    if isinstance(error, OperationNotFound):
        return f"method {error.method.upper()} is not declared for this path in the contract"
    if isinstance(error, PathError):
        return "path is not declared in the contract"
    if isinstance(error, ResponseNotFound):
        return f"status {error.http_status} is not declared for this operation (and no default)"
    if isinstance(error, SecurityValidationError):
        return "no credentials the contract accepts (expected 'Authorization: Bearer <key>')"
    return None


def describe_error(error: Exception) -> list[str]:
    """One line per failed rule in an openapi-core validation error."""
    unmatched = _describe_unmatched(error)
    if unmatched is not None:
        return [unmatched]
    where = _where(error)
    prefix = f"{where}: " if where else ""
    cause = error.__cause__
    schema_errors = getattr(cause, "schema_errors", None)
    if schema_errors:
        lines = [
            line for schema_error in schema_errors for line in describe_schema_error(schema_error)
        ]
        if isinstance(error, ParameterValidationError):
            lines = [line.removeprefix("$: ") for line in lines]
        return [prefix + line for line in lines]
    detail = str(cause) if cause is not None else str(error)  # may quote the raw body: cut it
    return [prefix + (detail if len(detail) <= _MAX_MESSAGE else detail[:_MAX_MESSAGE] + "...")]


# --- contract loading ---------------------------------------------------------------------------


def _bottom_up(node: Any, rewrite: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
    """A copy of the JSON `node` with `rewrite` applied to every object, innermost first."""
    if isinstance(node, list):
        return [_bottom_up(item, rewrite) for item in node]
    if not isinstance(node, dict):
        return node
    return rewrite({key: _bottom_up(value, rewrite) for key, value in node.items()})


def mark_sensitive(node: dict[str, Any]) -> dict[str, Any]:
    """Mark each inline property an object schema lists in `x-sensitive` (messages hide its
    value). A `$ref` property is an object or array, never printed, with its own marks."""
    sensitive, properties = node.get("x-sensitive"), node.get("properties")
    if isinstance(sensitive, list) and isinstance(properties, dict):
        node["properties"] = {
            name: {**schema, _SENSITIVE_MARK: True}
            if name in sensitive and isinstance(schema, dict) and "$ref" not in schema
            else schema
            for name, schema in properties.items()
        }
    return node


def allow_null_where_nullable(node: dict[str, Any]) -> dict[str, Any]:
    """Rewrite a `nullable` schema that openapi-schema-validator would still reject null for."""
    if node.get("nullable") is not True:
        return node
    if "enum" in node and None not in node["enum"]:
        node["enum"] = [*node["enum"], None]
    if any(key in node for key in _COMPOSITIONS):
        rest = {key: value for key, value in node.items() if key != "nullable"}
        return {"anyOf": [rest, {"nullable": True, "enum": [None], _NULL_BRANCH_MARK: True}]}
    return node


def undeprecate_parameter(node: dict[str, Any]) -> dict[str, Any]:
    """Drop `deprecated` from a Parameter: openapi-core warns on each use, and pytest's
    warnings-as-errors would turn a legal request into a crash."""
    if "in" in node and "name" in node:
        node.pop("deprecated", None)
    return node


def prepare_contract(document: Mapping[str, Any]) -> dict[str, Any]:
    """The document openapi-core gets: Neon's contract with the rewrites above (sensitive
    marks first, so the nullable rewrite carries them along)."""
    marked = _bottom_up(dict(document), mark_sensitive)
    prepared: dict[str, Any] = _bottom_up(
        marked, lambda node: allow_null_where_nullable(undeprecate_parameter(node))
    )
    return prepared


def _is_uint64(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < UINT64_LIMIT


@dataclass(frozen=True)
class _Server:
    origin: str  # scheme://host of the contract's server, e.g. https://console.neon.tech
    prefix: str  # its path, e.g. /api/v2

    @classmethod
    def of(cls, document: Mapping[str, Any]) -> _Server:
        url = urlsplit(document["servers"][0]["url"])
        return cls(origin=f"{url.scheme}://{url.netloc}", prefix=url.path.rstrip("/"))

    def covers(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix + "/")


# --- httpx -> openapi-core adapters ------------------------------------------------------------


def _cookies(headers: httpx.Headers) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for value in headers.get_list("cookie"):
        jar.load(value)
    return {name: morsel.value for name, morsel in jar.items()}


class _Request:
    """An httpx.Request seen as openapi-core's `Request` protocol, on the contract's host."""

    def __init__(self, request: httpx.Request, server: _Server) -> None:
        self.host_url = server.origin
        self.path = request.url.path
        self.method = request.method.lower()
        self.body: bytes | None = request.content or None
        self.content_type = request.headers.get("content-type", "").lower()
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(request.url.params.multi_items()),
            header=Headers(request.headers.multi_items()),
            cookie=ImmutableMultiDict(_cookies(request.headers)),
        )


class _Response:
    """An httpx.Response (already read) seen as openapi-core's `Response` protocol."""

    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.content_type = response.headers.get("content-type", "").lower()
        self.headers = Headers(response.headers.multi_items())
        self.data: bytes | None = response.content or None


# --- the validator ------------------------------------------------------------------------------


class ContractValidator:
    """Checks httpx requests and responses against one OpenAPI 3.0 document."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self._server = _Server.of(document)
        config = Config(extra_format_validators={"uint64": _is_uint64})
        self._openapi = OpenAPI.from_dict(prepare_contract(document), config=config)

    @classmethod
    def from_file(cls, path: Path = CONTRACT_PATH) -> ContractValidator:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    @classmethod
    def shared(cls) -> ContractValidator:
        """The process-wide validator for the vendored contract (loaded once)."""
        return _shared_validator()

    def covers(self, request: httpx.Request) -> bool:
        """True when `request` targets Neon's API (under the contract's server path)."""
        return self._server.covers(request.url.path)

    def request_problems(self, request: httpx.Request) -> list[str]:
        """What is wrong with `request` (empty when valid or not Neon's)."""
        if not self.covers(request):
            return []
        errors = self._openapi.iter_request_errors(_Request(request, self._server))
        return [problem for error in errors for problem in describe_error(error)]

    def response_problems(self, request: httpx.Request, response: httpx.Response) -> list[str]:
        """What is wrong with `response` to `request` (empty when valid or not Neon's)."""
        if not self.covers(request):
            return []
        errors = self._openapi.iter_response_errors(
            _Request(request, self._server), _Response(response)
        )
        return [problem for error in errors for problem in describe_error(error)]

    def validate_request(self, request: httpx.Request) -> None:
        problems = self.request_problems(request)
        if problems:
            raise ContractViolation(request.method, request.url.path, None, problems)

    def validate_response(self, request: httpx.Request, response: httpx.Response) -> None:
        problems = self.response_problems(request, response)
        if problems:
            raise ContractViolation(
                request.method, request.url.path, response.status_code, problems
            )


@functools.cache
def _shared_validator() -> ContractValidator:
    return ContractValidator.from_file(CONTRACT_PATH)


# --- transports ---------------------------------------------------------------------------------


class _ViolationLog:
    """What both transports share: validate, keep every violation in `violations`, raise it."""

    def __init__(self, validator: ContractValidator | None) -> None:
        self.validator = validator or ContractValidator.shared()
        self.violations: list[ContractViolation] = []

    def _check(self, request: httpx.Request, response: httpx.Response | None = None) -> None:
        try:
            if response is None:
                self.validator.validate_request(request)
            else:
                self.validator.validate_response(request, response)
        except ContractViolation as violation:
            self.violations.append(violation)
            raise


class ValidatingTransport(_ViolationLog, httpx.BaseTransport):
    """Wraps a sync transport: each request is checked before it is forwarded, each response
    (read in full) after."""

    def __init__(
        self, inner: httpx.BaseTransport, validator: ContractValidator | None = None
    ) -> None:
        super().__init__(validator)
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self._check(request)
        response = self.inner.handle_request(request)
        response.read()
        self._check(request, response)
        return response

    def close(self) -> None:
        self.inner.close()


class ValidatingAsyncTransport(_ViolationLog, httpx.AsyncBaseTransport):
    """Wraps an async transport (e.g. `httpx.ASGITransport`), like `ValidatingTransport`."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport, validator: ContractValidator | None = None
    ) -> None:
        super().__init__(validator)
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self._check(request)
        response = await self.inner.handle_async_request(request)
        await response.aread()
        self._check(request, response)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()
