"""Consumption history (`GET /consumption_history/projects`): usage per project per timeframe,
and the query rules it shares with the v2 routes (api_consumption_v2.py).

Why this exists: a partner bills and alerts from this history. Neon keeps hourly data for 168
hours, daily for 60 days and monthly for a year (older ranges get 406), rounds `from`/`to` down to
the granularity, groups timeframes by billing period, pages by project id (at most 100 per page)
and rate-limits these calls on their own budget (about 50/min). The legacy route serves legacy
Scale, Business and Enterprise plans; an account without it gets 403 (`consumption_api`). The
numbers come from the same usage record as the project's counters, so the two always agree.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, cast

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
MAX_IDS = 100
PERIOD_PLAN = "scale"
# "The consumption history is available starting from March 1, 2024, at 00:00:00 UTC" [SPEC].
DATA_STARTS = datetime(2024, 3, 1, tzinfo=UTC).timestamp()
ConsumptionRoute = Literal["legacy", "v2"]
_DENIED = {
    "legacy": "this account's plan has no legacy consumption history (legacy Scale, Business "
    "and Enterprise plans); use /consumption_history/v2/projects",
    "v2": "consumption history v2 needs a Launch, Scale, Agent, Business or Enterprise plan; "
    "this account's plan does not include it",
}


def require_access(session: Session, route: ConsumptionRoute, path: str) -> None:
    """403 (or 404, `consumption_denied_status`) when the account's plan lacks this API."""
    config = session.emulator.config
    if config.consumption_api in (route, "both"):
        return
    if config.consumption_denied_status == 404:
        raise ApiError(404, f"no such API endpoint: {path}")
    raise ApiError(403, _DENIED[route])


def _earliest(granularity: Granularity, now: float) -> float:
    if granularity == "hourly":
        return floor_to(now, "hourly") - 168 * HOUR
    if granularity == "daily":
        return floor_to(now, "daily") - 60 * DAY
    return months_before(now, 12)


def parse_granularity(request: ApiRequest) -> Granularity:
    raw = request.query.text("granularity", required=True)
    if raw not in GRANULARITIES:
        raise bad_request(
            f'invalid request: query parameter "granularity": {raw!r} '
            "is not one of hourly, daily, monthly"
        )
    return cast(Granularity, raw)


def _instant(request: ApiRequest, name: str) -> float:
    raw = request.query.text(name, required=True) or ""
    try:
        return parse_rfc3339(raw)
    except ValueError as error:
        raise bad_request(f'invalid request: query parameter "{name}": {error}') from None


def id_list(
    request: ApiRequest, name: str = "project_ids", *, required: bool = False
) -> tuple[str, ...] | None:
    """Ids repeated or comma-separated (both forms are accepted by Neon), at most 100."""
    values = [part for raw in request.query.texts(name) for part in raw.split(",") if part]
    if not values:
        if required:
            raise bad_request(f'invalid request: query parameter "{name}": required')
        return None
    if len(values) > MAX_IDS:
        raise bad_request(
            f'invalid request: query parameter "{name}": {len(values)} ids, '
            f"at most {MAX_IDS} allowed"
        )
    for value in values:
        check_identifier(name, value, where="query parameter")
    return tuple(dict.fromkeys(values))


def _metrics(request: ApiRequest) -> tuple[str, ...]:
    requested = [part for raw in request.query.texts("metrics") for part in raw.split(",") if part]
    for metric in requested:
        if metric not in DEFAULT_METRICS + OPTIONAL_METRICS:
            raise bad_request(f'invalid request: query parameter "metrics": unknown {metric!r}')
    return tuple(m for m in OPTIONAL_METRICS if m in requested)


def history_window(
    request: ApiRequest, granularity: Granularity, now: float, *, strict_start: bool = False
) -> tuple[float, float]:
    """[from, to) rounded down to the granularity; 406 beyond the retention window, and (v2,
    `strict_start`) for a `from` before the first data (the legacy route starts there instead)."""
    requested_from, requested_to = _instant(request, "from"), _instant(request, "to")
    if requested_from >= requested_to:
        raise bad_request('invalid request: "from" must be earlier than "to"')
    start, end = floor_to(requested_from, granularity), floor_to(requested_to, granularity)
    if strict_start and start < DATA_STARTS:
        raise ApiError(
            406, f'"from" is before {iso(DATA_STARTS)}, the earliest allowed consumption date'
        )
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


Frame = Callable[[float, float], JSON | None]  # a timeframe's entry; None leaves it out


@dataclass(frozen=True)
class History:
    """What grouping timeframes into billing periods needs to know."""

    owner: str  # the project (or project/branch) the period ids are derived from
    window: tuple[float, float]
    granularity: Granularity
    now: float
    plan: str = PERIOD_PLAN


def history_periods(history: History, created_at: float, frame: Frame) -> list[JSON]:
    """Timeframes from creation (or the window's start) up to now, grouped by billing period
    (calendar month); a period whose timeframes are all left out is left out."""
    first = max(history.window[0], DATA_STARTS, floor_to(created_at, history.granularity))
    stop = min(history.window[1], history.now)
    periods: list[JSON] = []
    period = month_start(first)
    while period < stop:
        period_end = next_month_start(period)
        frames: list[JSON] = []
        start = max(first, period)
        while start < min(stop, period_end):
            following = next_timeframe(start, history.granularity)
            entry = frame(start, following)
            if entry is not None:
                frames.append(entry)
            start = following
        if frames:
            periods.append(_period(history, period, period_end, frames))
        period = period_end
    return periods


def _period(history: History, start: float, end: float, frames: list[JSON]) -> JSON:
    entry: JSON = {
        "period_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{history.owner}/{iso(start)}")),
        "period_plan": history.plan,
        "period_start": iso(start),
        "consumption": frames,
    }
    if end <= history.now:
        entry["period_end"] = iso(end)
    return entry


def project_history(
    project: ProjectRecord,
    window: tuple[float, float],
    granularity: Granularity,
    now: float,
    extra: tuple[str, ...] = (),
) -> JSON:
    """One project's timeframes in `window`, grouped by billing period (calendar month)."""
    history = History(project.id, window, granularity, now)

    def frame(start: float, end: float) -> JSON:
        return _timeframe(project, start, end, now, extra)

    periods = history_periods(history, project.created_at, frame)
    return {"project_id": project.id, "periods": periods}


def consumption_history(session: Session, request: ApiRequest) -> Reply:
    require_access(session, "legacy", "/consumption_history/projects")
    granularity = parse_granularity(request)
    window = history_window(request, granularity, session.now)
    extra = _metrics(request)
    page = session.page(
        ProjectQuery(
            limit=request.query.integer("limit", 10, 1, 100),
            after=request.query.text("cursor"),
            org_id=request.query.identifier("org_id"),
            ids=id_list(request),
        )
    )
    body: JSON = {
        "projects": [project_history(p, window, granularity, session.now, extra) for p in page]
    }
    if page:
        body["pagination"] = {"cursor": page[-1].id}
    return 200, body
