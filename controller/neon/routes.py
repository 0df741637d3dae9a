"""The Neon API routes the client calls, as data: method, path template, rate bucket.

A route's name (`GET /projects/{project_id}`) keys its per-route rate bucket and appears in logs;
`path()` fills the template with ids checked against Neon's id pattern, so a caller's bad id is
a NeonUsageError naming the id, never a request to a surprising URL.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from urllib.parse import quote

from controller.neon.errors import NeonUsageError

NEON_ID = re.compile(r"^[a-z0-9-]{1,60}$")  # projects, branches, endpoints, orgs
_OPERATION_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    consumption: bool = False  # draws from the consumption rate bucket too

    @property
    def name(self) -> str:
        return f"{self.method} {self.template}"

    def path(self, **ids: str) -> str:
        """The concrete path; every placeholder must be given a valid id."""
        fields = {name for _, name, _, _ in string.Formatter().parse(self.template) if name}
        if fields != set(ids):
            raise NeonUsageError(f"{self.name} needs ids {sorted(fields)}, got {sorted(ids)}")
        for name, value in ids.items():
            check_id(self, name, value)
        return self.template.format(**{k: quote(v, safe="") for k, v in ids.items()})


def check_id(route: Route, name: str, value: object) -> None:
    """NeonUsageError unless `value` is a valid id for the parameter `name` of `route`."""
    pattern = _OPERATION_ID if name == "operation_id" else NEON_ID
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise NeonUsageError(f"{route.name}: {name} {value!r} is not a Neon id ({pattern.pattern})")


LIST_PROJECTS = Route("GET", "/projects")
CREATE_PROJECT = Route("POST", "/projects")
GET_PROJECT = Route("GET", "/projects/{project_id}")
UPDATE_PROJECT = Route("PATCH", "/projects/{project_id}")
DELETE_PROJECT = Route("DELETE", "/projects/{project_id}")
RECOVER_PROJECT = Route("POST", "/projects/{project_id}/recover")
LIST_BRANCHES = Route("GET", "/projects/{project_id}/branches")
LIST_ENDPOINTS = Route("GET", "/projects/{project_id}/endpoints")
CREATE_ENDPOINT = Route("POST", "/projects/{project_id}/endpoints")
DELETE_ENDPOINT = Route("DELETE", "/projects/{project_id}/endpoints/{endpoint_id}")
CONNECTION_URI = Route("GET", "/projects/{project_id}/connection_uri")
UPDATE_ENDPOINT = Route("PATCH", "/projects/{project_id}/endpoints/{endpoint_id}")
START_ENDPOINT = Route("POST", "/projects/{project_id}/endpoints/{endpoint_id}/start")
SUSPEND_ENDPOINT = Route("POST", "/projects/{project_id}/endpoints/{endpoint_id}/suspend")
LIST_OPERATIONS = Route("GET", "/projects/{project_id}/operations")
GET_OPERATION = Route("GET", "/projects/{project_id}/operations/{operation_id}")
CONSUMPTION_HISTORY = Route("GET", "/consumption_history/projects", consumption=True)
CONSUMPTION_HISTORY_V2 = Route("GET", "/consumption_history/v2/projects", consumption=True)
