"""Request bodies, bounded: at most `max_body_bytes`, and JSON that no decoder chokes on.

Why this exists: a client must not be able to make the emulator hold an unbounded body (a 500 MB
body once took 1.5 GB) or crash a handler with JSON it cannot decode (deep nesting raised
RecursionError, a 5,000-digit number ValueError: both were 500s with a traceback). Every body the
Neon API and the control API read comes through `read_body`: a declared `Content-Length` over the
limit is refused before a byte of the body is read, a chunked body as soon as it passes the
limit (413, the connection then closes), and JSON nested deeper than `MAX_JSON_DEPTH` or holding a
number Python will not convert gets 400, all in Neon's error shape. Whether a body is valid JSON
at all stays the handlers' call, in their own words.
"""

from __future__ import annotations

import json
import re
import sys
from itertools import accumulate

from starlette.requests import Request

from controller.emulator.errors import ApiError, bad_request

# Neon's request bodies nest at most five levels (project.settings.quota...).
MAX_JSON_DEPTH = 32
TOO_LARGE = 413
_DECODE = "invalid request: decode application/json:"
# A JSON string, or an unterminated one up to the end: linear, whatever the input.
_STRING = re.compile(rb'"(?:[^"\\]++|\\.?)*+(?:"|\Z)', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = [0] * 256
for _open in b"[{":
    _STEP[_open] = 1
for _close in b"]}":
    _STEP[_close] = -1


def too_large(max_bytes: int, declared: int | None = None) -> ApiError:
    size = "" if declared is None else f"{declared} bytes; "
    return ApiError(TOO_LARGE, f"request body too large: {size}the limit is {max_bytes} bytes")


def error_headers(status: int) -> dict[str, str]:
    """Headers an error response needs: a refused body may still be on its way, so close."""
    return {"Connection": "close"} if status == TOO_LARGE else {}


def nesting_depth(body: bytes) -> int:
    """How deep brackets nest outside JSON strings (0 for none), in linear time."""
    brackets = _STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def check_json(body: bytes) -> None:
    """400 for a body too deep to decode safely, or with a number too long to convert."""
    could_be_deep = body.count(b"[") + body.count(b"{") > MAX_JSON_DEPTH  # cheap, most bodies
    if could_be_deep and nesting_depth(body) > MAX_JSON_DEPTH:
        raise bad_request(f"{_DECODE} nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return  # not JSON: the handler reports it
    except ValueError:  # the only other: an integer past Python's conversion limit
        digits = sys.get_int_max_str_digits()
        raise bad_request(f"{_DECODE} a number has more than {digits} digits") from None


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The whole body, at most `max_bytes` (413 beyond), checked by `check_json` if not blank.

    Raises starlette's ClientDisconnect if the client goes away (or is cut off) meanwhile.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_large(max_bytes, int(declared))
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise too_large(max_bytes)
        chunks.append(chunk)
    body = b"".join(chunks)
    if body.strip():
        check_json(body)
    return body
