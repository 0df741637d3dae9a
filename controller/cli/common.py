"""Pieces every command shares: exit codes, the fleet-directory flag, user-facing errors, and
the argparse types of numeric flags (one wording for every command)."""

from __future__ import annotations

import argparse
import logging
import math
from collections.abc import Callable
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


def whole_number(
    *, at_least: int, at_most: int | None = None, hint: str = ""
) -> Callable[[str], int]:
    """An argparse `type`: an integer from `at_least` to `at_most` (inclusive); `hint` is
    added to the message for a negative number (say what 0 means)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if at_most is not None and not at_least <= value <= at_most:
            raise argparse.ArgumentTypeError(f"{value} is outside {at_least}..{at_most}")
        if value < 0 <= at_least:
            raise argparse.ArgumentTypeError(f"{value} is negative{hint}")
        if value < at_least:
            raise argparse.ArgumentTypeError(f"must be at least {at_least} (got {value})")
        return value

    return parse


def seconds(*, above_zero: bool) -> Callable[[str], float]:
    """An argparse `type`: a finite number of seconds, > 0 or >= 0."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
        if not math.isfinite(value) or value < 0 or (above_zero and value == 0):
            bound = "> 0" if above_zero else ">= 0"
            raise argparse.ArgumentTypeError(f"{text} is not a finite number {bound}")
        return value

    return parse


def duration(*, at_least: int = 0) -> Callable[[str], int]:
    """An argparse `type`: a duration as the fleet files write it (`90s`, `5m`, `1h`), in
    seconds, at least `at_least`."""

    def parse(text: str) -> int:
        from controller.spec.units import parse_duration  # on use: keeps `--help` fast

        try:
            value = parse_duration(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(f"{text!r}: {error}") from None
        if value < at_least:
            raise argparse.ArgumentTypeError(f"{text!r} is shorter than {at_least} s")
        return value

    return parse


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
