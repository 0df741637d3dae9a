"""Waiting for the operations a mutation scheduled: poll with backoff and jitter, under a deadline.

Neon answers a mutation at once and does the work in `operations[]`. The next mutation on the
project gets 423 until they finish, and the resource is not ready before. So every mutating call
waits here before it returns (and before it releases its project's lock).

- `finished` and `skipped` are success.
- `failed`, `error` and `cancelled` raise OperationFailedError at once, naming the operation, its
  action and its project (Neon's older docs say a `failed` operation may still be retried; the
  caller's next reconcile observes the result either way, so failing fast never hangs a run).
- Any other status, including ones Neon adds later, counts as still running.
- When the deadline passes, OperationDeadlineError names the operation still running.

Log event: `neon_operation_wait` (info): project_id, operation_id, action, status, delay_seconds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from typing import TypeVar

from controller.logs import get_logger
from controller.neon.backoff import Backoff
from controller.neon.errors import (
    NeonOperationError,
    OperationDeadlineError,
    OperationFailedError,
)
from controller.neon.models import Operation
from controller.neon.settings import NeonSettings

FetchOperation = Callable[[str, str], Awaitable[Operation]]


@dataclass(frozen=True)
class Origin:
    """The mutation that scheduled the operations, named in errors about them."""

    method: str
    path: str
    request_id: str | None = None


class OperationWaiter:
    """Polls operations until they are terminal, within `operation_timeout_seconds`."""

    def __init__(
        self,
        fetch: FetchOperation,
        settings: NeonSettings,
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
        draw: Callable[[], float],
    ) -> None:
        self._fetch = fetch
        self._timeout = settings.operation_timeout_seconds
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
        deadline = self._clock() + self._timeout
        return [await self._wait_one(operation, deadline, origin) for operation in operations]

    async def _wait_one(
        self, operation: Operation, deadline: float, origin: Origin | None
    ) -> Operation:
        current = operation
        poll = 0
        while True:
            if current.failed:
                raise _failed(current, origin)
            if current.succeeded:
                return current
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise _deadline(current, origin, self._timeout)
            delay = min(self._backoff.delay(poll, self._draw), remaining)
            self._log.info(
                "neon_operation_wait",
                project_id=current.project_id,
                operation_id=current.id,
                action=current.action,
                status=current.status,
                delay_seconds=round(delay, 3),
            )
            await self._sleep(delay)
            current = await self._fetch(current.project_id, current.id)
            poll += 1


def _failed(operation: Operation, origin: Origin | None) -> OperationFailedError:
    reason = f": {operation.error}" if operation.error else ""
    return _operation_error(
        OperationFailedError, f"ended {operation.status}{reason}", operation, origin
    )


def _deadline(
    operation: Operation, origin: Origin | None, timeout: float
) -> OperationDeadlineError:
    return _operation_error(
        OperationDeadlineError,
        f"still {operation.status} after {timeout:g}s; it may yet finish: observe before acting",
        operation,
        origin,
    )


_E = TypeVar("_E", bound=NeonOperationError)


def _operation_error(
    kind: type[_E], outcome: str, operation: Operation, origin: Origin | None
) -> _E:
    """An error naming the operation, its action and project, and the mutation behind it."""
    context = {} if origin is None else asdict(origin)
    return kind(
        f"operation {operation.id} ({operation.action}) on project {operation.project_id} "
        f"{outcome}",
        project_id=operation.project_id,
        operation_id=operation.id,
        action=operation.action,
        operation_status=operation.status,
        neon_message=operation.error or "",
        **context,
    )
