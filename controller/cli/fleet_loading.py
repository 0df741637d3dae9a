"""Load and validate the fleet before anything talks to an API.

Every command that reaches Neon starts here: an invalid fleet stops the command with every
error listed (`path:line:column: message`) and nothing sent anywhere.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from controller.cli.common import CommandError
from controller.spec import load_fleet
from controller.spec.issues import did_you_mean
from controller.spec.model import DesiredFleet


def load_valid_fleet(fleet_dir: Path) -> DesiredFleet:
    """The validated fleet; errors are printed to stderr and the command fails with exit 1."""
    if not fleet_dir.is_dir():
        raise CommandError(f"fleet directory {fleet_dir} does not exist")
    result = load_fleet(fleet_dir)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if result.errors or result.fleet is None:
        for error in result.errors:
            print(str(error), file=sys.stderr)
        count = len(result.errors)
        raise CommandError(
            f"the fleet in {fleet_dir} has {count} error{'s' if count != 1 else ''}; "
            "nothing was sent to Neon"
        )
    return result.fleet


def checked_targets(fleet: DesiredFleet, targets: Sequence[str] | None) -> frozenset[str] | None:
    """`--target` ids, each checked against the fleet (with a suggestion for typos)."""
    if not targets:
        return None
    for tenant_id in targets:
        if tenant_id not in fleet.tenants:
            hint = did_you_mean(tenant_id, list(fleet.tenants))
            raise CommandError(f"--target {tenant_id}: no such tenant in tenants/{hint}")
    return frozenset(targets)
