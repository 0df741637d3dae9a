"""Pieces every command shares: exit codes, the fleet-directory flag, and user-facing errors."""

from __future__ import annotations

import argparse
from pathlib import Path

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
