"""`tenantctl schema`: print the JSON Schema of plan, tenant or fleet settings files.

Editors that speak yaml-language-server complete and check fleet files against it; the example
files point to the committed copies in schema/ with a `# yaml-language-server: $schema=...`
comment. Regenerate those with `tenantctl schema --kind plan > schema/plan.json` (and tenant,
fleet); a test fails when they drift from the models.
"""

from __future__ import annotations

import argparse
import sys

from controller.cli.common import EXIT_OK
from controller.spec.schema import SCHEMA_KINDS, render_schema


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `schema` command."""
    parser = subparsers.add_parser(
        "schema",
        help="print the JSON Schema of fleet files (for editors)",
        description=(
            "Print the JSON Schema (draft 2020-12) of one kind of fleet file, or with "
            "--kind all (the default) one JSON object keyed by kind."
        ),
    )
    parser.add_argument(
        "--kind",
        choices=(*SCHEMA_KINDS, "all"),
        default="all",
        help="plan (plans/*.yaml), tenant (tenants/*.yaml), fleet (tenantctl.yaml), or all",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the schema to stdout."""
    sys.stdout.write(render_schema(args.kind))
    return EXIT_OK
