"""`tenantctl validate`: check the whole fleet's YAML, offline, and report every error at once.

Errors go to stdout as `path:line:column: message` (like a linter's findings), warnings to
stderr (one of them: `.tenantctl/` exists and git would commit it); the exit code is 0 when
the fleet is valid and 1 otherwise. Nothing contacts Neon.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from controller.cli.common import EXIT_ERROR, EXIT_OK, add_fleet_dir_argument
from controller.cli.fleet_loading import count, error_summary, print_warnings
from controller.cli.state_dir import unignored_state_dir
from controller.spec import DesiredFleet, load_fleet


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
    print_warnings(result)
    unignored = unignored_state_dir(args.fleet_dir)
    if unignored is not None:
        print(f"warning: {unignored}", file=sys.stderr)
    if result.fleet is None:
        for error in result.errors:
            print(error)
        print(error_summary(result))
        return EXIT_ERROR
    print(summary(result.fleet))
    return EXIT_OK


def summary(fleet: DesiredFleet) -> str:
    """`fleet 'example' is valid: 3 plans, 7 tenants (6 active, 1 suspended)`."""
    states = Counter(tenant.state.value for tenant in fleet.tenants.values())
    by_state = ", ".join(f"{n} {state}" for state, n in sorted(states.items()))
    detail = f" ({by_state})" if by_state else ""
    return (
        f"fleet '{fleet.settings.fleet}' is valid: {count(len(fleet.plans), 'plan')}, "
        f"{count(len(fleet.tenants), 'tenant')}{detail}"
    )
