"""The Neon API v2 routes the emulator serves, each with its handler.

Why this exists: one table lists the emulated surface (the operations a tenant controller and
Neon's official clients use in their basic flows, the same ones the vendored contract keeps), so
what the emulator covers is visible at a glance and the router, the rate limiter and the stats
share the same route templates. Order matters where templates overlap: `/projects/shared` comes
before `/projects/{project_id}`.
"""

from __future__ import annotations

from controller.emulator import (
    api_account,
    api_branches,
    api_computes,
    api_consumption,
    api_consumption_v2,
    api_operations,
    api_projects,
    api_regions,
)
from controller.emulator.routing import Route, Router

_PROJECT = "/projects/{project_id}"
_BRANCH = _PROJECT + "/branches/{branch_id}"
_ENDPOINT = _PROJECT + "/endpoints/{endpoint_id}"
_HISTORY = "/consumption_history"

ROUTES = [
    Route("GET", "/projects", api_projects.list_projects),
    Route("POST", "/projects", api_projects.create_project),
    Route("GET", "/projects/shared", api_projects.list_shared_projects),
    Route("GET", _PROJECT, api_projects.get_project),
    Route("PATCH", _PROJECT, api_projects.update_project),
    Route("DELETE", _PROJECT, api_projects.delete_project),
    Route("POST", _PROJECT + "/recover", api_projects.recover_project),
    Route("GET", _PROJECT + "/branches", api_branches.list_branches),
    Route("POST", _PROJECT + "/branches", api_branches.create_branch),
    Route("GET", _BRANCH, api_branches.get_branch),
    Route("GET", _BRANCH + "/endpoints", api_computes.list_branch_endpoints),
    Route("GET", _BRANCH + "/databases", api_branches.list_databases),
    Route("POST", _BRANCH + "/databases", api_branches.create_database),
    Route("GET", _BRANCH + "/roles", api_branches.list_roles),
    Route("POST", _BRANCH + "/roles", api_branches.create_role),
    Route("GET", _BRANCH + "/roles/{role_name}/reveal_password", api_branches.reveal_role_password),
    Route("GET", _PROJECT + "/connection_uri", api_branches.get_connection_uri),
    Route("GET", _PROJECT + "/endpoints", api_computes.list_endpoints),
    Route("POST", _PROJECT + "/endpoints", api_computes.create_endpoint),
    Route("GET", _ENDPOINT, api_computes.get_endpoint),
    Route("PATCH", _ENDPOINT, api_computes.update_endpoint),
    Route("DELETE", _ENDPOINT, api_computes.delete_endpoint),
    Route("POST", _ENDPOINT + "/start", api_computes.start_endpoint),
    Route("POST", _ENDPOINT + "/suspend", api_computes.suspend_endpoint),
    Route("GET", _PROJECT + "/operations", api_operations.list_operations),
    Route("GET", _PROJECT + "/operations/{operation_id}", api_operations.get_operation),
    Route("GET", _HISTORY + "/projects", api_consumption.consumption_history),
    Route("GET", _HISTORY + "/v2/projects", api_consumption_v2.consumption_v2_projects),
    Route("GET", _HISTORY + "/v2/branches", api_consumption_v2.consumption_v2_branches),
    Route("GET", "/regions", api_regions.list_regions),
    Route("GET", "/users/me", api_account.get_current_user),
    Route("GET", "/users/me/organizations", api_account.list_current_user_organizations),
    Route("GET", "/organizations/{org_id}", api_account.get_organization),
    Route("GET", "/auth", api_account.get_auth_details),
]


def neon_router() -> Router:
    return Router(ROUTES)
