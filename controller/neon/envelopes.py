"""The JSON wrappers Neon puts around objects (`{"project": ...}`, pages with cursors).

Internal to the client: callers get the unwrapped models of controller.neon.models.
"""

from __future__ import annotations

from pydantic import Field

from controller.neon.models import (
    Branch,
    BranchAnnotation,
    Endpoint,
    NeonModel,
    Operation,
    Project,
    ProjectConsumptionHistory,
    ProjectConsumptionV2,
    ProjectListItem,
)


class Pagination(NeonModel):
    """`pagination` of project, operation and consumption lists: `cursor` = last item's key."""

    cursor: str | None = None


class CursorPagination(NeonModel):
    """`pagination` of the branch list: an opaque `next` cursor."""

    next: str | None = None


class ProjectsCompleteness(NeonModel):
    """Only the part of a project list page that says whether Neon listed every project."""

    unavailable_project_ids: list[str] = Field(default_factory=list)


class ProjectsPage(ProjectsCompleteness):
    projects: list[ProjectListItem]
    pagination: Pagination | None = None


class ProjectEnvelope(NeonModel):
    project: Project


class ProjectOperationsEnvelope(NeonModel):
    project: Project
    operations: list[Operation] = Field(default_factory=list)


class BranchesPage(NeonModel):
    branches: list[Branch]
    annotations: dict[str, BranchAnnotation] = Field(default_factory=dict)
    pagination: CursorPagination | None = None


class EndpointsEnvelope(NeonModel):
    endpoints: list[Endpoint]


class EndpointOperationsEnvelope(NeonModel):
    endpoint: Endpoint
    operations: list[Operation] = Field(default_factory=list)


class OperationEnvelope(NeonModel):
    operation: Operation


class OperationsPage(NeonModel):
    operations: list[Operation]
    pagination: Pagination | None = None


class ConsumptionPage(NeonModel):
    projects: list[ProjectConsumptionHistory]
    pagination: Pagination | None = None


class ConsumptionV2Page(NeonModel):
    projects: list[ProjectConsumptionV2]
    pagination: Pagination | None = None


class ConnectionUri(NeonModel):
    """`{"uri": ...}`: a secret. Kept out of repr, and dropped as soon as it is read."""

    uri: str = Field(repr=False)
