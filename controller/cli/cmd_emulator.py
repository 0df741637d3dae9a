"""`tenantctl emulator`: serve the local Neon API emulator over real HTTP.

Partners try a fleet against it without touching their Neon account, and tests and demos point
the controller at it. It serves `http://HOST:PORT/api/v2` until SIGINT/SIGTERM, prints
`emulator_listening host=... port=... base_url=...` once it accepts connections (with `--port 0`,
the port it picked) and keeps its state in `--state FILE` across restarts. Without `--api-key`
anyone who reaches it may use it, control API included, so it then listens on localhost only
unless `--allow-unauthenticated` is given. This module is the only place that knows both the CLI
and the emulator; the emulator itself imports nothing from tenantctl.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
from pathlib import Path

from controller.cli.common import EXIT_OK, CommandError, seconds, whole_number
from controller.emulator import EmulatorConfig, StateFileError, serve
from controller.emulator.config import (
    DEFAULT_BURST_PER_SECOND,
    DEFAULT_CONSUMPTION_RATE_PER_MINUTE,
    DEFAULT_IDLE_TIMEOUT_SECONDS,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_RATE_PER_MINUTE,
    DEFAULT_REQUEST_TIMEOUT_SECONDS,
)
from controller.logs import register_secret

_port = whole_number(at_least=0, at_most=65535)
_non_negative_int = whole_number(at_least=0, hint=" (0 turns the limit off)")
_positive_int = whole_number(at_least=1)
_seconds = seconds(above_zero=False)
_timeout = seconds(above_zero=True)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `emulator` command."""
    parser = subparsers.add_parser(
        "emulator",
        help="serve a local emulator of the Neon API (no Neon account needed)",
        description=(
            "Serve an emulator of the Neon API v2 at http://HOST:PORT/api/v2 until SIGINT or "
            "SIGTERM, plus its control API under /_emulator/ (see docs/emulator.md)."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument(
        "--port", type=_port, default=4010, help="port to bind; 0 picks a free one (default: 4010)"
    )
    parser.add_argument(
        "--state",
        type=Path,
        default=None,
        metavar="FILE",
        help="SQLite file that keeps the state across restarts (default: in memory)",
    )
    _add_behaviour_arguments(parser)
    _add_network_arguments(parser)
    parser.set_defaults(run=run)


def _add_behaviour_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--api-key",
        metavar="KEY",
        help="the only bearer key accepted, by the Neon API and the control API "
        "(default: any key, and no key for the control API; localhost only)",
    )
    parser.add_argument(
        "--operation-seconds",
        type=_seconds,
        default=1.0,
        metavar="S",
        help="how long operations take to finish; 0 finishes them at once (default: 1)",
    )
    parser.add_argument(
        "--seed", type=int, default=None, metavar="N", help="seed for fault injection"
    )
    limits = (
        ("--rate-per-minute", DEFAULT_RATE_PER_MINUTE, "requests per minute per API key"),
        ("--burst-per-second", DEFAULT_BURST_PER_SECOND, "requests per second per route"),
        (
            "--consumption-rate-per-minute",
            DEFAULT_CONSUMPTION_RATE_PER_MINUTE,
            "requests per minute to /consumption_history per API key",
        ),
    )
    for flag, default, what in limits:
        parser.add_argument(
            flag,
            type=_non_negative_int,
            default=default,
            metavar="N",
            help=f"{what}; 0 = off (default: {default}, as Neon)",
        )


def _add_network_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--control-key",
        metavar="KEY",
        help="the bearer key the control API (/_emulator/*) asks for (default: the --api-key)",
    )
    parser.add_argument(
        "--allow-unauthenticated",
        action="store_true",
        help="listen beyond localhost without --api-key: anyone who reaches it may use it",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=_positive_int,
        default=DEFAULT_MAX_BODY_BYTES,
        metavar="N",
        help=f"largest request body accepted; 413 beyond (default: {DEFAULT_MAX_BODY_BYTES})",
    )
    parser.add_argument(
        "--idle-timeout",
        type=_timeout,
        default=DEFAULT_IDLE_TIMEOUT_SECONDS,
        metavar="S",
        help="close a connection with no request in progress after S seconds "
        f"(default: {DEFAULT_IDLE_TIMEOUT_SECONDS:g})",
    )
    parser.add_argument(
        "--request-timeout",
        type=_timeout,
        default=DEFAULT_REQUEST_TIMEOUT_SECONDS,
        metavar="S",
        help="close a connection whose request (headers and body) is not in within S seconds "
        f"of its first byte (default: {DEFAULT_REQUEST_TIMEOUT_SECONDS:g})",
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def _check_exposure(args: argparse.Namespace) -> None:
    """Beyond localhost, no --api-key means anyone who reaches it may use it: refuse, or warn."""
    if _is_loopback(args.host) or args.api_key is not None:
        return
    what = "create and delete its projects"
    if args.control_key is None:
        what += ", and reset it, inject faults and move its clock through the control API"
    if not args.allow_unauthenticated:
        raise CommandError(
            f"refusing to serve on {args.host} without --api-key: anyone who can reach it could "
            f"{what}; pass --api-key KEY (the control API then asks for it too, or for "
            "--control-key KEY), or --allow-unauthenticated to serve it open anyway"
        )
    print(
        f"tenantctl: warning: serving on {args.host} with no API key: anyone who can reach it "
        f"can {what}",
        file=sys.stderr,
    )


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted. Bad settings, a busy port, a bad state file: one-line errors."""
    register_secret(args.api_key)
    register_secret(args.control_key)
    _check_exposure(args)
    try:
        config = EmulatorConfig(
            api_key=args.api_key,
            operation_seconds=args.operation_seconds,
            rate_per_minute=args.rate_per_minute,
            burst_per_second=args.burst_per_second,
            consumption_rate_per_minute=args.consumption_rate_per_minute,
            state_file=args.state,
            seed=args.seed,
            control_key=args.control_key,
            max_body_bytes=args.max_body_bytes,
            idle_timeout_seconds=args.idle_timeout,
            request_timeout_seconds=args.request_timeout,
        )
    except ValueError as error:
        raise CommandError(f"invalid emulator setting: {error}") from None
    try:
        serve(config, host=args.host, port=args.port)
    except StateFileError as error:
        raise CommandError(str(error)) from None
    except OSError as error:
        raise CommandError(f"cannot listen on {args.host}:{args.port}: {error}") from None
    return EXIT_OK
