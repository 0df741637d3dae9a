"""`tenantctl validate`: check the whole fleet's YAML, offline, and report every error at once.

Errors go to stdout as `path:line:column: message` (like a linter's findings), warnings to
stderr; the exit code is 0 when the fleet is valid and 1 otherwise. Nothing contacts Neon.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from controller.cli.common import EXIT_ERROR, EXIT_OK, CommandError, add_fleet_dir_argument
from controller.spec import DesiredFleet, FleetLoadResult, load_fleet


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `validate` command."""
    parser = subparsers.add_parser(
        "validate",
        help="check plans/, tenants/ and tenantctl.yaml without contacting Neon",
        description=(
            "Load the whole fleet and report every error as path:line:column: message "
            "(exit 1), or print a one-line summary (exit 0). Warnings go to stderr and do "
            "not fail validation. Nothing is sent to Neon."
        ),
    )
    add_fleet_dir_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Validate the fleet in `args.fleet_dir`."""
    result = load_fleet(args.fleet_dir)
    _print_warnings(result)
    if result.fleet is None:
        for error in result.errors:
            print(error)
        print(error_summary(result))
        return EXIT_ERROR
    print(summary(result.fleet))
    return EXIT_OK


def require_valid_fleet(fleet_dir: Path) -> DesiredFleet:
    """For commands that need the fleet: errors go to stderr and the command fails (exit 1)."""
    result = load_fleet(fleet_dir)
    _print_warnings(result)
    if result.fleet is None:
        for error in result.errors:
            print(error, file=sys.stderr)
        raise CommandError(f"{error_summary(result)}; run `tenantctl validate` for details")
    return result.fleet


def error_summary(result: FleetLoadResult) -> str:
    """`3 errors in 2 files`."""
    files = len({error.path for error in result.errors})
    return f"{_count(len(result.errors), 'error')} in {_count(files, 'file')}"


def summary(fleet: DesiredFleet) -> str:
    """`fleet 'example' is valid: 3 plans, 7 tenants (6 active, 1 suspended)`."""
    states = Counter(tenant.state.value for tenant in fleet.tenants.values())
    by_state = ", ".join(f"{count} {state}" for state, count in sorted(states.items()))
    detail = f" ({by_state})" if by_state else ""
    return (
        f"fleet '{fleet.settings.fleet}' is valid: {_count(len(fleet.plans), 'plan')}, "
        f"{_count(len(fleet.tenants), 'tenant')}{detail}"
    )


def _print_warnings(result: FleetLoadResult) -> None:
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
