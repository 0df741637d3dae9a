"""`tenantctl show TENANT`: a tenant's effective settings and the layer that set each one.

Answers "why does this tenant get 4 CU?": every resolved value is printed with `default`
(Neon's), `plan <name>` or `tenant` beside it. `--format json` gives plain bytes and seconds
for scripts (schema in docs/fleet-yaml.md). The fleet must validate first.
"""

from __future__ import annotations

import argparse
import json

from controller.cli.common import EXIT_OK, CommandError, add_fleet_dir_argument
from controller.cli.fleet_loading import require_valid_fleet
from controller.spec import DesiredFleet, ResolvedTenant
from controller.spec.display import settings_rows, tenant_document
from controller.spec.issues import did_you_mean, printable


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `show` command."""
    parser = subparsers.add_parser(
        "show",
        help="print a tenant's effective settings and which layer set each",
        description=(
            "Print the tenant's resolved settings (Neon's defaults, then its plan, then its "
            "own file) and, for each value, the layer that set it."
        ),
    )
    parser.add_argument("tenant", metavar="TENANT", help="tenant id (its file in tenants/)")
    add_fleet_dir_argument(parser)
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text for people (default), json for scripts",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Show one tenant of the fleet in `args.fleet_dir`."""
    fleet = require_valid_fleet(args.fleet_dir)
    tenant = _find(fleet, args.tenant)
    source = fleet.source_of(tenant.id)
    if args.format == "json":
        document = tenant_document(tenant, source, fleet.settings.fleet)
        print(json.dumps(document, indent=2))
    else:
        print(render_text(fleet, tenant))
    return EXIT_OK


def render_text(fleet: DesiredFleet, tenant: ResolvedTenant) -> str:
    """The text form: a short header, then one aligned row per setting."""
    binding = (
        f"bound by project_id {tenant.project_id}"
        if tenant.project_id
        else "found by its ownership mark or name"
    )
    header = [
        f"tenant   {tenant.id}  ({fleet.source_of(tenant.id)})",
        f"plan     {tenant.plan}",
        f"project  {tenant.project_name}  ({binding})",
        f"fleet    {fleet.settings.fleet}",
        "(the fleet's files only: `tenantctl status` reads the live project)",
        "",
    ]
    rows = [("SETTING", "VALUE", "SET BY"), *settings_rows(tenant)]
    widths = [max(len(row[column]) for row in rows) for column in range(2)]
    lines = [f"{path:<{widths[0]}}  {value:<{widths[1]}}  {layer}" for path, value, layer in rows]
    return "\n".join(header + lines)


def _find(fleet: DesiredFleet, tenant_id: str) -> ResolvedTenant:
    tenant = fleet.tenants.get(tenant_id)
    if tenant is None:
        hint = did_you_mean(tenant_id, list(fleet.tenants))
        raise CommandError(f"no tenant '{printable(tenant_id)}' in tenants/{hint}")
    return tenant
