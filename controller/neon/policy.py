"""Which failures are retried, and which mean "Neon may have acted": the retry policy as data.

- Reads (GET) are idempotent: every temporary failure is retried (423, 429, 503, gateway and
  server errors, transport errors), with backoff and jitter, honouring Retry-After.
- Mutations (POST, PATCH, DELETE) are retried only where Neon provably did not act: 423, 429,
  503 (Neon's contract says these are safe to retry), and a connection that never opened.
- A mutation that reached the wire but got no usable answer (read timeout, dropped connection,
  500/502/504/524) has an unknown outcome: it is never re-sent; the caller must observe first.
- Permanent failures (4xx) are never retried.
"""

from __future__ import annotations

from enum import Enum

from controller.neon.errors import (
    LockedError,
    NeonAPIError,
    NeonTemporaryError,
    NeonTransportError,
    RateLimitedError,
    ServiceUnavailableError,
)

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_NEON_DID_NOT_ACT = (LockedError, RateLimitedError, ServiceUnavailableError)


class Verdict(Enum):
    RETRY = "retry"  # send again after a backoff
    FAIL = "fail"  # raise the error as it is
    OUTCOME_UNKNOWN = "outcome_unknown"  # a mutation may have been applied: raise, never re-send


def verdict(method: str, error: NeonAPIError) -> Verdict:
    """What to do after one attempt of `method` failed with `error`."""
    if not isinstance(error, NeonTemporaryError):
        return Verdict.FAIL
    if method.upper() in READ_METHODS:
        return Verdict.RETRY
    if isinstance(error, _NEON_DID_NOT_ACT):
        return Verdict.RETRY
    if isinstance(error, NeonTransportError) and not error.request_sent:
        return Verdict.RETRY
    return Verdict.OUTCOME_UNKNOWN
