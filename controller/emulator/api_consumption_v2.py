"""Consumption history v2 (`GET /consumption_history/v2/projects` and `.../v2/branches`): the
billing metrics of Neon's usage-based plans, per project or per branch, per timeframe.

Why this exists: accounts on Launch, Scale, Agent, Business and Enterprise plans bill their own
customers from these numbers (compute unit seconds, storage byte-months, network transfer, extra
branches). The query rules are the legacy route's (required `from`/`to`/`granularity`, 406 beyond
168 hours / 60 days / 1 year, the consumption rate-limit bucket) plus v2's own: `metrics` and
`org_id` are required, `from` may not precede 2024-03-01, projects page newest first, branches by
project id then branch id, and timeframes where every requested metric is zero are left out (as
NOTES.md reports of v2). Values come from `usage.billing_metrics`, the same usage record as the
project counters and the legacy history, so all three agree.
"""

from __future__ import annotations

import re

from controller.emulator.api_account import DEFAULT_ORG_ID, account_plan, is_member
from controller.emulator.api_consumption import (
    MAX_IDS,
    Frame,
    History,
    history_periods,
    history_window,
    id_list,
    parse_granularity,
    require_access,
)
from controller.emulator.engine import Session
from controller.emulator.errors import bad_request, not_found
from controller.emulator.routing import JSON, ApiRequest, Reply
from controller.emulator.state import ProjectRecord
from controller.emulator.store import ProjectQuery
from controller.emulator.timeutil import Granularity, iso
from controller.emulator.usage import BRANCH_METRICS, V2_METRICS, billing_metrics

PROJECTS_PATH = "/consumption_history/v2/projects"
BRANCHES_PATH = "/consumption_history/v2/branches"
_BRANCH_CURSOR = re.compile(r"([a-z0-9-]{1,60})/([a-z0-9-]{1,60})")


def requested_metrics(request: ApiRequest, supported: tuple[str, ...]) -> tuple[str, ...]:
    """`metrics`, repeated or comma-separated, required; in the order asked, once each."""
    names = [part for raw in request.query.texts("metrics") for part in raw.split(",") if part]
    if not names:
        raise bad_request('invalid request: query parameter "metrics": required')
    for name in names:
        if name not in V2_METRICS:
            raise bad_request(
                f'invalid request: query parameter "metrics": unknown metric {name[:64]!r}'
            )
        if name not in supported:
            raise bad_request(
                f'invalid request: query parameter "metrics": {name} is not supported here; '
                f"use {PROJECTS_PATH}"
            )
    return tuple(dict.fromkeys(names))


def member_org(session: Session, request: ApiRequest) -> str:
    """`org_id`, required; 404 when the account is not a member of it [SPEC]."""
    org_id = request.query.identifier("org_id")
    if org_id is None:
        raise bad_request('invalid request: query parameter "org_id": required')
    if not is_member(session, org_id):
        raise not_found("organization", org_id)
    return org_id


def metric_frame(
    project: ProjectRecord, metrics: tuple[str, ...], now: float, branch_id: str | None = None
) -> Frame:
    """A timeframe's `metrics` list; None (left out) when every requested value is zero."""

    def frame(start: float, end: float) -> JSON | None:
        until = min(end, now)  # the open timeframe counts up to and including now
        values = billing_metrics(
            project, start, until, include_end=until < end, branch_id=branch_id
        )
        chosen = [{"metric_name": name, "value": values[name]} for name in metrics]
        if not any(item["value"] for item in chosen):
            return None
        return {"timeframe_start": iso(start), "timeframe_end": iso(end), "metrics": chosen}

    return frame


def _query(
    session: Session, request: ApiRequest, path: str, supported: tuple[str, ...]
) -> tuple[Granularity, tuple[float, float], tuple[str, ...], str]:
    require_access(session, "v2", path)
    granularity = parse_granularity(request)
    window = history_window(request, granularity, session.now, strict_start=True)
    return granularity, window, requested_metrics(request, supported), member_org(session, request)


def consumption_v2_projects(session: Session, request: ApiRequest) -> Reply:
    granularity, window, metrics, org_id = _query(session, request, PROJECTS_PATH, V2_METRICS)
    page = session.page(
        ProjectQuery(
            limit=request.query.integer("limit", 10, 1, MAX_IDS),
            after=request.query.text("cursor"),
            org_id=org_id,
            ids=id_list(request),
            newest_first=True,
            unassigned_in_org=org_id == DEFAULT_ORG_ID,
        )
    )
    plan, now = account_plan(session), session.now
    projects = [
        {
            "project_id": p.id,
            "periods": history_periods(
                History(p.id, window, granularity, now, plan),
                p.created_at,
                metric_frame(p, metrics, now),
            ),
        }
        for p in page
    ]
    body: JSON = {"projects": projects}
    if page:
        body["pagination"] = {"cursor": page[-1].id}
    return 200, body


def _branch_cursor(raw: str | None) -> tuple[str, str] | None:
    """The cursor is `PROJECT_ID/BRANCH_ID` of the last branch of the previous page."""
    if raw is None:
        return None
    found = _BRANCH_CURSOR.fullmatch(raw)
    if found is None:
        raise bad_request('invalid request: query parameter "cursor": not a branch cursor')
    return found.group(1), found.group(2)


def consumption_v2_branches(session: Session, request: ApiRequest) -> Reply:
    granularity, window, metrics, org_id = _query(session, request, BRANCHES_PATH, BRANCH_METRICS)
    project_ids = id_list(request, required=True) or ()
    branch_ids = id_list(request, "branch_ids")
    limit = request.query.integer("limit", 100, 1, 1000)
    after = _branch_cursor(request.query.text("cursor"))
    projects = session.page(
        ProjectQuery(
            limit=MAX_IDS,
            org_id=org_id,
            ids=project_ids,
            unassigned_in_org=org_id == DEFAULT_ORG_ID,
        )
    )
    rows = [
        (p, b)
        for p in projects
        for b in sorted(p.branches, key=lambda b: b.id)
        if (branch_ids is None or b.id in branch_ids) and (after is None or (p.id, b.id) > after)
    ][:limit]
    plan, now = account_plan(session), session.now
    branches = [
        {
            "project_id": p.id,
            "branch_id": b.id,
            "periods": history_periods(
                History(f"{p.id}/{b.id}", window, granularity, now, plan),
                b.created_at,
                metric_frame(p, metrics, now, b.id),
            ),
        }
        for p, b in rows
    ]
    body: JSON = {"branches": branches}
    if rows:
        body["pagination"] = {"cursor": f"{rows[-1][0].id}/{rows[-1][1].id}"}
    return 200, body
