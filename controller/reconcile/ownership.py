"""How tenantctl marks the projects it owns, and how it reads the mark back.

Neon projects have no labels; the only key/value metadata is branch annotations, set when a
branch is created and never editable afterwards. tenantctl writes its mark on the project's
root branch at creation and reads it only there, so the mark cannot be added to, moved within
or removed from an existing project. Adopted projects carry no mark; the tenant file's
`project_id` binds them instead (and a project marked for another tenant is never bound).
"""

from __future__ import annotations

from collections.abc import Mapping

from controller.reconcile.observed import OwnershipMark

MANAGED_BY_KEY = "tenantctl/managed-by"
MANAGED_BY_VALUE = "tenantctl"
FLEET_KEY = "tenantctl/fleet"
TENANT_KEY = "tenantctl/tenant"


def mark_annotations(fleet: str, tenant_id: str) -> dict[str, str]:
    """The annotations written on a new project's default branch."""
    return {MANAGED_BY_KEY: MANAGED_BY_VALUE, FLEET_KEY: fleet, TENANT_KEY: tenant_id}


def parse_mark(annotations: Mapping[str, str] | None) -> OwnershipMark | None:
    """The mark in a branch's annotations, or None when tenantctl did not create the project."""
    if not annotations or annotations.get(MANAGED_BY_KEY) != MANAGED_BY_VALUE:
        return None
    fleet = annotations.get(FLEET_KEY)
    tenant_id = annotations.get(TENANT_KEY)
    if not fleet or not tenant_id:
        return None
    return OwnershipMark(fleet=fleet, tenant_id=tenant_id)
