"""tenantctl's command line: a thin dispatcher over one module per command.

Each `controller/cli/cmd_*.py` module exposes `register(subparsers)`, which adds its sub-command
`<name>` (the module is `cmd_<name>`) with `set_defaults(run=handler)`; the handler takes the
parsed arguments and returns the exit code. Discovering the modules keeps this file free of
per-command edits.

Only the command being run is imported: the commands that talk to Neon bring in the HTTP client
and the emulator, which commands that send nothing (`validate`, `schema`, `show`, `--help`)
never load. The others are listed by the summary line of their module's docstring
("`tenantctl plan`: show what ..."), read without importing them.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence
from pathlib import Path
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


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser. Without `argv`, every command module is registered; with the command line,
    only the command it names (the others get a placeholder that lists them)."""
    parser = _Parser(
        prog="tenantctl",
        description=(
            "Declarative project-per-tenant controller for Neon: pricing plans and tenants in "
            "YAML, reconciled against live Neon projects."
        ),
    )
    parser.add_argument("--version", action="version", version=f"tenantctl {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = None if argv is None else _command_named(argv)
    for name, module_name in _command_modules().items():
        summary = None if argv is None or name == chosen else _summary(module_name)
        if summary is None:
            importlib.import_module(f"{__name__}.{module_name}").register(subparsers)
        else:
            subparsers.add_parser(name, help=summary, add_help=False)
    return parser


def _command_modules() -> dict[str, str]:
    """Command name -> module name, from the `cmd_*` modules of this package (not imported)."""
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("cmd_"))
    return {name.removeprefix("cmd_"): name for name in names}


def _command_named(argv: Sequence[str]) -> str | None:
    """The command on the command line: its first word that is not an option (the top-level
    options, --help and --version, take no value)."""
    return next((word for word in argv if not word.startswith("-")), None)


def _summary(module_name: str) -> str | None:
    """The part after the colon of a command module's first docstring line (None when its
    source cannot be read, as in a bytecode-only install: the module is imported then)."""
    try:
        source = (Path(__path__[0]) / f"{module_name}.py").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    docstring = ast.get_docstring(ast.parse(source)) or ""
    first = docstring.split("\n", 1)[0]
    return first.split("`: ", 1)[-1].rstrip(".")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run the chosen command, and map its outcome to an exit code."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(arguments)
    args = parser.parse_args(arguments)
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
