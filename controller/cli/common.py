"""Pieces every command shares: exit codes, the fleet-directory flag, and user-facing errors."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from controller import localfiles

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2  # `plan --detailed-exitcode`: the plan has changes
EXIT_USAGE_ALERT = 3  # `usage`: a tenant is at warning or over a limit


class CommandError(Exception):
    """A failure to report to the user as one line on stderr, without a traceback."""

    def __init__(self, message: str, exit_code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def add_fleet_dir_argument(parser: argparse.ArgumentParser) -> None:
    """`--dir PATH`: the fleet directory holding plans/ and tenants/ (default: current dir)."""
    parser.add_argument(
        "--dir",
        dest="fleet_dir",
        type=Path,
        default=Path("."),
        metavar="PATH",
        help="fleet directory holding plans/ and tenants/ (default: the current directory)",
    )


def write_atomically(path: Path, text: str) -> None:
    """Write text so that a crash leaves the old file or the new one, never half of either.

    Errors (missing folder, no permission) become a one-line CommandError.
    """
    try:
        localfiles.write_atomically(path, text, mode=0o644)
    except OSError as error:
        raise CommandError(f"cannot write {path}: {error.strerror or error}") from None


def add_log_arguments(parser: argparse.ArgumentParser) -> None:
    """`--verbose` and `--log-format`: structured logs on stderr, quiet by default."""
    parser.add_argument(
        "--verbose", "-v", action="store_true", help="log each step on stderr (default: warnings)"
    )
    parser.add_argument(
        "--log-format",
        choices=("json", "console"),
        default=None,
        help="log lines as JSON (default off a terminal) or for people (default on a terminal)",
    )


def configure_command_logging(args: argparse.Namespace) -> None:
    """Set up logging from `--verbose` and `--log-format` (see add_log_arguments)."""
    from controller.logs import configure_logging

    fmt = getattr(args, "log_format", None)
    level = logging.INFO if getattr(args, "verbose", False) else logging.WARNING
    configure_logging(json_output=None if fmt is None else fmt == "json", level=level)
