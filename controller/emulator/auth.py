"""Bearer keys: who may call the Neon API and who may call the control API.

Why this exists: both APIs take the key the way Neon does (`Authorization: Bearer <key>`) and
answer 401 in Neon's error shape, so the check lives once. The Neon API wants `api_key` (any
non-empty key when that is None); the control API wants `control_key`, else `api_key`, and is
open only when the emulator has no key at all (localhost or in-process, see docs/emulator.md).
Keys are compared in constant time and never logged.
"""

from __future__ import annotations

import hmac

from starlette.datastructures import Headers

from controller.emulator import errors
from controller.emulator.errors import ApiError


def presented_key(headers: Headers) -> str:
    """The bearer key of a request; 401 when there is none."""
    scheme, _, key = headers.get("authorization", "").partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        raise ApiError(401, errors.MISSING_KEY_MESSAGE)
    return key


def authenticate(headers: Headers, expected: str | None) -> str:
    """The request's key if it is `expected` (any key when None); 401 otherwise."""
    key = presented_key(headers)
    if expected is not None and not hmac.compare_digest(key.encode(), expected.encode()):
        raise ApiError(401, errors.INVALID_KEY_MESSAGE)
    return key
