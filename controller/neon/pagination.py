"""Following Neon's cursors to the end of a list, and refusing to stop short of it or run forever.

Neon's project, operation and consumption lists return `pagination.cursor` = the key of the last
item, even on a short last page; the branch list returns an opaque `pagination.next`. A list ends
when a page is shorter than the limit asked for, or has no cursor where the contract lets the
cursor be absent. A full page without the cursor the contract requires is InvalidResponseError:
stopping there would pass a partial list off as the whole one (a fleet whose later projects look
missing). Paging that does not progress is EndlessListError: a cursor seen before on this list
(a repeat or a cycle), or more items than `max_items` (more than any org holds: a list that
never ends would otherwise grow until memory runs out).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from controller.neon.errors import EndlessListError, InvalidResponseError

T = TypeVar("T")

Page = tuple[list[T], str | None]


class BrokenPagination(ValueError):
    """The cursors of a list cannot lead to its end."""


class EndlessPagination(BrokenPagination):
    """The cursors of a list lead nowhere new: following them would never end."""


def next_cursor(
    cursor: str | None,
    count: int,
    limit: int,
    seen: set[str],
    *,
    cursor_required: bool = False,
) -> str | None:
    """The cursor to fetch the next page with, or None when the list is complete.

    `seen` holds the cursors already followed on this list; the returned one is added to it.
    """
    if count < limit:
        return None
    if not cursor:
        if cursor_required:
            raise BrokenPagination(f"a full page of {limit} came back without a cursor")
        return None
    if cursor in seen:
        raise EndlessPagination(f"the cursor {cursor[:80]!r} came back again")
    seen.add(cursor)
    return cursor


async def collect_pages(
    fetch: Callable[[str | None], Awaitable[Page[T]]],
    limit: int,
    *,
    path: str,
    max_items: int,
    cursor_required: bool = False,
) -> list[T]:
    """Every item of the list at `path` (GET); `fetch(cursor)` returns (items, next cursor)."""
    items: list[T] = []
    cursor: str | None = None
    seen: set[str] = set()
    while True:
        page, returned = await fetch(cursor)
        items.extend(page)
        if len(items) > max_items:
            raise EndlessListError(
                f"the list is longer than max_list_items ({max_items}), more than any org holds:"
                " refused",
                method="GET",
                path=path,
            )
        try:
            cursor = next_cursor(returned, len(page), limit, seen, cursor_required=cursor_required)
        except EndlessPagination as problem:
            raise EndlessListError(
                f"{problem}: the list does not progress", method="GET", path=path
            ) from None
        except BrokenPagination as problem:
            raise InvalidResponseError(
                f"{problem}: the rest of the list cannot be read", method="GET", path=path
            ) from None
        if cursor is None:
            return items
