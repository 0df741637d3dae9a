"""Operations: how a client learns that the work a mutating call started has finished.

Why this exists: a controller polls `GET .../operations/{id}` until each operation it caused is
terminal before issuing dependent calls, and may list a project's operations (newest first, paged
by a microsecond timestamp cursor, as recorded from Neon).
"""

from __future__ import annotations

from controller.emulator.engine import Session
from controller.emulator.errors import bad_request, not_found
from controller.emulator.routing import JSON, ApiRequest, Reply
from controller.emulator.timeutil import iso_micro, micros, parse_rfc3339
from controller.emulator.views import operation_view

DEFAULT_LIMIT = 10


def list_operations(session: Session, request: ApiRequest) -> Reply:
    project = session.project(request.params["project_id"])
    limit = request.query.integer("limit", DEFAULT_LIMIT, 1, 1000)
    cursor = request.query.text("cursor")
    operations = sorted(project.operations, key=lambda op: op.created_at, reverse=True)
    if cursor:
        try:
            before = parse_rfc3339(cursor)
        except ValueError:
            raise bad_request(
                'invalid request: query parameter "cursor": not an operations cursor'
            ) from None
        # Cursors carry microseconds; compare at that precision.
        operations = [op for op in operations if micros(op.created_at) < micros(before)]
    page = operations[:limit]
    body: JSON = {"operations": [operation_view(op, project.id, session.now) for op in page]}
    if page:
        body["pagination"] = {"cursor": iso_micro(page[-1].created_at)}
    return 200, body


def get_operation(session: Session, request: ApiRequest) -> Reply:
    project = session.project(request.params["project_id"])
    operation_id = request.params["operation_id"]
    operation = next((op for op in project.operations if op.id == operation_id), None)
    if operation is None:
        raise not_found("operation", operation_id)
    return 200, {"operation": operation_view(operation, project.id, session.now)}
