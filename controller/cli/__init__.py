"""tenantctl's command line: a thin dispatcher over one module per command.

Each `controller/cli/cmd_*.py` module exposes `register(subparsers)`, which adds its sub-command
with `set_defaults(run=handler)`; the handler takes the parsed arguments and returns the exit
code. Discovering the modules keeps this file free of per-command edits.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence
from typing import NoReturn

from controller import __version__
from controller.cli.common import EXIT_ERROR, EXIT_OK, CommandError
from controller.untrusted import terminal


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad flags; here 2 means "changes present" (`plan
    --detailed-exitcode`), so a usage error exits 1 like every other error."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The full parser, with every command module registered."""
    parser = _Parser(
        prog="tenantctl",
        description=(
            "Declarative project-per-tenant controller for Neon: pricing plans and tenants in "
            "YAML, reconciled against live Neon projects."
        ),
    )
    parser.add_argument("--version", action="version", version=f"tenantctl {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    package_path = __path__
    for module_info in sorted(pkgutil.iter_modules(package_path), key=lambda m: m.name):
        if module_info.name.startswith("cmd_"):
            module = importlib.import_module(f"{__name__}.{module_info.name}")
            module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run the chosen command, and map its outcome to an exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    run = getattr(args, "run", None)
    if run is None:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    try:
        code: int = run(args)
        sys.stdout.flush()
    except CommandError as error:
        print(f"tenantctl: error: {terminal(error)}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("tenantctl: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into `head` or similar that stopped reading: not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    return code
