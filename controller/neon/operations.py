"""Confirming that the operations a mutation scheduled have finished, with as few reads as Neon
allows: wait the expected duration, then read the project's operations list once.

Neon answers a mutation at once and does the work in `operations[]`. The next mutation on the
project gets 423 until they finish, and the resource is not ready before. So every mutating call
waits here before it returns (and before it releases its project's lock).

How: first wait `operation_expected_seconds` (how long Neon's operations usually take), then read
`GET /projects/{id}/operations` (newest first, `operation_list_limit` a page) and find every
awaited operation in it: one read confirms them all. While some are not terminal, wait again
with backoff and jitter (`operation_poll_*`) and read again, until `operation_timeout_seconds`.
If the newest page does not reach back to an awaited operation (many newer ones), the next pages
are read while they still can hold it (the cursor is a creation timestamp); one that no page
shows is read by id (`GET .../operations/{id}`).

- `finished` and `skipped` are success.
- `failed`, `error` and `cancelled` raise OperationFailedError at once, naming the operation, its
  action and its project (Neon's older docs say a `failed` operation may still be retried; the
  caller's next reconcile observes the result either way, so failing fast never hangs a run).
- Any other status, including ones Neon adds later, counts as still running.
- When the deadline passes, OperationDeadlineError names the operation still running.

Log event: `neon_operation_wait` (info): project_id, operation_id (the first still running),
action, status, pending (how many), delay_seconds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import TypeVar

from controller.logs import get_logger, shown_upstream
from controller.neon.backoff import Backoff
from controller.neon.errors import (
    NeonOperationError,
    OperationDeadlineError,
    OperationFailedError,
)
from controller.neon.models import Operation
from controller.neon.settings import NeonSettings

FetchOperation = Callable[[str, str], Awaitable[Operation]]
# (project_id, limit, cursor) -> (operations newest first, cursor of the next page)
ListOperations = Callable[[str, int, str | None], Awaitable[tuple[list[Operation], str | None]]]


@dataclass(frozen=True)
class Origin:
    """The mutation that scheduled the operations, named in errors about them."""

    method: str
    path: str
    request_id: str | None = None


class OperationWaiter:
    """Waits until operations are terminal, reading each project's operations list per round."""

    def __init__(
        self,
        fetch: FetchOperation,
        list_page: ListOperations,
        settings: NeonSettings,
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
        draw: Callable[[], float],
    ) -> None:
        self._fetch = fetch
        self._list_page = list_page
        self._settings = settings
        self._backoff = Backoff(
            initial=settings.operation_poll_initial_seconds,
            multiplier=settings.operation_poll_multiplier,
            maximum=settings.operation_poll_max_seconds,
            jitter=settings.backoff_jitter,
        )
        self._clock = clock
        self._sleep = sleep
        self._draw = draw
        self._log = get_logger("neon")

    async def wait(
        self, operations: Sequence[Operation], *, origin: Origin | None = None
    ) -> list[Operation]:
        """Each operation in its final successful state, in the order given; raises otherwise."""
        timeout = self._settings.operation_timeout_seconds
        deadline = self._clock() + timeout
        latest = {operation.id: operation for operation in operations}
        round_number = 0
        while pending := self._pending(latest, origin):
            remaining = deadline - self._clock()
            if remaining <= 0:
                outcome = _still(pending[0], timeout)
                raise self._error(OperationDeadlineError, outcome, pending[0], origin)
            delay = min(self._delay(round_number), remaining)
            self._log_wait(pending, delay)
            await self._sleep(delay)
            latest.update(await self._observe(pending))
            round_number += 1
        return [latest[operation.id] for operation in operations]

    def _pending(self, latest: dict[str, Operation], origin: Origin | None) -> list[Operation]:
        """The operations not yet terminal; raises at the first that failed."""
        for operation in latest.values():
            if operation.failed:
                reason = f": {operation.error}" if operation.error else ""
                outcome = f"ended {operation.status}{reason}"
                raise self._error(OperationFailedError, outcome, operation, origin)
        return [operation for operation in latest.values() if not operation.succeeded]

    def _delay(self, round_number: int) -> float:
        if round_number == 0:
            return self._settings.operation_expected_seconds
        return self._backoff.delay(round_number - 1, self._draw)

    async def _observe(self, pending: list[Operation]) -> dict[str, Operation]:
        """The current state of every pending operation, by id (one list read in the usual case)."""
        found: dict[str, Operation] = {}
        for project_id in dict.fromkeys(operation.project_id for operation in pending):
            wanted = [operation for operation in pending if operation.project_id == project_id]
            found.update(await self._observe_project(project_id, wanted))
        return found

    async def _observe_project(
        self, project_id: str, wanted: list[Operation]
    ) -> dict[str, Operation]:
        missing = {operation.id: operation for operation in wanted}
        found: dict[str, Operation] = {}
        limit = self._settings.operation_list_limit
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            page, cursor = await self._list_page(project_id, limit, cursor)
            for operation in page:
                if operation.id in missing:
                    found[operation.id] = operation
                    del missing[operation.id]
            if not missing or not cursor or not _may_hold_older(page, limit, missing.values()):
                break
            if cursor in seen:  # paging that does not progress: ask by id instead
                break
            seen.add(cursor)
        for operation in missing.values():  # not listed (pruned or paged past): read it by id
            found[operation.id] = await self._fetch(project_id, operation.id)
        return found

    def _log_wait(self, pending: list[Operation], delay: float) -> None:
        first = pending[0]
        self._log.info(
            "neon_operation_wait",
            project_id=first.project_id,
            operation_id=first.id,
            action=first.action,
            status=first.status,
            pending=len(pending),
            delay_seconds=round(delay, 3),
        )

    def _error(
        self, kind: type[_E], outcome: str, operation: Operation, origin: Origin | None
    ) -> _E:
        """An error naming the operation, its action and project, and the mutation behind it."""
        context = {} if origin is None else asdict(origin)
        limit = self._settings.upstream_text_max_chars
        return kind(
            shown_upstream(
                f"operation {operation.id} ({operation.action}) on project "
                f"{operation.project_id} {outcome}",
                limit,
            ),
            project_id=operation.project_id,
            operation_id=operation.id,
            action=operation.action,
            operation_status=operation.status,
            neon_message=shown_upstream(operation.error or "", limit),
            **context,
        )


_E = TypeVar("_E", bound=NeonOperationError)


def _may_hold_older(page: list[Operation], limit: int, missing: Iterable[Operation]) -> bool:
    """Whether the next page (older operations) can still hold one of `missing`."""
    if len(page) < limit:
        return False
    oldest_listed = page[-1].created_at
    wanted = [operation.created_at for operation in missing]
    if oldest_listed is None:
        return False
    known = [created for created in wanted if created is not None]
    return len(known) == len(wanted) and min(known) <= oldest_listed


def _still(operation: Operation, timeout: float) -> str:
    return f"still {operation.status} after {timeout:g}s; it may yet finish: observe before acting"
