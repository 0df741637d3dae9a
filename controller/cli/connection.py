"""Which Neon tenantctl talks to: the real API, or the embedded emulator when no key is set.

With neither NEON_API_KEY nor NEON_API_HOST set, every command that reads Neon runs against
the emulator in-process, its state kept under `.tenantctl/` in the fleet directory, and says so
on its first line; `--emulator` chooses it explicitly. In CI (`CI=true`) every such command
(plan, apply, usage, status, connection, import, adopt) refuses the embedded emulator unless
`--emulator` is given, so a job that lost its API key cannot report a fake success or an
all-green usage check.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from controller.cli.common import CommandError
from controller.cli.state_dir import STATE_DIR as STATE_DIR
from controller.cli.state_dir import ensure_state_dir
from controller.localfiles import digest, read_regular_file, write_atomically
from controller.neon.errors import NeonConfigError
from controller.neon.settings import NeonSettings
from controller.reconcile.changeplan import PlanTarget
from controller.reconcile.mark_cache import MarkCache, mark_cache_key
from controller.reconcile.plan_file import signing_key

if TYPE_CHECKING:
    import httpx

EMBEDDED_HOST = "http://embedded-emulator.tenantctl.invalid/api/v2"
EMBEDDED_KEY = "embedded-emulator-key"
STATE_FILE = "emulator.sqlite3"
PLAN_KEY_FILE = "plan-signing-key"
# Rate budgets are settings: lower them when other tools share the account's 700/min.
RATE_ENVIRONMENT = {
    "TENANTCTL_REQUESTS_PER_MINUTE": "requests_per_minute",
    "TENANTCTL_BURST_PER_SECOND": "burst_per_second",
    "TENANTCTL_CONSUMPTION_REQUESTS_PER_MINUTE": "consumption_requests_per_minute",
    # Bounds on a hostile or broken upstream: each request, and the whole command.
    "TENANTCTL_REQUEST_DEADLINE_SECONDS": "request_deadline_seconds",
    "TENANTCTL_COMMAND_DEADLINE_SECONDS": "command_deadline_seconds",
    "TENANTCTL_MAX_LIST_ITEMS": "max_list_items",  # more projects than the org could hold
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
        name = digest(self.target.host, self.target.org_id or "", self.target.account or "")
        return MarkCache(self.state_dir / f"marks-{name}.json", key=mark_cache_key(self.plan_key()))

    @property
    def embedded(self) -> bool:
        return self.target.embedded

    def plan_key(self) -> bytes:
        """The key that signs this target's saved plans (see reconcile.plan_file): derived from
        the API key, or for the embedded emulator from a private key kept in `.tenantctl/`."""
        secret = self.settings.api_key
        if self.embedded and self.state_dir is not None:
            secret = _embedded_secret(self.state_dir / PLAN_KEY_FILE)
        return signing_key(secret, host=self.target.host, org_id=self.target.org_id)

    def close(self) -> None:
        """Release what the target holds (the embedded emulator's state file)."""
        if self.closer is not None:
            self.closer()


def connect(
    fleet_dir: Path,
    *,
    for_apply: bool = False,
    command: str | None = None,
    emulator_flag: bool = False,
    environ: Mapping[str, str] | None = None,
) -> Connection:
    """Resolve the target from the environment, refusing unsafe or incomplete setups.

    `emulator_flag` (`--emulator`) chooses the embedded emulator whatever the environment
    holds, so a demo never reaches a real account by accident. `command` names the command in
    the CI refusal (`for_apply` is `command="apply"`).
    """
    env = os.environ if environ is None else environ
    key, host = env.get("NEON_API_KEY", "").strip(), env.get("NEON_API_HOST", "").strip()
    if emulator_flag or (not key and not host):
        name = "apply" if for_apply else command or "this command"
        return _embedded(fleet_dir, command=name, emulator_flag=emulator_flag, env=env)
    if not key:
        raise CommandError(
            f"NEON_API_HOST is set ({host}) but NEON_API_KEY is not: export the API key for "
            "that host (any non-empty key for a local `tenantctl emulator`)"
        )
    try:
        state_dir = ensure_state_dir(fleet_dir)
    except CommandError:
        state_dir = fleet_dir.resolve() / STATE_DIR  # caches are optional: a read-only checkout
    try:
        # Processes on this machine using the same key share one budget through .tenantctl/.
        settings = NeonSettings.from_env(env, shared_limiter_dir=state_dir, **rate_overrides(env))
    except NeonConfigError as error:
        raise CommandError(str(error)) from None
    target = PlanTarget(host=settings.host, org_id=settings.org_id, account=account_digest(key))
    return Connection(settings, None, target, state_dir=state_dir)


def account_digest(api_key: str) -> str:
    """A short one-way digest naming the key's account in plan files (never the key)."""
    return digest(api_key)


def rate_overrides(env: Mapping[str, str]) -> dict[str, float | int]:
    """Client budgets and deadlines set through TENANTCTL_* variables, each a number > 0."""
    overrides: dict[str, float | int] = {}
    for variable, setting in RATE_ENVIRONMENT.items():
        text = env.get(variable, "").strip()
        if not text:
            continue
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not value > 0:
            raise CommandError(f"{variable}={text!r}: expected a number above 0")
        overrides[setting] = int(value) if setting in _WHOLE_SETTINGS else value
    return overrides


_WHOLE_SETTINGS = frozenset({"max_list_items"})
_BUDGETS = ("requests_per_minute", "burst_per_second", "consumption_requests_per_minute")


def _embedded(
    fleet_dir: Path, *, command: str, emulator_flag: bool, env: Mapping[str, str]
) -> Connection:
    if env.get("CI", "").strip().lower() == "true" and not emulator_flag:
        doing = "apply to" if command == "apply" else f"run `tenantctl {command}` against"
        raise CommandError(
            f"CI=true and no NEON_API_KEY: refusing to {doing} the embedded emulator, so that "
            "a CI job that lost its API key cannot report success (or an all-green check); "
            "set NEON_API_KEY, or pass --emulator to use the emulator on purpose"
        )
    try:
        state_dir = ensure_state_dir(fleet_dir)
    except CommandError as error:
        raise CommandError(f"the embedded emulator needs its state folder: {error}") from None
    import httpx  # here, not at the top: commands that send nothing never load it

    app = _embedded_app(state_dir)
    transport = httpx.ASGITransport(app=app)
    # The embedded emulator is for trying things: it enforces no rate limit and the client does
    # not pace, unless a TENANTCTL_* budget is set (then the client paces with it, as against
    # Neon). A standalone `tenantctl emulator` keeps Neon's limits, and so does the client
    # against any other host.
    overrides = rate_overrides(env)
    paced = any(setting in overrides for setting in _BUDGETS)
    settings = NeonSettings.from_env(
        {"NEON_API_KEY": EMBEDDED_KEY, "NEON_API_HOST": EMBEDDED_HOST}, pace=paced, **overrides
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


def _embedded_secret(path: Path) -> str:
    """The embedded emulator's plan-signing secret: random, made once, private (0600)."""
    try:
        return read_regular_file(path, 1024).strip()
    except FileNotFoundError:
        secret = secrets.token_hex(32)
        try:
            write_atomically(path, secret + "\n")
        except OSError as error:
            raise CommandError(f"cannot keep the plan-signing key in {path}: {error}") from None
        return secret
    except OSError as error:
        raise CommandError(f"cannot read the plan-signing key {path}: {error}") from None
