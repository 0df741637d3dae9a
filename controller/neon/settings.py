"""How the Neon client is configured: where Neon is, which key, and how politely to call it.

Every delay, budget and deadline the client uses lives here as a named setting (none is a literal
in the code), so a test or an operator can change it without touching the client. The API key is
kept out of `repr` and registered with the log redactor as soon as settings exist.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

from controller.logs import register_secret
from controller.neon.errors import NeonConfigError
from controller.neon.routes import NEON_ID

DEFAULT_HOST = "https://console.neon.tech/api/v2"
ENV_API_KEY = "NEON_API_KEY"
ENV_HOST = "NEON_API_HOST"
ENV_ORG_ID = "NEON_ORG_ID"


@dataclass(frozen=True)
class NeonSettings:
    """Everything the client needs; defaults follow Neon's documented limits.

    Rate limits (Neon: 700 requests/min per account, bursts of 40/s per route, ~50/min for the
    consumption endpoints) are shared by every client in the process that uses the same key.
    """

    api_key: str = field(repr=False)
    host: str = DEFAULT_HOST
    org_id: str | None = None
    # Rate limiting (see controller.neon.ratelimit).
    requests_per_minute: float = 700.0
    burst_per_second: float = 40.0
    # Bursts keep this fraction of Neon's burst unused: requests paced at the client arrive at
    # Neon with jitter (scheduling, network, two processes), and the spare tokens absorb it so
    # that no 429 comes back. The steady rate is not lowered.
    burst_headroom: float = 0.25
    consumption_requests_per_minute: float = 50.0
    rate_slowdown_factor: float = 0.5  # on a 429 that still arrives, multiply the rate by this
    rate_min_factor: float = 0.05  # never slow below this fraction of the configured rate
    rate_recovery_per_minute: float = 0.1  # fraction of full rate regained per quiet minute
    rate_penalty_cooldown_seconds: float = 1.0  # 429s closer together count as one slowdown
    # Retries of temporary failures (see controller.neon.policy).
    max_attempts: int = 6
    backoff_initial_seconds: float = 0.5
    backoff_multiplier: float = 2.0
    backoff_max_seconds: float = 20.0
    backoff_jitter: float = 0.5  # a delay is drawn from [base * (1 - jitter), base]
    retry_after_max_seconds: float = 60.0  # cap on a Retry-After header Neon sends
    # Waiting for operations after a mutation (see controller.neon.operations).
    operation_timeout_seconds: float = 300.0
    operation_poll_initial_seconds: float = 0.5
    operation_poll_multiplier: float = 1.5
    operation_poll_max_seconds: float = 5.0
    # First wait after a mutation before reading the project's operations list once: how long
    # Neon's operations usually take. Later reads back off from operation_poll_initial_seconds.
    operation_expected_seconds: float = 1.0
    operation_list_limit: int = 50  # operations per list page when confirming (newest first)
    # HTTP.
    request_timeout_seconds: float = 30.0  # httpx: per read, write and pool wait
    connect_timeout_seconds: float = 10.0
    max_connections: int = 16  # in flight at once; more wait in the session, not in httpcore
    # Bounds on what an upstream can make the client do (a hostile or broken Neon, or a proxy).
    request_deadline_seconds: float = 120.0  # one exchange, response body included
    max_response_bytes: int = 16 * 2**20  # a body beyond this is refused, never read whole
    max_list_items: int = 100_000  # a list longer than any org holds is refused, not paged on
    upstream_text_max_chars: int = 2000  # Neon's text in an error is cut beyond this
    command_deadline_seconds: float = 6 * 3600.0  # whole command; the CLI enforces it
    # Pacing. pace=False turns the client's limiter off (the embedded emulator has no limits);
    # a 429 is still retried with backoff. shared_limiter_dir: a directory (the CLI passes
    # .tenantctl/) where processes on this machine using the same key share one set of buckets.
    pace: bool = True
    shared_limiter_dir: Path | None = None

    def __post_init__(self) -> None:
        register_secret(self.api_key)
        object.__setattr__(self, "host", self.host.rstrip("/"))
        if isinstance(self.shared_limiter_dir, str) and self.shared_limiter_dir:
            object.__setattr__(self, "shared_limiter_dir", Path(self.shared_limiter_dir))
        _check_settings(self)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, **overrides: object
    ) -> NeonSettings:
        """Settings from NEON_API_KEY, NEON_API_HOST and NEON_ORG_ID; `overrides` win."""
        env = os.environ if environ is None else environ
        api_key = env.get(ENV_API_KEY, "").strip()
        register_secret(api_key)
        if not api_key:
            raise NeonConfigError(f"{ENV_API_KEY} is not set: export a Neon API key to call Neon")
        values: dict[str, object] = {"api_key": api_key}
        if env.get(ENV_HOST, "").strip():
            values["host"] = env[ENV_HOST].strip()
        if env.get(ENV_ORG_ID, "").strip():
            values["org_id"] = env[ENV_ORG_ID].strip()
        values.update(overrides)
        unknown = sorted(set(values) - {f.name for f in fields(cls)})
        if unknown:
            raise NeonConfigError(f"unknown Neon client setting(s): {', '.join(unknown)}")
        return cls(**values)  # type: ignore[arg-type]


_POSITIVE = (
    "requests_per_minute",
    "burst_per_second",
    "consumption_requests_per_minute",
    "rate_penalty_cooldown_seconds",
    "backoff_initial_seconds",
    "backoff_max_seconds",
    "operation_timeout_seconds",
    "operation_poll_initial_seconds",
    "operation_poll_max_seconds",
    "request_timeout_seconds",
    "connect_timeout_seconds",
    "operation_expected_seconds",
    "request_deadline_seconds",
    "command_deadline_seconds",
)
_AT_LEAST_ONE = (
    "max_attempts",
    "max_connections",
    "max_response_bytes",
    "max_list_items",
    "upstream_text_max_chars",
)
_FRACTIONS = ("rate_slowdown_factor", "rate_min_factor")


def _check_settings(settings: NeonSettings) -> None:
    """Raise NeonConfigError naming the first setting that cannot work (never echoing the key)."""
    if not settings.api_key or any(c.isspace() for c in settings.api_key):
        raise NeonConfigError(f"{ENV_API_KEY} / api_key must be a non-empty key without spaces")
    scheme = urlsplit(settings.host).scheme
    if scheme not in ("http", "https") or not urlsplit(settings.host).netloc:
        raise NeonConfigError(
            f"{ENV_HOST} / host must be an http(s) URL such as {DEFAULT_HOST}, "
            f"got {settings.host!r}"
        )
    if settings.org_id is not None and not NEON_ID.fullmatch(settings.org_id):
        raise NeonConfigError(
            f"{ENV_ORG_ID} / org_id must match ^[a-z0-9-]{{1,60}}$, got {settings.org_id!r}"
        )
    for name in _POSITIVE:
        if not getattr(settings, name) > 0:
            raise NeonConfigError(f"setting {name} must be > 0, got {getattr(settings, name)!r}")
    for name in _FRACTIONS:
        if not 0 < getattr(settings, name) <= 1:
            raise NeonConfigError(
                f"setting {name} must be in (0, 1], got {getattr(settings, name)!r}"
            )
    for name in _AT_LEAST_ONE:
        value = getattr(settings, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise NeonConfigError(f"setting {name} must be an integer >= 1, got {value!r}")
    _check_pacing(settings)
    checks = {
        "operation_list_limit": 1 <= settings.operation_list_limit <= 1000,
        "backoff_multiplier": settings.backoff_multiplier >= 1,
        "operation_poll_multiplier": settings.operation_poll_multiplier >= 1,
        "backoff_jitter": 0 <= settings.backoff_jitter < 1,
        "burst_headroom": 0 <= settings.burst_headroom < 1,
        "rate_recovery_per_minute": settings.rate_recovery_per_minute >= 0,
        "retry_after_max_seconds": settings.retry_after_max_seconds >= 0,
    }
    for name, ok in checks.items():
        if not ok:
            raise NeonConfigError(f"setting {name} is out of range: {getattr(settings, name)!r}")


def _check_pacing(settings: NeonSettings) -> None:
    if not isinstance(settings.pace, bool):
        raise NeonConfigError(f"setting pace must be true or false, got {settings.pace!r}")
    directory = settings.shared_limiter_dir
    if directory is not None and not isinstance(directory, Path):
        raise NeonConfigError(
            f"setting shared_limiter_dir must be a directory path, got {directory!r}"
        )
