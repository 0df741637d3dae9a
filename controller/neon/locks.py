"""At most one mutation in flight per project, across every task that shares a client.

Neon answers 423 to a mutation while earlier operations on the project still run. Holding the
project's lock from sending a mutation until its operations finish means this client never races
itself into a 423 (Neon's own background work can still cause one; the retry policy covers that).
Locks exist only while someone holds or awaits them, so a fleet of thousands leaves no residue.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class ProjectLocks:
    """One asyncio lock per project id, created on demand and dropped when unused."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    @asynccontextmanager
    async def hold(self, project_id: str) -> AsyncIterator[None]:
        """Hold the project's lock for the body of the `async with`."""
        lock = self._locks.setdefault(project_id, asyncio.Lock())
        self._users[project_id] = self._users.get(project_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[project_id] -= 1
            if self._users[project_id] == 0:
                del self._users[project_id]
                del self._locks[project_id]

    def active(self) -> frozenset[str]:
        """Projects whose lock is held or awaited right now."""
        return frozenset(self._locks)
