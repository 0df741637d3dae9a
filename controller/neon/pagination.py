"""Following Neon's cursors to the end of a list, without looping forever on a bad cursor.

Neon's project, operation and consumption lists return `pagination.cursor` = the key of the last
item, even on a short last page; the branch list returns an opaque `pagination.next`. A list ends
when a page is shorter than the limit asked for, has no cursor, or repeats the previous cursor.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

Page = tuple[list[T], str | None]


def next_cursor(cursor: str | None, count: int, limit: int, previous: str | None) -> str | None:
    """The cursor to fetch the next page with, or None when the list is complete."""
    if count < limit or not cursor or cursor == previous:
        return None
    return cursor


async def collect_pages(fetch: Callable[[str | None], Awaitable[Page[T]]], limit: int) -> list[T]:
    """Every item of a cursor-paginated list; `fetch(cursor)` returns (items, next cursor)."""
    items: list[T] = []
    cursor: str | None = None
    while True:
        page, returned = await fetch(cursor)
        items.extend(page)
        cursor = next_cursor(returned, len(page), limit, cursor)
        if cursor is None:
            return items
