"""Pieces every command shares: exit codes, the fleet-directory flag, and user-facing errors."""

from __future__ import annotations

import argparse
import os
import tempfile
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


def write_atomically(path: Path, text: str) -> None:
    """Write text so that a crash leaves the old file or the new one, never half of either.

    Errors (missing folder, no permission) become a one-line CommandError.
    """
    try:
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp"
        ) as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except OSError as error:
        raise CommandError(f"cannot write {path}: {error.strerror or error}") from None
