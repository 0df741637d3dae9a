"""Structured logging for every part of tenantctl, with secrets scrubbed from every line.

Events are stable snake_case names with key/value fields. Whatever a caller passes (an API key
in a header dict, a connection string inside an error message), `redact` runs last and replaces
secrets before anything is rendered, so a careless call site cannot leak one.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any
from urllib.parse import unquote

import structlog

from controller.untrusted import printable

REDACTED = "***"
# Upstream text (a Neon message, a gateway page) longer than this is cut when shown in an error or
# a log line; `clip_text` says how much was left out.
UPSTREAM_TEXT_MAX_CHARS = 2000
# Any one log field is cut beyond this (a rendered traceback beyond the second figure).
LOG_FIELD_MAX_CHARS = 4000
LOG_TRACEBACK_MAX_CHARS = 20_000
# Shortest value `register_secret` accepts: shorter ones would only ever redact by accident.
MIN_SECRET_CHARS = 4

# Field names whose values are always secret, whatever they hold.
_SECRET_KEY_PATTERN = re.compile(
    r"(pass(word)?|secret|token|api[_-]?key|authorization|connection_uri|dsn|cookie)$",
    re.IGNORECASE,
)
# A token: what a registered secret must stand alone as to be redacted. Letters, digits, `_` and
# `-`, joined by single dots (so `localhost`, `local.example.com` and `127.0.0.1` are one token
# each, while a sentence's final dot ends one). No nested repetition: matching is linear.
_TOKEN = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*")
# Secret-shaped text redacted wherever it appears. Each pattern is linear: it starts at a literal
# (`://`, a keyword) and scans one class of characters that its own match then consumes.
_USERINFO_CHARS = r"[^/?#@\s\[\]\"'<>]"
_USER_CHARS = r"[^:/?#@\s\[\]\"'<>]"
_SECRET_TEXT_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # URI userinfo (postgresql://role:password@host): RFC 3986 userinfo cannot hold / ? # @.
    (re.compile(rf"://{_USER_CHARS}*:{_USERINFO_CHARS}*@"), rf"://{REDACTED}:{REDACTED}@"),
    (re.compile(rf"://{_USER_CHARS}+@"), rf"://{REDACTED}@"),
    # Authorization headers, whatever the scheme, and bare bearer tokens.
    (
        re.compile(
            r"(\bauthorization[\"']?\s*[:=]\s*[\"']?)(?:(?:bearer|basic|token)\s+)?[^\s\"',;]+",
            re.I,
        ),
        rf"\g<1>{REDACTED}",
    ),
    (re.compile(r"(\bbearer\s+)[^\s\"',;]+", re.IGNORECASE), rf"\g<1>{REDACTED}"),
    # Neon API keys by their prefix, and key=value / "key": "value" secrets (libpq DSNs too).
    (re.compile(r"\bnapi_[A-Za-z0-9]+"), REDACTED),
    (
        re.compile(
            r"(\b(?:password|passwd|pwd|secret|token|api[_-]?key|key)\s*=\s*)[^\s&\"',;]+", re.I
        ),
        rf"\g<1>{REDACTED}",
    ),
    (
        re.compile(
            r"(\"(?:password|passwd|secret|token|api[_-]?key|connection_uri|uri|dsn)\"\s*:\s*\")"
            r"[^\"]*",
            re.IGNORECASE,
        ),
        rf"\g<1>{REDACTED}",
    ),
)


class _SecretRegistry:
    """Registered secrets, indexed by their leading token so that text is scanned only once.

    A secret is redacted where it stands as a whole: it starts at a token and the character after
    it does not continue a token. So the key `local` is scrubbed from `key local` or `key=local`
    but leaves `localhost` alone. Looking each token of the text up in a dict keeps the cost
    linear in the text, however many secrets are registered.
    """

    def __init__(self) -> None:
        self._by_anchor: dict[str, list[str]] = {}
        self._unanchored: set[str] = set()  # secrets that do not start with a token character

    def add(self, secret: str) -> None:
        anchor = _TOKEN.match(secret)
        if anchor is None:
            self._unanchored.add(secret)
            return
        candidates = self._by_anchor.setdefault(anchor.group(), [])
        if secret not in candidates:
            candidates.append(secret)
            candidates.sort(key=len, reverse=True)  # the longest secret wins at a position

    def __contains__(self, secret: str) -> bool:
        anchor = _TOKEN.match(secret)
        if anchor is None:
            return secret in self._unanchored
        return secret in self._by_anchor.get(anchor.group(), ())

    def redact(self, text: str) -> str:
        if not self._by_anchor and not self._unanchored:
            return text
        for secret in self._unanchored:
            text = text.replace(secret, REDACTED)
        if not self._by_anchor:
            return text
        parts: list[str] = []
        done = 0  # text[:done] is already in parts
        for token in _TOKEN.finditer(text):
            start = token.start()
            if start < done:
                continue
            found = self._secret_at(text, start, token.group())
            if found is not None:
                parts += [text[done:start], REDACTED]
                done = start + len(found)
        parts.append(text[done:])
        return "".join(parts)

    def _secret_at(self, text: str, start: int, token: str) -> str | None:
        for secret in self._by_anchor.get(token, ()):
            end = start + len(secret)
            if text.startswith(secret, start) and not _continues_token(text, end):
                return secret
        return None


def _continues_token(text: str, end: int) -> bool:
    """Whether the character at `end` would make the text before it part of a longer token."""
    if end >= len(text):
        return False
    following = text[end]
    if following.isascii() and (following.isalnum() or following in "_-"):
        return True
    return following == "." and _TOKEN.match(text, end + 1) is not None


_registered_secrets = _SecretRegistry()


def register_secret(value: str | None) -> None:
    """Scrub this exact value (an API key, a password) from every later log line and error.

    Values shorter than MIN_SECRET_CHARS are ignored. A connection URI is registered through its
    password (the userinfo pattern already hides the rest of a URI's credentials).
    """
    if not value or len(value) < MIN_SECRET_CHARS:
        return
    password = _uri_password(value)
    if password is not None:
        register_secret(password)
        return
    _registered_secrets.add(value)


def _uri_password(value: str) -> str | None:
    """The percent-decoded and raw password of a `scheme://user:password@host` URI, if any."""
    scheme, separator, rest = value.partition("://")
    if not separator or not scheme or "@" not in rest:
        return None
    userinfo = rest.split("@", 1)[0]
    if "/" in userinfo or ":" not in userinfo:
        return None
    password = userinfo.split(":", 1)[1]
    decoded = unquote(password)
    if decoded != password and len(decoded) >= MIN_SECRET_CHARS:
        _registered_secrets.add(decoded)
    return password


def redact_text(text: str) -> str:
    """Return text with every registered secret and secret-looking substring replaced.

    Linear in the length of the text: each pattern scans the text once, and registered secrets
    are found by a single pass over its tokens.
    """
    text = _registered_secrets.redact(text)
    for pattern, replacement in _SECRET_TEXT_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def clip_text(text: str, limit: int = UPSTREAM_TEXT_MAX_CHARS) -> str:
    """At most `limit` characters of text, with a note saying how much was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... [cut: {len(text) - limit} more characters]"


def shown_upstream(text: str, limit: int = UPSTREAM_TEXT_MAX_CHARS) -> str:
    """Text from Neon (or anything upstream) as it may be shown: secrets scrubbed, then clipped."""
    return clip_text(redact_text(text), limit)


def redact_value(value: Any, key: str | None = None) -> Any:
    """Redact a log field value recursively; secret-named keys lose their whole value, and any
    string is cut at LOG_FIELD_MAX_CHARS (a traceback at LOG_TRACEBACK_MAX_CHARS)."""
    if key is not None and _SECRET_KEY_PATTERN.search(key) and value not in (None, ""):
        return REDACTED
    if isinstance(value, str):
        limit = LOG_TRACEBACK_MAX_CHARS if key == "exception" else LOG_FIELD_MAX_CHARS
        return shown_upstream(value, limit)
    if isinstance(value, Mapping):
        return {k: redact_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [redact_value(v) for v in value]
    if isinstance(value, BaseException):
        return shown_upstream(f"{type(value).__name__}: {value}", LOG_FIELD_MAX_CHARS)
    if isinstance(value, int | float | bool) or value is None:
        return value
    return shown_upstream(str(value), LOG_FIELD_MAX_CHARS)


def redact(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: scrub secrets from every field of the event."""
    for key in list(event_dict):
        event_dict[key] = redact_value(event_dict[key], key if key != "event" else None)
    return event_dict


def _render_exception_then_redact(
    logger: Any, method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    rendered = structlog.processors.format_exc_info(logger, method, event_dict)
    return redact(logger, method, rendered)


def configure_logging(*, json_output: bool | None = None, level: int = logging.INFO) -> None:
    """Configure structlog: JSON lines off a TTY or in CI, a readable console on a TTY.

    Logs go to stderr so that stdout stays clean for plans and machine output.
    """
    if json_output is None:
        json_output = os.environ.get("CI", "").lower() == "true" or not sys.stderr.isatty()
    renderer: Any = (
        structlog.processors.JSONRenderer(sort_keys=True)
        if json_output
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    # JSON escapes control characters itself; the console renderer prints strings as they are.
    inert = [] if json_output else [_escape_for_terminal]
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _render_exception_then_redact,
            *inert,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )


def _escape_for_terminal(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """No control character from Neon or a fleet file reaches a terminal through a log line."""
    return {key: printable(v) if isinstance(v, str) else v for key, v in event.items()}


def _stderr_logger(*_args: Any) -> structlog.PrintLogger:
    # Resolve sys.stderr at use, not at configuration, so redirected streams are honoured.
    return structlog.PrintLogger(sys.stderr)


def get_logger(name: str) -> Any:
    """A structlog logger bound to a component name; redaction applies to all its events.

    Library callers that never configured logging still get the redacting pipeline.
    """
    if not structlog.is_configured():
        configure_logging()
    return structlog.get_logger(component=name)
