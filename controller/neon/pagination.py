"""Following Neon's cursors to the end of a list, and refusing to stop short of it.

Neon's project, operation and consumption lists return `pagination.cursor` = the key of the last
item, even on a short last page; the branch list returns an opaque `pagination.next`. A list ends
when a page is shorter than the limit asked for, or has no cursor where the contract lets the
cursor be absent. A cursor that repeats the previous one, or a full page without the cursor the
contract requires, is InvalidResponseError: following it would loop forever, and stopping there
would pass a partial list off as the whole one (a fleet whose later projects look missing).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from controller.neon.errors import InvalidResponseError

T = TypeVar("T")

Page = tuple[list[T], str | None]


class BrokenPagination(ValueError):
    """The cursors of a list cannot lead to its end."""


def next_cursor(
    cursor: str | None,
    count: int,
    limit: int,
    previous: str | None,
    *,
    cursor_required: bool = False,
) -> str | None:
    """The cursor to fetch the next page with, or None when the list is complete."""
    if count < limit:
        return None
    if not cursor:
        if cursor_required:
            raise BrokenPagination(f"a full page of {limit} came back without a cursor")
        return None
    if cursor == previous:
        raise BrokenPagination(f"the cursor {cursor!r} came back twice")
    return cursor


async def collect_pages(
    fetch: Callable[[str | None], Awaitable[Page[T]]],
    limit: int,
    *,
    path: str,
    cursor_required: bool = False,
) -> list[T]:
    """Every item of the list at `path` (GET); `fetch(cursor)` returns (items, next cursor)."""
    items: list[T] = []
    cursor: str | None = None
    while True:
        page, returned = await fetch(cursor)
        items.extend(page)
        try:
            cursor = next_cursor(
                returned, len(page), limit, cursor, cursor_required=cursor_required
            )
        except BrokenPagination as problem:
            raise InvalidResponseError(
                f"{problem}: the rest of the list cannot be read", method="GET", path=path
            ) from None
        if cursor is None:
            return items
