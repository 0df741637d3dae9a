"""The emulator's settings: one frozen value shared by the app, the server and the CLI.

Why this exists: the same emulator runs as a real HTTP server (`tenantctl emulator`), in-process
for tests, and in-process as the controller's embedded default. All three build one
`EmulatorConfig`; checking it here means a bad value fails at construction with a message naming
the setting, not deep inside a request.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

# Neon's documented limits: 700 requests/min per account, bursts of 40 requests/s per route, and
# about 50 requests/min shared by the consumption endpoints.
DEFAULT_RATE_PER_MINUTE = 700
DEFAULT_BURST_PER_SECOND = 40
DEFAULT_CONSUMPTION_RATE_PER_MINUTE = 50
# Which consumption history API the emulated account's plan has: `v2` (usage-based plans),
# `legacy` (legacy Scale/Business/Enterprise), both, or none (the other answers 403 or 404).
ConsumptionApi = Literal["v2", "legacy", "both", "none"]
CONSUMPTION_DENIED_STATUSES = (403, 404)
# Bounds on what a client may make the emulator hold: a request body's size, how long a
# connection may sit idle, and how long a request (headers and body) may take to arrive.
DEFAULT_MAX_BODY_BYTES = 1 << 20
DEFAULT_IDLE_TIMEOUT_SECONDS = 5.0
DEFAULT_REQUEST_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True, kw_only=True)
class EmulatorConfig:
    """How the emulator behaves. Rates of 0 turn that limit off.

    - `api_key`: the one accepted bearer key; None accepts any non-empty key.
    - `operation_seconds`: how long each mutating call's operations take to finish (0 = at once).
    - `state_file`: a SQLite file that keeps the state across restarts; None keeps it in memory.
    - `seed`: seeds fault injection (which requests fail), for reproducible fault runs.
    - `clock`: wall-clock seconds since the epoch; the emulator's own clock runs from it plus the
      offset added by `POST /_emulator/clock/advance`.
    - `monotonic`: the clock the rate-limit buckets refill on.
    - `sleep`: how injected latency waits (tests pass one that returns at once).
    - `consumption_api`: which consumption history API the account has (`v2`, `legacy`, `both`,
      `none`); the others answer `consumption_denied_status` (403: plan without access; 404).
    - `control_key`: the bearer key the control API (`/_emulator/*`) asks for. None: the control
      API asks for `api_key`, or for nothing when that is None too (see `control_api_key`).
    - `max_body_bytes`: the largest request body accepted (413 beyond it).
    - `idle_timeout_seconds`: over HTTP, a connection with no request in progress is closed after
      this long (after it opens, or after a response).
    - `request_timeout_seconds`: over HTTP, a request's headers and body must arrive in full
      within this long of its first byte, or the connection is closed (408 when it can be sent).
      Both timeouts apply to `serve` only: in-process there is no connection.
    """

    api_key: str | None = None
    operation_seconds: float = 1.0
    rate_per_minute: int = DEFAULT_RATE_PER_MINUTE
    burst_per_second: int = DEFAULT_BURST_PER_SECOND
    consumption_rate_per_minute: int = DEFAULT_CONSUMPTION_RATE_PER_MINUTE
    state_file: Path | None = None
    seed: int | None = None
    clock: Callable[[], float] = field(default=time.time, compare=False)
    monotonic: Callable[[], float] = field(default=time.monotonic, compare=False)
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, compare=False)
    consumption_api: ConsumptionApi = "both"
    consumption_denied_status: int = 403
    control_key: str | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    idle_timeout_seconds: float = DEFAULT_IDLE_TIMEOUT_SECONDS
    request_timeout_seconds: float = DEFAULT_REQUEST_TIMEOUT_SECONDS

    @property
    def control_api_key(self) -> str | None:
        """The key the control API asks for: `control_key`, else `api_key`, else none."""
        return self.control_key if self.control_key is not None else self.api_key

    def __post_init__(self) -> None:
        if self.api_key is not None and not self.api_key.strip():
            raise ValueError("api_key: must be a non-empty string, or None to accept any key")
        if not math.isfinite(self.operation_seconds) or self.operation_seconds < 0:
            raise ValueError(
                f"operation_seconds: must be a finite number >= 0, got {self.operation_seconds}"
            )
        for name in ("rate_per_minute", "burst_per_second", "consumption_rate_per_minute"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name}: must be an integer >= 0 (0 = no limit), got {value!r}")
        if self.consumption_api not in get_args(ConsumptionApi):
            raise ValueError(
                f"consumption_api: must be one of {', '.join(get_args(ConsumptionApi))}, "
                f"got {self.consumption_api!r}"
            )
        if self.consumption_denied_status not in CONSUMPTION_DENIED_STATUSES:
            raise ValueError(
                "consumption_denied_status: must be 403 or 404, "
                f"got {self.consumption_denied_status!r}"
            )
        self._check_network_settings()

    def _check_network_settings(self) -> None:
        if self.control_key is not None and not self.control_key.strip():
            raise ValueError("control_key: must be a non-empty string, or None to use api_key")
        size = self.max_body_bytes
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"max_body_bytes: must be an integer >= 1, got {size!r}")
        for name in ("idle_timeout_seconds", "request_timeout_seconds"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{name}: must be a number of seconds, got {value!r}")
            if not math.isfinite(value) or value <= 0:
                raise ValueError(f"{name}: must be a finite number > 0, got {value!r}")
