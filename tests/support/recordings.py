"""Real recorded Neon API traffic (VCR cassettes) as plain Python objects.

Why this exists: the contract says what Neon may send; the recordings in
`tests/fixtures/recordings/` show what it DID send (see PROVENANCE.md there). The emulator's
objects are compared against these real responses (`tests/support/shapes.py`) so its output has
the shape of the real thing, not just of the schema. This module parses the VCR.py cassettes
(YAML, `version: 1`) into `RecordedExchange` records and finds them by method and path template.

    for body in recorded_responses("GET", "/projects/{project_id}/endpoints"):
        assert_shape_covers(emulator_body, body)
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import yaml

RECORDINGS_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "recordings"
API_PREFIX = "/api/v2"
# Headers describing the recorded wire encoding, not the decoded body VCR stored.
_WIRE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


class CassetteError(ValueError):
    """A cassette file is not a VCR cassette we can read; the message says where and what."""


@dataclass(frozen=True)
class RecordedExchange:
    """One recorded request/response pair. Bodies are decoded JSON (None when empty).

    `path` is relative to `/api/v2` (e.g. `/projects/cold-bonus-61650555`); `query` keeps the
    recorded order as (name, value) pairs; `source` names the cassette and interaction
    (`test_project.yaml#3`). Bodies and headers stay out of the repr: recorded bodies hold
    (revoked) API keys and passwords that test output should not print.
    """

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    status: int
    request_body: Any = field(repr=False)
    response_body: Any = field(repr=False)
    request_headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    response_headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    source: str = ""

    def matches(self, method: str, path_template: str) -> bool:
        """True for `method` on a path fitting `path_template` (`{name}` = one segment)."""
        return self.method == method.upper() and bool(
            _template_regex(path_template).match(self.path)
        )

    def to_httpx(self, base_url: str = "https://console.neon.tech/api/v2") -> httpx.Request:
        """The recorded request, rebuilt (without credentials: they were filtered upstream)."""
        url = httpx.URL(base_url.rstrip("/") + self.path, params=self.query)
        content = None if self.request_body is None else json.dumps(self.request_body).encode()
        headers = [(k, v) for k, v in self.request_headers if k.lower() not in _WIRE_HEADERS]
        return httpx.Request(self.method, url, headers=headers, content=content)

    def response_to_httpx(self, request: httpx.Request) -> httpx.Response:
        """The recorded response as httpx would have delivered it (body already decoded)."""
        headers = [(k, v) for k, v in self.response_headers if k.lower() not in _WIRE_HEADERS]
        content = b"" if self.response_body is None else json.dumps(self.response_body).encode()
        return httpx.Response(self.status, headers=headers, content=content, request=request)


@functools.cache
def _template_regex(path_template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}/]+\})", path_template)
    pattern = "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
    return re.compile(f"^{pattern}$")


# --- parsing ------------------------------------------------------------------------------------


def _decode_json(raw: Any, where: str) -> Any:
    if raw is None:
        return None
    if isinstance(raw, Mapping):  # VCR stores response bodies as {"string": ...}
        raw = raw.get("string")
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8")
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise CassetteError(f"{where}: body is a {type(raw).__name__}, expected a string")
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        raise CassetteError(f"{where}: body is not JSON ({error})") from None


def _headers(raw: Any, where: str) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise CassetteError(f"{where}: headers must be a mapping")
    values = ((name, value) for name, values in raw.items() for value in values)
    return tuple((str(name), str(value)) for name, value in values)


def _api_path(uri: Any, where: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    if not isinstance(uri, str):
        raise CassetteError(f"{where}: request uri missing")
    url = urlsplit(uri)
    if not (url.path == API_PREFIX or url.path.startswith(API_PREFIX + "/")):
        raise CassetteError(f"{where}: {url.path!r} is not under {API_PREFIX}")
    return url.path[len(API_PREFIX) :], tuple(parse_qsl(url.query, keep_blank_values=True))


def parse_interaction(interaction: Any, where: str) -> RecordedExchange:
    """One VCR `interactions[]` entry; `where` prefixes every error message."""
    try:
        request, response = interaction["request"], interaction["response"]
        method, status = str(request["method"]).upper(), int(response["status"]["code"])
    except (KeyError, TypeError, ValueError) as error:
        raise CassetteError(f"{where}: malformed interaction ({error!r})") from None
    path, query = _api_path(request.get("uri"), where)
    return RecordedExchange(
        method=method,
        path=path,
        query=query,
        status=status,
        request_body=_decode_json(request.get("body"), f"{where}: request"),
        response_body=_decode_json(response.get("body"), f"{where}: response"),
        request_headers=_headers(request.get("headers"), f"{where}: request"),
        response_headers=_headers(response.get("headers"), f"{where}: response"),
        source=where,
    )


def load_cassette(path: Path, root: Path = RECORDINGS_DIR) -> list[RecordedExchange]:
    """Every interaction of one cassette file, in recorded order."""
    name = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise CassetteError(f"{name}: cannot read cassette ({error})") from None
    if not isinstance(document, Mapping) or not isinstance(document.get("interactions"), list):
        raise CassetteError(f"{name}: not a VCR cassette (no 'interactions' list)")
    if document.get("version") != 1:
        raise CassetteError(f"{name}: unsupported cassette version {document.get('version')!r}")
    return [
        parse_interaction(interaction, f"{name}#{index}")
        for index, interaction in enumerate(document["interactions"])
    ]


def cassette_paths(root: Path = RECORDINGS_DIR) -> list[Path]:
    """All cassette files under `root` (including `historical/`), sorted."""
    return sorted(root.rglob("*.yaml"))


@functools.cache
def all_exchanges() -> tuple[RecordedExchange, ...]:
    """Every exchange of every vendored cassette (parsed once per process)."""
    return tuple(exchange for path in cassette_paths() for exchange in load_cassette(path))


# --- lookups ------------------------------------------------------------------------------------


def recorded_exchanges(
    method: str,
    path_template: str,
    *,
    status: int | None = None,
    exchanges: Iterable[RecordedExchange] | None = None,
) -> list[RecordedExchange]:
    """Recorded exchanges for `method` on `path_template` (relative to /api/v2), optionally
    only those with `status`."""
    pool = all_exchanges() if exchanges is None else exchanges
    return [
        exchange
        for exchange in pool
        if exchange.matches(method, path_template) and status in (None, exchange.status)
    ]


def recorded_responses(method: str, path_template: str, *, status: int | None = None) -> list[Any]:
    """The decoded JSON response bodies recorded for `method` on `path_template`.

    By default only successful (2xx) responses; pass `status` to pick one status instead.
    """
    return [
        exchange.response_body
        for exchange in recorded_exchanges(method, path_template, status=status)
        if (status is not None or 200 <= exchange.status < 300)
        and exchange.response_body is not None
    ]


def substitute(value: Any, mapping: Mapping[str, str]) -> Any:
    """A JSON value with every occurrence of each key of `mapping` in its strings replaced by
    the key's value: real ids to placeholders when traffic is recorded, and back on replay."""
    if isinstance(value, str):
        for old, new in mapping.items():
            value = value.replace(old, new)
        return value
    if isinstance(value, list):
        return [substitute(item, mapping) for item in value]
    if isinstance(value, dict):
        return {key: substitute(item, mapping) for key, item in value.items()}
    return value
