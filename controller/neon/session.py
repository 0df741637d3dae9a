"""One logical API call to Neon: rate limit, request id, send, map errors, retry per policy.

This is the only place that touches httpx. Each attempt waits for its slot from the rate limiter
(or none: `pace=False`), carries a fresh `X-Request-ID`, and ends as a Reply (2xx) or a
NeonAPIError from the tree in controller.neon.errors. Every exchange is bounded: at most
`max_connections` in flight, the body read streamed up to `max_response_bytes`, and the whole
exchange, body included, within `request_deadline_seconds`. The retry policy
(controller.neon.policy) then decides: retry after a jittered exponential backoff (or Neon's
Retry-After), fail, or, for a mutation whose outcome is unknown, raise OutcomeUnknownError
without ever re-sending it.

Log events (structlog, fixed names, secrets scrubbed by controller.logs):
- `neon_request` (debug): one per attempt: method, route, path, status, request_id, attempt,
  elapsed_ms.
- `neon_throttled` (debug): the limiter delayed a request: route, wait_seconds.
- `neon_rate_limited` (warning): Neon answered 429: route, retry_after, speed_factor.
- `neon_retry` (warning): a failed attempt will be retried: route, path, error, status,
  attempt, delay_seconds.
- `neon_request_failed`: the call failed for good: route, path, error, status, request_id,
  attempts. Info for a permanent error (the caller may expect it, e.g. a 404), warning when
  temporary failures used up the attempt budget.
- `neon_outcome_unknown` (error): a mutation may or may not have been applied: route, path,
  error, status, response_lost.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from controller.logs import get_logger
from controller.neon.backoff import Backoff, parse_retry_after
from controller.neon.errors import (
    BadRequestError,
    InvalidResponseError,
    NeonAPIError,
    NeonTransportError,
    OutcomeUnknownError,
    RequestDeadlineError,
    ResponseTooLargeError,
    error_from_response,
    neon_answer,
)
from controller.neon.policy import Verdict, verdict
from controller.neon.ratelimit import Pacer
from controller.neon.routes import Route
from controller.neon.settings import ENV_ORG_ID, NeonSettings

REQUEST_ID_HEADER = "X-Request-ID"
QueryParams = Sequence[tuple[str, str]]
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
Draw = Callable[[], float]
M = TypeVar("M", bound=BaseModel)
Check = Callable[["Reply"], None]

# Failures where the request provably never left this process.
_NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
    httpx.LocalProtocolError,
)
_MAX_VALIDATION_DETAILS = 3
# Neon answers 400 "org_id is required..." when a personal key does not name its organization.
_ORG_ID_HINT = f"a personal API key must name its organization: set {ENV_ORG_ID}"


@dataclass(frozen=True)
class Reply:
    """A 2xx answer: its body and where it came from (for errors raised while parsing it).

    The body stays out of `repr`: a create's answer holds passwords and connection URIs.
    """

    method: str
    path: str
    status: int
    content: bytes = field(repr=False)
    request_id: str

    def parse(self, model: type[M]) -> M:
        """The body as `model`; a contract break becomes InvalidResponseError (no input echoed)."""
        try:
            return model.model_validate_json(self.content)
        except ValidationError as exc:
            details = "; ".join(
                f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
                for error in exc.errors(include_input=False, include_url=False)[
                    :_MAX_VALIDATION_DETAILS
                ]
            )
            raise InvalidResponseError(
                f"response is not a valid {model.__name__}: {details}",
                method=self.method,
                path=self.path,
                status=self.status,
                request_id=self.request_id,
            ) from None


class NeonSession:
    """Sends calls for one client; shares its rate limiter with every client of the same key."""

    def __init__(
        self,
        settings: NeonSettings,
        http: httpx.AsyncClient,
        limiter: Pacer,
        *,
        clock: Clock,
        sleep: Sleep,
        draw: Draw,
    ) -> None:
        self._settings = settings
        self._http = http
        self._limiter = limiter
        self._clock = clock
        self._sleep = sleep
        self._draw = draw
        self._backoff = Backoff(
            initial=settings.backoff_initial_seconds,
            multiplier=settings.backoff_multiplier,
            maximum=settings.backoff_max_seconds,
            jitter=settings.backoff_jitter,
        )
        self._log = get_logger("neon")
        # At most max_connections exchanges in flight: a request waits here, in O(1), rather
        # than in httpcore's pool queue, which is rescanned against every connection each time a
        # request starts or ends (the "pool scanned per request" CPU cost of issue 12).
        self._in_flight = asyncio.Semaphore(settings.max_connections)

    async def send(
        self,
        route: Route,
        path: str,
        *,
        params: QueryParams = (),
        body: dict[str, Any] | None = None,
        check: Check | None = None,
    ) -> Reply:
        """Send until success, a permanent failure, an unknown outcome or the attempt budget.

        `check` may refuse a 2xx by raising a NeonAPIError, which the retry policy then judges
        like any other (a read's NeonTemporaryError is asked again).
        """
        attempt = 1
        while True:
            try:
                reply = await self._attempt(route, path, params, body, attempt)
                if check is not None:
                    check(reply)
                return reply
            except NeonAPIError as error:
                decision = verdict(route.method, error)
                if decision is Verdict.OUTCOME_UNKNOWN:
                    raise self._outcome_unknown(route, path, error) from error
                if decision is Verdict.FAIL or attempt >= self._settings.max_attempts:
                    log = self._log.info if decision is Verdict.FAIL else self._log.warning
                    log(
                        "neon_request_failed",
                        route=route.name,
                        path=path,
                        error=type(error).__name__,
                        status=error.status,
                        request_id=error.request_id,
                        attempts=attempt,
                    )
                    raise
                await self._pause_before_retry(route, path, error, attempt)
                attempt += 1

    async def _pause_before_retry(
        self, route: Route, path: str, error: NeonAPIError, attempt: int
    ) -> None:
        delay = self._capped(getattr(error, "retry_after", None))
        if delay is None:
            delay = self._backoff.delay(attempt - 1, self._draw)
        self._log.warning(
            "neon_retry",
            route=route.name,
            path=path,
            error=type(error).__name__,
            status=error.status,
            attempt=attempt,
            delay_seconds=round(delay, 3),
        )
        await self._sleep(delay)

    async def _attempt(
        self,
        route: Route,
        path: str,
        params: QueryParams,
        body: dict[str, Any] | None,
        attempt: int,
    ) -> Reply:
        wait = self._limiter.reserve(route.name, consumption=route.consumption, now=self._clock())
        if wait > 0:
            self._log.debug("neon_throttled", route=route.name, wait_seconds=round(wait, 3))
            await self._sleep(wait)
        request_id = str(uuid.uuid4())
        request = self._http.build_request(
            route.method,
            path,
            params=list(params),
            json=body,
            headers={REQUEST_ID_HEADER: request_id},
        )
        started = self._clock()
        status, headers, content, complete = await self._exchange(route, path, request, request_id)
        self._log.debug(
            "neon_request",
            method=route.method,
            route=route.name,
            path=path,
            status=status,
            request_id=request_id,
            attempt=attempt,
            elapsed_ms=round((self._clock() - started) * 1000, 1),
        )
        if 200 <= status < 300:
            if not complete:
                raise self._too_large(route, path, status, request_id)
            return Reply(route.method, path, status, content, request_id)
        response = httpx.Response(status, headers=headers, content=content, request=request)
        raise self._status_error(route, path, response, request_id)

    async def _exchange(
        self, route: Route, path: str, request: httpx.Request, request_id: str
    ) -> tuple[int, httpx.Headers, bytes, bool]:
        """Send and read the body, within the request deadline and the size cap.

        Returns (status, headers, body, complete); `complete` is False when the body passed
        `max_response_bytes` and reading stopped there.
        """
        async with self._in_flight:  # waiting for a slot does not count against the deadline
            deadline = asyncio.timeout(self._settings.request_deadline_seconds)
            try:
                async with deadline:
                    response = await self._http.send(request, stream=True)
                    try:
                        content, complete = await read_capped(
                            response, self._settings.max_response_bytes
                        )
                    finally:
                        await response.aclose()
            except (httpx.RequestError, OSError) as exc:  # OSError: a transport's reset
                if deadline.expired():
                    raise self._deadline_error(route, path, request_id) from None
                raise _transport_error(route, path, exc, request_id) from exc
        return response.status_code, response.headers, content, complete

    def _deadline_error(self, route: Route, path: str, request_id: str) -> RequestDeadlineError:
        seconds = self._settings.request_deadline_seconds
        return RequestDeadlineError(
            f"no complete response from Neon within request_deadline_seconds ({seconds:g} s)",
            request_sent=True,
            method=route.method,
            path=path,
            request_id=request_id,
        )

    def _too_large(
        self, route: Route, path: str, status: int, request_id: str
    ) -> ResponseTooLargeError:
        cap = self._settings.max_response_bytes
        return ResponseTooLargeError(
            f"the response body is larger than max_response_bytes ({cap} bytes); not read further",
            method=route.method,
            path=path,
            status=status,
            request_id=request_id,
        )

    def _status_error(
        self, route: Route, path: str, response: httpx.Response, request_id: str
    ) -> NeonAPIError:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if response.status_code == 429:
            factor = self._limiter.penalize(
                route.name,
                consumption=route.consumption,
                now=self._clock(),
                retry_after=self._capped(retry_after),
            )
            self._log.warning(
                "neon_rate_limited",
                route=route.name,
                retry_after=retry_after,
                speed_factor=None if factor is None else round(factor, 3),
            )
        error = error_from_response(
            route.method,
            path,
            response,
            sent_request_id=request_id,
            consumption=route.consumption,
            retry_after=retry_after,
            text_limit=self._settings.upstream_text_max_chars,
        )
        if (
            isinstance(error, BadRequestError)
            and self._settings.org_id is None
            and "org_id" in error.neon_message
        ):
            error.args = (f"{error.args[0]} ({_ORG_ID_HINT})",)
        return error

    def _capped(self, retry_after: float | None) -> float | None:
        """Neon's Retry-After, capped by `retry_after_max_seconds` (None when it sent none)."""
        if retry_after is None:
            return None
        return min(retry_after, self._settings.retry_after_max_seconds)

    def _outcome_unknown(self, route: Route, path: str, error: NeonAPIError) -> OutcomeUnknownError:
        lost = isinstance(error, NeonTransportError)
        self._log.error(
            "neon_outcome_unknown",
            route=route.name,
            path=path,
            error=type(error).__name__,
            status=error.status,
            response_lost=lost,
        )
        what = f"sent, but the response was lost ({error.args[0]})" if lost else neon_answer(error)
        return OutcomeUnknownError(
            f"{what}; Neon may or may not have acted. Observe the resource before retrying:"
            " this request is not re-sent",
            response_lost=lost,
            method=route.method,
            path=path,
            status=error.status,
            neon_message=error.neon_message,
            code=error.code,
            request_id=error.request_id,
        )


def _transport_error(
    route: Route, path: str, exc: httpx.RequestError | OSError, request_id: str
) -> NeonTransportError:
    detail = str(exc) or "no detail"
    return NeonTransportError(
        f"no response from Neon ({type(exc).__name__}: {detail})",
        request_sent=not isinstance(exc, _NOT_SENT),
        method=route.method,
        path=path,
        request_id=request_id,
    )


async def read_capped(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """The body of a streamed response, up to `limit` bytes; (body, complete).

    A Content-Length over the limit is refused before reading; otherwise chunks (decoded, so a
    compressed body is counted as it expands) are read until the limit is passed.
    """
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        return b"", False
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            return b"".join(chunks), False
        chunks.append(chunk)
    return b"".join(chunks), True
