"""`tenantctl run`: controller mode, a long-running reconciler (docs/controller.md).

Parses the flags, resolves the Neon target as `apply` does, takes the fleet's apply lock for
the life of the process (a second `run` or an `apply` on the same fleet directory is refused
while it runs), binds the HTTP listener, and hands everything to `controller.loop.runner`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import socket
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from controller.cli.apply_lock import apply_lock
from controller.cli.cmd_usage import DEFAULT_WARN_AT, warn_at_percent
from controller.cli.common import CommandError, duration
from controller.cli.connection import STATE_DIR, connect
from controller.cli.reconcile_args import add_delete_arguments, add_emulator_argument
from controller.emulator.server import bind
from controller.logs import configure_logging, register_secret
from controller.loop.core import Safety
from controller.loop.cycle import LoopSettings
from controller.loop.runner import ControllerConfig, run_controller
from controller.loop.source import DirSource, GitSource, Source, SourceError
from controller.usage.server_clock import network_transport

DEFAULT_LISTEN = "127.0.0.1:9108"
SOURCE_DIR = "source"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `run` command."""
    parser = subparsers.add_parser(
        "run",
        help="keep Neon in step with the fleet: reconcile on an interval, serve health and metrics",
        description=(
            "Controller mode: every --interval, fetch the fleet (a directory, or a git branch), "
            "validate it, plan and apply it as `apply --yes` would; serve /healthz, /readyz, "
            "/status and /metrics on --listen; notify --notify-url of failures and recoveries. "
            "An invalid revision is never applied: the last good one stays in force. "
            "SIGTERM/SIGINT stop it cleanly (exit 0). See docs/controller.md."
        ),
    )
    _source_arguments(parser)
    _durations(parser)
    add_delete_arguments(parser)
    _reporting_arguments(parser)
    parser.add_argument(
        "--once", action="store_true", help="run one cycle and exit with apply's exit code"
    )
    add_emulator_argument(parser)
    parser.set_defaults(run=run)


def _source_arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--dir",
        dest="fleet_dir",
        type=Path,
        default=None,
        metavar="PATH",
        help="fleet directory, re-read every cycle (default: the current directory)",
    )
    where.add_argument("--git", metavar="URL", help="git repository (https, ssh, file://)")
    parser.add_argument("--branch", default="main", help="branch of --git (default: main)")
    parser.add_argument("--path", default="", metavar="SUBDIR", help="fleet folder in --git")
    parser.add_argument(
        "--workdir",
        type=Path,
        metavar="PATH",
        help=f"where --git is cloned (default: {STATE_DIR}/{SOURCE_DIR})",
    )


def _reporting_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--listen",
        default=DEFAULT_LISTEN,
        metavar="HOST:PORT",
        help=f"address of the HTTP endpoints (default: {DEFAULT_LISTEN}; port 0 picks one)",
    )
    parser.add_argument(
        "--notify-url",
        action="append",
        default=[],
        type=_notify_url,
        metavar="URL",
        help="POST notifications here (Slack-compatible JSON; repeatable)",
    )
    parser.add_argument(
        "--warn-at",
        type=warn_at_percent,
        default=warn_at_percent(DEFAULT_WARN_AT),
        metavar="PERCENT",
        help="usage at this percentage of a limit is a warning (default: 80)",
    )


def _durations(parser: argparse.ArgumentParser) -> None:
    for flag, default, what in (
        ("--interval", "5m", "time between the end of a cycle and the start of the next"),
        ("--full-refresh-every", "1h", "per-tenant reads at least this often"),
        ("--usage-every", "15m", "read usage this often (cached as `tenantctl usage` caches)"),
    ):
        parser.add_argument(
            flag,
            type=_duration,
            default=_duration(default),
            metavar="DURATION",
            help=f"{what} (default: {default})",
        )


def _duration(text: str) -> timedelta:
    return timedelta(seconds=duration(at_least=1)(text))


def _notify_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError("expected an http:// or https:// URL")
    register_secret(parts.path if len(parts.path) > 8 else None)  # a webhook's token
    return text


def listen_address(text: str) -> tuple[str, int]:
    """`HOST:PORT` (IPv6 as `[::1]:9108`) -> host, port."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise CommandError(f"--listen {text!r}: expected HOST:PORT, such as {DEFAULT_LISTEN}")
    return host.strip("[]"), int(port)


def run(args: argparse.Namespace) -> int:
    configure_logging(level=logging.INFO)
    base = Path(".") if args.git else (args.fleet_dir or Path("."))
    source = _source(args, base)
    connection = connect(base, for_apply=True, emulator_flag=args.emulator)
    try:
        with apply_lock(connection.state_dir):
            listener = None if args.once else _listener(args.listen)
            config = ControllerConfig(
                source=source,
                settings=LoopSettings(
                    interval=args.interval,
                    full_refresh_every=args.full_refresh_every,
                    usage_every=args.usage_every,
                    warn_at=args.warn_at,
                    safety=Safety(allow_delete=args.allow_delete, max_deletes=args.max_deletes),
                ),
                neon_settings=connection.settings,
                transport=connection.transport,
                network_transport=lambda: network_transport(connection.settings),
                target=connection.target,
                marks=connection.mark_cache(),
                state_base=base,
                notify_urls=tuple(args.notify_url),
                listen=listener,
                once=args.once,
                read_usage=not args.once,  # crossings are remembered by a running controller
            )
            print(f"tenantctl run: {connection.target.describe()}", file=sys.stderr)
            return asyncio.run(run_controller(config))
    finally:
        connection.close()


def _source(args: argparse.Namespace, base: Path) -> Source:
    if not args.git:
        if args.workdir or args.path:
            raise CommandError("--workdir and --path go with --git")
        return DirSource(base.resolve())
    workdir = args.workdir or base / STATE_DIR / SOURCE_DIR
    try:
        return GitSource(args.git, branch=args.branch, path=args.path, workdir=workdir.resolve())
    except SourceError as error:
        raise CommandError(str(error)) from None


def _listener(text: str) -> socket.socket:
    host, port = listen_address(text)
    try:
        return bind(host, port)
    except OSError as error:
        raise CommandError(f"--listen {text}: {error.strerror or error}") from None
