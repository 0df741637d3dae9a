"""Consumption history (`GET /consumption_history/projects`): usage per project per timeframe.

Why this exists: a partner bills and alerts from this history. Neon keeps hourly data for 168
hours, daily for 60 days and monthly for a year (older ranges get 406), rounds `from`/`to` down to
the granularity, groups timeframes by billing period, pages by project id (at most 100 per page)
and rate-limits these calls on their own budget (about 50/min). The numbers come from the same
usage record as the project's counters, so the two always agree.
"""

from __future__ import annotations

import uuid
from typing import cast

from controller.emulator.bodies import check_identifier
from controller.emulator.engine import Session
from controller.emulator.errors import ApiError, bad_request
from controller.emulator.routing import JSON, ApiRequest, Reply
from controller.emulator.state import ProjectRecord
from controller.emulator.store import ProjectQuery
from controller.emulator.timeutil import (
    DAY,
    HOUR,
    Granularity,
    floor_to,
    iso,
    month_start,
    months_before,
    next_month_start,
    next_timeframe,
    parse_rfc3339,
)
from controller.emulator.usage import byte_hours, logical_size, storage_integral, usage_between

GRANULARITIES = ("hourly", "daily", "monthly")
DEFAULT_METRICS = (
    "active_time_seconds",
    "compute_time_seconds",
    "written_data_bytes",
    "synthetic_storage_size_bytes",
)
OPTIONAL_METRICS = ("data_storage_bytes_hour", "logical_size_bytes", "logical_size_bytes_hour")
MAX_PROJECT_IDS = 100
PERIOD_PLAN = "scale"


def _earliest(granularity: Granularity, now: float) -> float:
    if granularity == "hourly":
        return floor_to(now, "hourly") - 168 * HOUR
    if granularity == "daily":
        return floor_to(now, "daily") - 60 * DAY
    return months_before(now, 12)


def _instant(request: ApiRequest, name: str) -> float:
    raw = request.query.text(name, required=True) or ""
    try:
        return parse_rfc3339(raw)
    except ValueError as error:
        raise bad_request(f'invalid request: query parameter "{name}": {error}') from None


def _project_ids(request: ApiRequest) -> tuple[str, ...] | None:
    """`project_ids`, repeated or comma-separated (both forms are accepted by Neon)."""
    values = [part for raw in request.query.texts("project_ids") for part in raw.split(",") if part]
    if not values:
        return None
    if len(values) > MAX_PROJECT_IDS:
        raise bad_request(
            f'invalid request: query parameter "project_ids": {len(values)} ids, '
            f"at most {MAX_PROJECT_IDS} allowed"
        )
    for value in values:
        check_identifier("project_ids", value, where="query parameter")
    return tuple(dict.fromkeys(values))


def _metrics(request: ApiRequest) -> tuple[str, ...]:
    requested = [part for raw in request.query.texts("metrics") for part in raw.split(",") if part]
    for metric in requested:
        if metric not in DEFAULT_METRICS + OPTIONAL_METRICS:
            raise bad_request(f'invalid request: query parameter "metrics": unknown {metric!r}')
    return tuple(m for m in OPTIONAL_METRICS if m in requested)


def _window(request: ApiRequest, granularity: Granularity, now: float) -> tuple[float, float]:
    requested_from, requested_to = _instant(request, "from"), _instant(request, "to")
    if requested_from >= requested_to:
        raise bad_request('invalid request: "from" must be earlier than "to"')
    start, end = floor_to(requested_from, granularity), floor_to(requested_to, granularity)
    if start < _earliest(granularity, now):
        raise ApiError(
            406,
            f"the requested range starts before the {granularity} data retention window "
            "(hourly: 168 hours, daily: 60 days, monthly: 1 year)",
        )
    return start, max(end, next_timeframe(start, granularity))


def _timeframe(
    project: ProjectRecord, start: float, end: float, now: float, extra: tuple[str, ...]
) -> JSON:
    until = min(end, now)
    # The open timeframe (ending after now) counts what happened up to and including now.
    used = usage_between(project, start, until, include_end=until < end)
    size = logical_size(project, until)
    size_hours = byte_hours(storage_integral(project, start, until))
    frame: JSON = {
        "timeframe_start": iso(start),
        "timeframe_end": iso(end),
        "active_time_seconds": used.active_seconds,
        "compute_time_seconds": used.compute_seconds,
        "written_data_bytes": used.written_data_bytes,
        "synthetic_storage_size_bytes": size,
    }
    optional = {
        "data_storage_bytes_hour": size_hours,
        "logical_size_bytes": size,
        "logical_size_bytes_hour": size_hours,
    }
    frame.update({metric: optional[metric] for metric in extra})
    return frame


def project_history(
    project: ProjectRecord,
    window: tuple[float, float],
    granularity: Granularity,
    now: float,
    extra: tuple[str, ...] = (),
) -> JSON:
    """One project's timeframes in `window`, grouped by billing period (calendar month)."""
    first = max(window[0], floor_to(project.created_at, granularity))
    stop = min(window[1], now)
    periods: list[JSON] = []
    period = month_start(first)
    while period < stop:
        period_end = next_month_start(period)
        frames: list[JSON] = []
        frame = max(first, period)
        while frame < min(stop, period_end):
            following = next_timeframe(frame, granularity)
            frames.append(_timeframe(project, frame, following, now, extra))
            frame = following
        entry: JSON = {
            "period_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{project.id}/{iso(period)}")),
            "period_plan": PERIOD_PLAN,
            "period_start": iso(period),
            "consumption": frames,
        }
        if period_end <= now:
            entry["period_end"] = iso(period_end)
        periods.append(entry)
        period = period_end
    return {"project_id": project.id, "periods": periods}


def consumption_history(session: Session, request: ApiRequest) -> Reply:
    raw_granularity = request.query.text("granularity", required=True)
    if raw_granularity not in GRANULARITIES:
        raise bad_request(
            f'invalid request: query parameter "granularity": {raw_granularity!r} '
            "is not one of hourly, daily, monthly"
        )
    granularity = cast(Granularity, raw_granularity)
    window = _window(request, granularity, session.now)
    extra = _metrics(request)
    page = session.page(
        ProjectQuery(
            limit=request.query.integer("limit", 10, 1, 100),
            after=request.query.text("cursor"),
            org_id=request.query.identifier("org_id"),
            ids=_project_ids(request),
        )
    )
    body: JSON = {
        "projects": [project_history(p, window, granularity, session.now, extra) for p in page]
    }
    if page:
        body["pagination"] = {"cursor": page[-1].id}
    return 200, body
