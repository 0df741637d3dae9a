"""Load and validate the fleet before anything talks to an API.

Every command that needs the fleet starts here: an invalid fleet stops the command with every
error listed (`path:line:column: message`) and nothing sent anywhere.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from controller.cli.common import CommandError
from controller.spec import DesiredFleet, FleetLoadResult, load_fleet
from controller.spec.issues import did_you_mean


def require_valid_fleet(fleet_dir: Path) -> DesiredFleet:
    """The validated fleet; errors go to stderr and the command fails (exit 1)."""
    result = load_fleet(fleet_dir)
    print_warnings(result)
    if result.fleet is None:
        for error in result.errors:
            print(error, file=sys.stderr)
        raise CommandError(f"{error_summary(result)}; run `tenantctl validate` for details")
    return result.fleet


def print_warnings(result: FleetLoadResult) -> None:
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)


def error_summary(result: FleetLoadResult) -> str:
    """`3 errors in 2 files`."""
    files = len({error.path for error in result.errors})
    return f"{count(len(result.errors), 'error')} in {count(files, 'file')}"


def count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def checked_targets(fleet: DesiredFleet, targets: Sequence[str] | None) -> frozenset[str] | None:
    """`--target` ids, each checked against the fleet (with a suggestion for typos)."""
    if not targets:
        return None
    for tenant_id in targets:
        if tenant_id not in fleet.tenants:
            hint = did_you_mean(tenant_id, list(fleet.tenants))
            raise CommandError(f"--target {tenant_id}: no such tenant in tenants/{hint}")
    return frozenset(targets)
