"""Every error the Neon client raises, in one tree, so callers decide by kind, not by string.

    NeonError                          base of everything below; never raised itself
    ├── NeonConfigError                bad settings or environment, found before any request
    ├── NeonUsageError                 a call the client refuses before sending (bad id, naive time)
    ├── CommandDeadlineError           a whole command overran `command_deadline_seconds`
    ├── NeonOperationError             an operation Neon scheduled for a mutation did not succeed
    │   ├── OperationFailedError         status `failed`, `error` or `cancelled`
    │   └── OperationDeadlineError       still not terminal when the deadline passed
    └── NeonAPIError                   an HTTP call ended badly
        ├── OutcomeUnknownError          a mutation was sent and Neon may or may not have acted:
        │   │                            its response was lost (`response_lost`), or Neon answered
        │   │                            500/502/504/524 or an unreadable 2xx. Never re-sent.
        │   └── CreateOutcomeUnknownError  POST /projects: look the project up by name first
        ├── NeonTemporaryError           retrying later may succeed (reads are retried for you)
        │   ├── LockedError                423: conflicting operations still run on the project
        │   ├── RateLimitedError           429: over Neon's request budget
        │   ├── ServiceUnavailableError    503: always safe to retry
        │   ├── GatewayError               502, 504, 524: a proxy gave up on Neon
        │   ├── ServerError                500 and any other 5xx
        │   ├── IncompleteListError        200, but Neon named projects it could not list
        │   └── NeonTransportError         no HTTP response at all: connect failure, timeout, drop
        │       └── RequestDeadlineError     the exchange, body included, overran its deadline
        └── NeonPermanentError           the same request will fail the same way
            ├── BadRequestError            400
            ├── UnauthorizedError          401: missing or invalid API key
            ├── ForbiddenError             403
            ├── NotFoundError              404
            ├── ConsumptionUnavailableError  403 or 404 (`status`) from consumption history: the
            │                              account's plan lacks this API, or the org is not its
            ├── NotAcceptableError         406: e.g. a consumption range outside its granularity
            ├── PreconditionFailedError    412
            ├── UnprocessableEntityError   422
            ├── UnexpectedStatusError      any other status
            └── InvalidResponseError       a 2xx whose body does not match the contract
                ├── ResponseTooLargeError    a body over `max_response_bytes`
                └── EndlessListError         paging that does not progress: a cursor seen before,
                                             or more items than `max_list_items`

Every error carries `method`, `path`, `status`, `neon_message` (Neon's own `message`), `code` and
`request_id` (the `X-Request-ID` the client sent, or the one Neon echoed). The text of every error
is scrubbed with `controller.logs.redact_text` at construction, and bodies are reduced to Neon's
`message` before they reach an error: an error never holds an API key, a password or a
connection string.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from controller.logs import UPSTREAM_TEXT_MAX_CHARS, clip_text, redact_text, shown_upstream

_SNIPPET_CHARS = 200
_MAX_REQUEST_ID = 128


class NeonError(Exception):
    """Base of every error the Neon client raises."""

    def __init__(
        self,
        summary: str,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        neon_message: str = "",
        code: str = "",
        request_id: str | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.neon_message = redact_text(neon_message)
        self.code = code
        self.request_id = request_id
        super().__init__(redact_text(summary))

    def __str__(self) -> str:
        where = f"{self.method} {self.path}" if self.method and self.path else ""
        status = f" -> {self.status}" if self.status is not None else ""
        request = f" [request_id={self.request_id}]" if self.request_id else ""
        head = f"{where}{status}: " if where or status else ""
        return redact_text(f"{head}{self.args[0]}{request}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class NeonConfigError(NeonError):
    """Settings or environment are unusable; nothing was sent."""


class NeonUsageError(NeonError):
    """The caller passed something the client refuses before sending anything."""


class CommandDeadlineError(NeonError):
    """A whole command ran past `command_deadline_seconds`; what it was doing was abandoned."""


class NeonOperationError(NeonError):
    """An operation Neon scheduled for a mutation did not reach success."""

    def __init__(
        self,
        summary: str,
        *,
        project_id: str,
        operation_id: str,
        action: str,
        operation_status: str,
        **context: Any,
    ) -> None:
        self.project_id = project_id
        self.operation_id = operation_id
        self.action = action
        self.operation_status = operation_status
        super().__init__(summary, **context)


class OperationFailedError(NeonOperationError):
    """The operation ended `failed`, `error` or `cancelled`."""


class OperationDeadlineError(NeonOperationError):
    """The operation was still running when the wait deadline passed (it may yet finish)."""


class NeonAPIError(NeonError):
    """An HTTP call to Neon ended badly."""


class OutcomeUnknownError(NeonAPIError):
    """A mutation reached Neon and may or may not have been applied; it is never re-sent.

    `response_lost` is True when no HTTP response arrived (timeout, dropped connection, deadline);
    False when Neon answered (500, 502, 504, 524, or a 2xx whose body could not be read), in
    which case `status`, `neon_message` and `request_id` hold what Neon said.
    """

    def __init__(self, summary: str, *, response_lost: bool, **context: Any) -> None:
        self.response_lost = response_lost
        super().__init__(summary, **context)


class CreateOutcomeUnknownError(OutcomeUnknownError):
    """POST /projects whose outcome is unknown: look the project up by name before retrying."""

    def __init__(self, summary: str, *, project_name: str | None, **context: Any) -> None:
        self.project_name = project_name
        super().__init__(summary, **context)


class NeonTemporaryError(NeonAPIError):
    """Retrying later may succeed. `retry_after` holds Neon's Retry-After hint, if it gave one."""

    retry_after: float | None = None


class LockedError(NeonTemporaryError):
    """423: conflicting operations still run on the project; Neon did not act."""


class RateLimitedError(NeonTemporaryError):
    """429: over Neon's request budget; Neon did not act."""


class ServiceUnavailableError(NeonTemporaryError):
    """503: Neon did not act; always safe to retry."""


class GatewayError(NeonTemporaryError):
    """502, 504, 524: a proxy in front of Neon gave up; Neon may have acted."""


class ServerError(NeonTemporaryError):
    """500 and any other 5xx: Neon failed; it may have acted."""


class IncompleteListError(NeonTemporaryError):
    """Neon answered a list with `unavailable_project_ids`: the list is partial, do not trust it."""


class NeonTransportError(NeonTemporaryError):
    """No HTTP response. `request_sent` is False only when the request provably never left."""

    def __init__(self, summary: str, *, request_sent: bool, **context: Any) -> None:
        self.request_sent = request_sent
        super().__init__(summary, **context)


class RequestDeadlineError(NeonTransportError):
    """The exchange, response body included, overran `request_deadline_seconds` (a body that
    trickles in evades httpx's per-read timeouts, never this deadline)."""


class NeonPermanentError(NeonAPIError):
    """The same request will fail the same way; fix the request, the key or the plan."""


class BadRequestError(NeonPermanentError):
    """400: Neon rejected the request body or parameters."""


class UnauthorizedError(NeonPermanentError):
    """401: the API key is missing, revoked or invalid."""


class ForbiddenError(NeonPermanentError):
    """403: the key or the plan does not allow this."""


class ConsumptionUnavailableError(NeonPermanentError):
    """403 or 404 from a consumption-history route: this account cannot read it.

    `status` tells which: 403, the account's plan lacks this API (e.g. v2 on a legacy plan, or
    legacy history on a usage-based plan); 404, the account is not a member of the org asked for
    (or, on the v2 route, the API does not exist for it). Fall back to another source.
    """


class NotFoundError(NeonPermanentError):
    """404: no such project, endpoint or operation (or not visible to this key)."""


class NotAcceptableError(NeonPermanentError):
    """406: e.g. a consumption range outside what its granularity allows."""


class PreconditionFailedError(NeonPermanentError):
    """412: a precondition of the call does not hold."""


class UnprocessableEntityError(NeonPermanentError):
    """422: well-formed but not processable now or ever (e.g. a branch not ready)."""


class UnexpectedStatusError(NeonPermanentError):
    """A status the contract does not describe for this call."""


class InvalidResponseError(NeonPermanentError):
    """A 2xx whose body does not match the contract (not JSON, or missing required fields)."""


class ResponseTooLargeError(InvalidResponseError):
    """A response body over `max_response_bytes`; reading stopped there, nothing was parsed."""


class EndlessListError(InvalidResponseError):
    """A list whose paging does not progress: a cursor came back that was seen before, or it
    grew past `max_list_items`. Neither a partial list nor an endless read is passed off."""


def neon_answer(error: NeonError) -> str:
    """`Neon answered 500 Internal Server Error: <Neon's message>` for an error with a status."""
    reason = httpx.codes.get_reason_phrase(error.status) if error.status else ""
    answer = f"Neon answered {error.status} {reason}".rstrip()
    return f"{answer}: {error.neon_message}" if error.neon_message else answer


_ERROR_BY_STATUS: dict[int, type[NeonAPIError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    406: NotAcceptableError,
    412: PreconditionFailedError,
    422: UnprocessableEntityError,
    423: LockedError,
    429: RateLimitedError,
    500: ServerError,
    502: GatewayError,
    503: ServiceUnavailableError,
    504: GatewayError,
    524: GatewayError,
}


def error_class_for_status(status: int, *, consumption: bool = False) -> type[NeonAPIError]:
    """The error class for a non-2xx HTTP status (consumption routes: 403/404 mean unavailable)."""
    if consumption and status in (403, 404):
        return ConsumptionUnavailableError
    if status in _ERROR_BY_STATUS:
        return _ERROR_BY_STATUS[status]
    return ServerError if status >= 500 else UnexpectedStatusError


def error_from_response(
    method: str,
    path: str,
    response: httpx.Response,
    *,
    sent_request_id: str | None,
    consumption: bool = False,
    retry_after: float | None = None,
    content: bytes | None = None,
    text_limit: int = UPSTREAM_TEXT_MAX_CHARS,
) -> NeonAPIError:
    """Build the error for a non-2xx response from Neon's `GeneralError` body, scrubbed and cut
    at `text_limit` characters. `content` is the body as read (default: `response.content`)."""
    body = response.content if content is None else content
    neon_message, code, echoed_id = _general_error_fields(body, text_limit)
    error_class = error_class_for_status(response.status_code, consumption=consumption)
    reason = response.reason_phrase or "HTTP error"
    error = error_class(
        f"{reason}: {neon_message}" if neon_message else reason,
        method=method,
        path=path,
        status=response.status_code,
        neon_message=neon_message,
        code=code,
        request_id=echoed_id or sent_request_id,
    )
    if isinstance(error, NeonTemporaryError):
        error.retry_after = retry_after
    return error


def _general_error_fields(content: bytes, text_limit: int) -> tuple[str, str, str | None]:
    """(message, code, request_id) of a GeneralError body; a scrubbed snippet of a non-JSON one."""
    try:
        body = json.loads(content) if content else None
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        code = body.get("code")
        request_id = body.get("request_id")
        return (
            shown_upstream(body["message"], text_limit),
            clip_text(code, _SNIPPET_CHARS) if isinstance(code, str) else "",
            _request_id(request_id),
        )
    if body is not None:
        return "", "", None  # JSON, but not an error body: withheld, it may hold anything
    snippet = content[:_SNIPPET_CHARS].decode("utf-8", errors="replace").strip()
    return redact_text(snippet), "", None  # e.g. a gateway's HTML page


def _request_id(value: object) -> str | None:
    """Neon's echoed request id, if it looks like one (it is printed in every error)."""
    if isinstance(value, str) and 0 < len(value) <= _MAX_REQUEST_ID and value.isprintable():
        return value
    return None
