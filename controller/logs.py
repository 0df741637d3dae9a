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

import structlog

REDACTED = "***"

# Field names whose values are always secret, whatever they hold.
_SECRET_KEY_PATTERN = re.compile(
    r"(pass(word)?|secret|token|api[_-]?key|authorization|connection_uri|dsn|cookie)$",
    re.IGNORECASE,
)
# Secrets that can hide inside any string: URI credentials, bearer tokens, Neon API keys.
_SECRET_TEXT_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/\s:@]+:[^@\s]+@", re.IGNORECASE),
        rf"\g<scheme>{REDACTED}:{REDACTED}@",
    ),
    (re.compile(r"(Bearer\s+)[^\s\"',]+", re.IGNORECASE), rf"\g<1>{REDACTED}"),
    (re.compile(r"\bnapi_[A-Za-z0-9]+"), REDACTED),
    (re.compile(r"(password=)[^\s&\"']+", re.IGNORECASE), rf"\g<1>{REDACTED}"),
)

_registered_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Scrub this exact value (an API key read from the environment) from every later log line."""
    if value and len(value) >= 4:
        _registered_secrets.add(value)


def redact_text(text: str) -> str:
    """Return text with every known secret and secret-looking substring replaced."""
    for secret in sorted(_registered_secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    for pattern, replacement in _SECRET_TEXT_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_value(value: Any, key: str | None = None) -> Any:
    """Redact a log field value recursively; secret-named keys lose their whole value."""
    if key is not None and _SECRET_KEY_PATTERN.search(key) and value not in (None, ""):
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {k: redact_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [redact_value(v) for v in value]
    if isinstance(value, BaseException):
        return redact_text(f"{type(value).__name__}: {value}")
    if isinstance(value, int | float | bool) or value is None:
        return value
    return redact_text(str(value))


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
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _render_exception_then_redact,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )


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
