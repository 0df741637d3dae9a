"""What an API handler is, and how a request path finds its handler and its route template.

Why this exists: rate limits apply per route ("40 requests/s per route") and the stats count by
route, so the pipeline needs the route template (`/projects/{project_id}`) before the handler runs.
A small explicit table does that, checks path identifiers against the contract's pattern, and
keeps handlers plain functions `(session, request) -> (status, body)`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from controller.emulator.bodies import Query, check_identifier
from controller.emulator.engine import Session
from controller.emulator.errors import ApiError, bad_request

JSON = dict[str, Any]
Reply = tuple[int, JSON | None]  # status and body (None: no body, as for 204)

_PARAMETER = re.compile(r"\{([a-z_]+)\}")
_IDENTIFIER_PARAMETERS = frozenset({"project_id", "branch_id", "endpoint_id", "org_id"})


@dataclass(frozen=True)
class ApiRequest:
    """A decoded request: path parameters, query parameters and the raw body."""

    params: dict[str, str]
    query: Query
    body: bytes = b""


Handler = Callable[[Session, ApiRequest], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    pattern: re.Pattern[str] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        parts = [
            f"(?P<{match.group(1)}>[^/]+)"
            if (match := _PARAMETER.fullmatch(part))
            else re.escape(part)
            for part in self.template.split("/")
        ]
        object.__setattr__(self, "pattern", re.compile("/".join(parts) + "$"))

    @property
    def mutating(self) -> bool:
        return self.method != "GET"

    @property
    def consumption(self) -> bool:
        return self.template.startswith("/consumption_history/")


def _check_parameters(params: dict[str, str]) -> None:
    for name, value in params.items():
        if name in _IDENTIFIER_PARAMETERS:
            check_identifier(name, value)
        elif name == "operation_id":
            try:
                uuid.UUID(value)
            except ValueError:
                raise bad_request(
                    f'invalid request: path parameter "operation_id": {value[:80]!r} is not a UUID'
                ) from None


class Router:
    """Finds the route for a method and a path relative to `/api/v2`."""

    def __init__(self, routes: list[Route]) -> None:
        self._routes = routes

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        """The route and its path parameters; 404 for an unknown path, 405 for a wrong method."""
        allowed = False
        for route in self._routes:
            found = route.pattern.match(path)
            if found is None:
                continue
            if route.method == method:
                params = found.groupdict()
                _check_parameters(params)
                return route, params
            allowed = True
        if allowed:
            raise ApiError(405, f"method {method} is not allowed on {path}")
        raise ApiError(404, f"no such API endpoint: {path}")
