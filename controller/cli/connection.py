"""Which Neon tenantctl talks to: the real API, or the embedded emulator when no key is set.

With neither NEON_API_KEY nor NEON_API_HOST set, plan and apply run against the emulator
in-process, its state kept under `.tenantctl/` in the fleet directory, and say so on their
first line; `--emulator` chooses it explicitly. In CI (`CI=true`) apply refuses the embedded
emulator unless `--emulator` is given, so a job that lost its API key cannot report a fake
success.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from controller.cli.common import CommandError
from controller.neon.errors import NeonConfigError
from controller.neon.settings import NeonSettings
from controller.reconcile.changeplan import PlanTarget
from controller.reconcile.mark_cache import MarkCache

if TYPE_CHECKING:
    import httpx

EMBEDDED_HOST = "http://embedded-emulator.tenantctl.invalid/api/v2"
EMBEDDED_KEY = "embedded-emulator-key"
STATE_DIR = ".tenantctl"
STATE_FILE = "emulator.sqlite3"
# The embedded emulator is for trying things: it enforces no rate limit, and the client's
# budgets for it are out of reach, unless a TENANTCTL_* budget variable is set (then the client
# paces as it does against Neon, with those budgets). A standalone `tenantctl emulator` keeps
# Neon's limits, and so does the client against any other host.
EMBEDDED_BUDGETS: dict[str, float] = {
    "requests_per_minute": 1e9,
    "burst_per_second": 1e6,
    "consumption_requests_per_minute": 1e9,
}
# Rate budgets are settings: lower them when other tools share the account's 700/min.
RATE_ENVIRONMENT = {
    "TENANTCTL_REQUESTS_PER_MINUTE": "requests_per_minute",
    "TENANTCTL_BURST_PER_SECOND": "burst_per_second",
    "TENANTCTL_CONSUMPTION_REQUESTS_PER_MINUTE": "consumption_requests_per_minute",
}


@dataclass(frozen=True)
class Connection:
    """Client settings, an optional in-process transport, and how to describe the target."""

    settings: NeonSettings
    transport: httpx.AsyncBaseTransport | None
    target: PlanTarget
    closer: Callable[[], None] | None = None
    state_dir: Path | None = None

    def mark_cache(self) -> MarkCache:
        """The ownership marks already read for this target (see reconcile.mark_cache)."""
        if self.state_dir is None:
            return MarkCache(None)
        key = "|".join((self.target.host, self.target.org_id or "", self.target.account or ""))
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        return MarkCache(self.state_dir / f"marks-{digest}.json")

    @property
    def embedded(self) -> bool:
        return self.target.embedded

    def close(self) -> None:
        """Release what the target holds (the embedded emulator's state file)."""
        if self.closer is not None:
            self.closer()


def connect(
    fleet_dir: Path,
    *,
    for_apply: bool = False,
    emulator_flag: bool = False,
    environ: Mapping[str, str] | None = None,
) -> Connection:
    """Resolve the target from the environment, refusing unsafe or incomplete setups.

    `emulator_flag` (`--emulator`) chooses the embedded emulator whatever the environment
    holds, so a demo never reaches a real account by accident.
    """
    env = os.environ if environ is None else environ
    key, host = env.get("NEON_API_KEY", "").strip(), env.get("NEON_API_HOST", "").strip()
    if emulator_flag or (not key and not host):
        return _embedded(fleet_dir, for_apply=for_apply, emulator_flag=emulator_flag, env=env)
    if not key:
        raise CommandError(
            f"NEON_API_HOST is set ({host}) but NEON_API_KEY is not: export the API key for "
            "that host (any non-empty key for a local `tenantctl emulator`)"
        )
    try:
        settings = NeonSettings.from_env(env, **rate_overrides(env))
    except NeonConfigError as error:
        raise CommandError(str(error)) from None
    target = PlanTarget(host=settings.host, org_id=settings.org_id, account=account_digest(key))
    return Connection(settings, None, target, state_dir=fleet_dir.resolve() / STATE_DIR)


def account_digest(api_key: str) -> str:
    """A short one-way digest naming the key's account in plan files (never the key)."""
    return hashlib.sha256(api_key.encode()).hexdigest()[:16]


def rate_overrides(env: Mapping[str, str]) -> dict[str, float]:
    """Client rate budgets set through TENANTCTL_* variables, each checked to be a number > 0."""
    overrides: dict[str, float] = {}
    for variable, setting in RATE_ENVIRONMENT.items():
        text = env.get(variable, "").strip()
        if not text:
            continue
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not value > 0:
            raise CommandError(f"{variable}={text!r}: expected a number of requests above 0")
        overrides[setting] = value
    return overrides


def _embedded(
    fleet_dir: Path, *, for_apply: bool, emulator_flag: bool, env: Mapping[str, str]
) -> Connection:
    if for_apply and env.get("CI", "").strip().lower() == "true" and not emulator_flag:
        raise CommandError(
            "CI=true and no NEON_API_KEY: refusing to apply to the embedded emulator, so that "
            "a CI job that lost its API key cannot report success; set NEON_API_KEY, or pass "
            "--emulator to apply to the emulator on purpose"
        )
    state_dir = fleet_dir.resolve() / STATE_DIR
    try:
        state_dir.mkdir(exist_ok=True)
    except OSError as error:
        raise CommandError(
            f"cannot create {state_dir} for the embedded emulator: {error}"
        ) from None
    import httpx  # here, not at the top: commands that send nothing never load it

    app = _embedded_app(state_dir)
    transport = httpx.ASGITransport(app=app)
    settings = NeonSettings.from_env(
        {"NEON_API_KEY": EMBEDDED_KEY, "NEON_API_HOST": EMBEDDED_HOST},
        **(rate_overrides(env) or EMBEDDED_BUDGETS),
    )
    target = PlanTarget(host=f"state in {state_dir}", embedded=True)
    return Connection(settings, transport, target, closer=app.emulator.close, state_dir=state_dir)


def _embedded_app(state_dir: Path) -> Any:
    """The in-process emulator on the fleet's state file, with no rate limit (0: off)."""
    from controller.emulator import EmulatorConfig, StateFileError, create_app

    config = EmulatorConfig(
        state_file=state_dir / STATE_FILE,
        operation_seconds=0,
        rate_per_minute=0,
        burst_per_second=0,
        consumption_rate_per_minute=0,
    )
    try:
        return create_app(config)
    except StateFileError as error:
        raise CommandError(
            f"the embedded emulator's state in {state_dir} cannot be used: {error}; "
            f"remove {state_dir / STATE_FILE} to start from an empty org"
        ) from None
