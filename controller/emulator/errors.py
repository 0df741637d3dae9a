"""Neon's error responses: `{"code": "", "message": ...}` with the status a real call would get.

Why this exists: every handler reports a refusal by raising `ApiError`; one place turns it into
Neon's GeneralError body, so status codes and messages stay consistent. Messages observed from
the real API are kept verbatim here; the others are plausible wordings (see docs/emulator.md).
"""

from __future__ import annotations

# Observed verbatim (neondatabase/neon test_runner, third-party reports).
LOCKED_MESSAGE = (
    "project already has running conflicting operations, scheduling of new ones is prohibited"
)
# Observed verbatim in the recordings (POST /projects with `{}`).
DECODE_PREFIX = "invalid request: decode application/json: invalid:"

RATE_LIMITED_MESSAGE = "rate limit exceeded"
UNAVAILABLE_MESSAGE = "service temporarily unavailable"
MISSING_KEY_MESSAGE = "authentication required: pass your API key as 'Authorization: Bearer <key>'"
INVALID_KEY_MESSAGE = "authentication failed: invalid API key"


class ApiError(Exception):
    """A refusal the API reports to the client as Neon's GeneralError."""

    def __init__(self, status: int, message: str, code: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def not_found(kind: str, identifier: str | int) -> ApiError:
    return ApiError(404, f"{kind} {identifier} not found")


def locked() -> ApiError:
    return ApiError(423, LOCKED_MESSAGE)
