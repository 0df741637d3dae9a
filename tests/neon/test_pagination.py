"""Lists are read to the end: projects at limit 400, consumption in batches of 100 ids."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from controller.neon import (
    ConsumptionUnavailableError,
    EndlessListError,
    IncompleteListError,
    InvalidResponseError,
    NeonUsageError,
)
from controller.neon.pagination import collect_pages, next_cursor
from tests.neon.fakes import FakeClock, ScriptedNeon, error, list_item, make_client, ok

pytestmark = pytest.mark.anyio

SINCE = datetime(2026, 11, 1, tzinfo=UTC)
UNTIL = datetime(2026, 11, 20, tzinfo=UTC)


def project_pages(ids: list[str]) -> Any:
    """GET /projects the way Neon pages it: cursor = id of the last project on the page."""

    def answer(request: httpx.Request) -> httpx.Response:
        limit = int(request.url.params["limit"])
        cursor = request.url.params.get("cursor")
        start = ids.index(cursor) + 1 if cursor else 0
        page = ids[start : start + limit]
        body: dict[str, Any] = {
            "projects": [list_item(project_id) for project_id in page],
            "applications": {},
            "integrations": {},
        }
        if page:
            body["pagination"] = {"cursor": page[-1]}
        return ok(body)

    return answer


@pytest.mark.parametrize("count", [0, 1, 399, 400, 401, 1000])
async def test_list_projects_pages_at_400_to_the_end(
    neon: ScriptedNeon, clock: FakeClock, count: int
) -> None:
    ids = [f"tenant-{n:05d}" for n in range(count)]
    neon.on("GET", "/projects", project_pages(ids))
    async with make_client(neon.transport(), clock) as client:
        projects = await client.list_projects()
    assert [p.id for p in projects] == ids
    sent = neon.sent("GET", "/projects")
    assert {request.url.params["limit"] for request in sent} == {"400"}
    assert len(sent) == count // 400 + 1
    assert [request.url.params.get("cursor") for request in sent[1:]] == [
        ids[n * 400 - 1] for n in range(1, len(sent))
    ]


async def test_list_projects_passes_search_recoverable_and_org(
    neon: ScriptedNeon, clock: FakeClock
) -> None:
    neon.on("GET", "/projects", project_pages(["tenant-a"]))
    async with make_client(neon.transport(), clock, org_id="org-fleet-1") as client:
        await client.list_projects(search="tenant-", recoverable=True)
    params = neon.requests[0].url.params
    assert (params["search"], params["recoverable"], params["org_id"]) == (
        "tenant-",
        "true",
        "org-fleet-1",
    )


def partial_page() -> httpx.Response:
    body = {
        "projects": [list_item("tenant-a")],
        "unavailable_project_ids": ["tenant-b"],
        "applications": {},
        "integrations": {},
    }
    return ok(body)


async def test_a_partial_project_page_is_asked_again(neon: ScriptedNeon, clock: FakeClock) -> None:
    neon.on("GET", "/projects", partial_page(), project_pages(["tenant-a", "tenant-b"]))
    async with make_client(neon.transport(), clock) as client:
        projects = await client.list_projects()
    assert [p.id for p in projects] == ["tenant-a", "tenant-b"]
    assert len(neon.sent("GET", "/projects")) == 2
    assert clock.sleeps == [0.375]  # the read backoff, as for any temporary failure


async def test_a_project_list_that_stays_partial_is_an_error(
    neon: ScriptedNeon, clock: FakeClock
) -> None:
    neon.on("GET", "/projects", partial_page())
    async with make_client(neon.transport(), clock, max_attempts=3) as client:
        with pytest.raises(IncompleteListError, match="could not list 1 project") as caught:
            await client.list_projects()
    assert len(neon.requests) == 3
    assert (caught.value.method, caught.value.path, caught.value.status) == (
        "GET",
        "/projects",
        200,
    )
    assert caught.value.request_id == neon.requests[-1].headers["X-Request-ID"]


async def test_collect_pages_follows_cursors_until_a_short_page() -> None:
    pages = {None: ([1, 2], "c1"), "c1": ([3, 4], "c2"), "c2": ([5], "c3")}
    asked: list[str | None] = []

    async def fetch(cursor: str | None) -> tuple[list[int], str | None]:
        asked.append(cursor)
        return pages[cursor]

    assert await collect_pages(fetch, limit=2, path="/things", max_items=10) == [1, 2, 3, 4, 5]
    assert asked == [None, "c1", "c2"]


def test_where_a_list_ends() -> None:
    assert next_cursor("p-9", 399, 400, set()) is None  # a short page: the end
    assert next_cursor(None, 400, 400, set()) is None  # no cursor, none required
    seen = {"p-1"}
    assert next_cursor("p-9", 400, 400, seen) == "p-9"
    assert seen == {"p-1", "p-9"}


@pytest.mark.parametrize(
    ("pages", "message"),
    [
        (
            {None: ([1, 2], "a"), "a": ([3, 4], "b"), "b": ([5, 6], "a")},
            "GET /things: the cursor 'a' came back again: the list does not progress",
        ),
        (
            {None: ([1, 2], "a"), "a": ([3, 4], "a")},
            "GET /things: the cursor 'a' came back again: the list does not progress",
        ),
    ],
    ids=["cycle", "repeat"],
)
async def test_paging_that_cycles_is_an_endless_list(
    pages: dict[str | None, tuple[list[int], str]], message: str
) -> None:
    async def fetch(cursor: str | None) -> tuple[list[int], str | None]:
        return pages[cursor]

    with pytest.raises(EndlessListError) as caught:
        await collect_pages(fetch, limit=2, path="/things", max_items=100)
    assert str(caught.value) == message


async def test_a_list_longer_than_max_list_items_is_refused() -> None:
    """Fresh cursors forever (issue 14: a project list grew to 3 GB in 409 s)."""
    fetched = 0

    async def fetch(cursor: str | None) -> tuple[list[int], str | None]:
        nonlocal fetched
        fetched += 1
        return [fetched, fetched], f"c{fetched}"

    with pytest.raises(EndlessListError, match=r"longer than max_list_items \(9\)"):
        await collect_pages(fetch, limit=2, path="/things", max_items=9)
    assert fetched == 5


@pytest.mark.parametrize(
    ("page", "message"),
    [
        (
            {"pagination": {"cursor": "tenant-0399"}},
            "the cursor 'tenant-0399' came back again: the list does not progress",
        ),
        ({}, "a full page of 400 came back without a cursor: the rest of the list cannot be read"),
    ],
    ids=["repeated-cursor", "no-cursor"],
)
async def test_a_project_list_that_cannot_be_read_to_the_end_is_an_error_not_a_short_list(
    neon: ScriptedNeon, clock: FakeClock, page: dict[str, Any], message: str
) -> None:
    """Stopping early would pass the first page off as the whole fleet."""
    ids = [f"tenant-{n:04d}" for n in range(400)]
    full: dict[str, Any] = {
        "projects": [list_item(project_id) for project_id in ids],
        "applications": {},
        "integrations": {},
    }
    first = ok({**full, "pagination": {"cursor": "tenant-0399"}})
    neon.on("GET", "/projects", first, ok({**full, **page}))
    async with make_client(neon.transport(), clock) as client:
        with pytest.raises(InvalidResponseError) as caught:
            await client.list_projects()
    assert str(caught.value) == f"GET /projects: {message}"
    assert len(neon.requests) == 2


def consumption_pages() -> Any:
    """GET /consumption_history/projects: one history per asked id, paged at `limit`."""

    def answer(request: httpx.Request) -> httpx.Response:
        ids = request.url.params.get_list("project_ids")
        limit = int(request.url.params["limit"])
        cursor = request.url.params.get("cursor")
        start = ids.index(cursor) + 1 if cursor else 0
        page = ids[start : start + limit]
        body: dict[str, Any] = {"projects": [{"project_id": pid, "periods": []} for pid in page]}
        if page:
            body["pagination"] = {"cursor": page[-1]}
        return ok(body)

    return answer


async def test_consumption_history_batches_100_ids_and_uses_its_own_bucket(
    neon: ScriptedNeon, clock: FakeClock
) -> None:
    ids = [f"tenant-{n:04d}" for n in range(250)]
    neon.on("GET", "/consumption_history/projects", consumption_pages())
    async with make_client(neon.transport(), clock) as client:
        history = await client.consumption_history(
            ids + ids[:3], since=SINCE, until=UNTIL, granularity="daily"
        )
    assert [h.project_id for h in history] == ids
    sent = neon.requests
    # every asked project answered on one page: no second page per batch
    assert [len(r.url.params.get_list("project_ids")) for r in sent] == [100, 100, 50]
    assert {r.url.params["limit"] for r in sent} == {"100"}
    assert sent[0].url.params["from"] == "2026-11-01T00:00:00Z"
    # 50/min with no burst: 1.2 s between consumption calls
    assert clock.sleeps == pytest.approx([1.2, 1.2])


async def test_consumption_403_is_a_fallback_signal(neon: ScriptedNeon, clock: FakeClock) -> None:
    neon.on("GET", "/consumption_history/projects", error(403, "not available on this plan"))
    async with make_client(neon.transport(), clock) as client:
        with pytest.raises(ConsumptionUnavailableError) as caught:
            await client.consumption_history(
                ["tenant-a"], since=SINCE, until=UNTIL, granularity="hourly"
            )
    assert caught.value.status == 403
    assert len(neon.requests) == 1


async def test_consumption_of_no_projects_sends_nothing(
    neon: ScriptedNeon, clock: FakeClock
) -> None:
    async with make_client(neon.transport(), clock) as client:
        assert (
            await client.consumption_history([], since=SINCE, until=UNTIL, granularity="daily")
            == []
        )
    assert neon.requests == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"since": datetime(2026, 11, 1)}, "since must be timezone-aware"),
        ({"until": SINCE}, "must be before until"),
        ({"granularity": "weekly"}, "granularity must be one of"),
        ({"metrics": ["cpu_seconds"]}, "unknown metrics ['cpu_seconds']"),
        ({"project_ids": ["Not An Id"]}, "not Neon project ids"),
    ],
)
async def test_bad_consumption_queries_are_refused_before_sending(
    neon: ScriptedNeon, clock: FakeClock, kwargs: dict[str, Any], message: str
) -> None:
    query: dict[str, Any] = {
        "project_ids": ["tenant-a"],
        "since": SINCE,
        "until": UNTIL,
        "granularity": "daily",
        **kwargs,
    }
    async with make_client(neon.transport(), clock) as client:
        with pytest.raises(NeonUsageError, match=message.replace("[", r"\[").replace("]", r"\]")):
            await client.consumption_history(**query)
    assert neon.requests == []
