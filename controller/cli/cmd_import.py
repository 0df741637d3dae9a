"""`tenantctl import`: bring many existing Neon projects under management at once.

For each project in the org that no fleet manages (no tenantctl mark, not bound, not in the
adoption ledger) and whose name matches `--match`, write a tenant file: an id made from the
project's name (slugified, unique), `project_id`, the project's region and Postgres version
(fixed at creation, so they must be the tenant's), and the given pricing plan; record each
adoption in `adopted.yaml`. Existing files are never overwritten, `--dry-run` writes nothing,
and the fleet is validated again before the files are kept. The next `plan` shows updates
toward the plan, never a create: the projects are the tenants' now.
"""

from __future__ import annotations

import argparse
import asyncio
import fnmatch
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from controller.cli.common import CommandError, add_fleet_dir_argument, write_atomically
from controller.cli.connection import Connection, connect
from controller.cli.fleet_loading import count, require_valid_fleet
from controller.cli.ledger_file import record_adoptions
from controller.cli.reconcile_args import add_emulator_argument, neon_client
from controller.logs import configure_logging
from controller.reconcile.desired import DesiredFleetState, desired_fleet
from controller.reconcile.inventory import unmanaged_projects
from controller.reconcile.observed import ObservedProject
from controller.reconcile.planner import PlanOptions
from controller.reconcile.run import make_plan
from controller.spec import load_fleet
from controller.spec.files import YAML_SUFFIXES
from controller.spec.issues import did_you_mean
from controller.spec.model import DesiredFleet
from controller.untrusted import printable, terminal

MAX_ID_CHARS = 63
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Imported:
    """One tenant file to write: where, for which project, and its text."""

    tenant_id: str
    path: Path
    project: ObservedProject
    text: str


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `import` command."""
    parser = subparsers.add_parser(
        "import",
        help="write a tenant file for each unmanaged project in the org (bulk adoption)",
        description=__doc__,
    )
    parser.add_argument("--plan", metavar="PLAN", help="the imported tenants' pricing plan")
    parser.add_argument(
        "--match", default="*", metavar="GLOB", help="only projects whose name matches (*, ?)"
    )
    parser.add_argument("--dry-run", action="store_true", help="print what would be written")
    add_fleet_dir_argument(parser)
    add_emulator_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    configure_logging(level=logging.WARNING)
    fleet = require_valid_fleet(args.fleet_dir)
    plan = _pricing_plan(fleet, args.plan)
    connection = connect(args.fleet_dir, command="import", emulator_flag=args.emulator)
    desired = desired_fleet(fleet, org_id=connection.settings.org_id)
    candidates = asyncio.run(_unmanaged(connection, desired))
    chosen = [p for p in candidates if fnmatch.fnmatchcase(p.name, args.match)]
    imports = _tenant_files(args.fleet_dir, fleet, chosen, plan)
    verb = "would write" if args.dry_run else "wrote"
    if not args.dry_run:
        _write(args.fleet_dir, fleet, imports)
    for item in imports:
        project = item.project
        print(
            f"{verb} tenants/{item.path.name}: project {project.project_id} "
            f"'{terminal(project.name)}' ({project.values.get('region')}, Postgres "
            f"{project.values.get('pg_version')}), plan {plan}"
        )
    left = len(candidates) - len(chosen)
    print(
        f"{count(len(imports), 'project')} {'to import' if args.dry_run else 'imported'}"
        + (f"; {left} other unmanaged project(s) did not match {args.match!r}" if left else "")
        + ("." if args.dry_run or not imports else "; run `tenantctl plan` to see the updates.")
    )
    return 0


def _pricing_plan(fleet: DesiredFleet, chosen: str | None) -> str:
    if chosen is None:
        if len(fleet.plans) == 1:
            return next(iter(fleet.plans))
        names = ", ".join(fleet.plans) or "none"
        raise CommandError(f"--plan is needed: which pricing plan do they get? (plans: {names})")
    if chosen not in fleet.plans:
        hint = did_you_mean(chosen, list(fleet.plans))
        raise CommandError(f"--plan {printable(chosen)}: no such plan in plans/{hint}")
    return chosen


async def _unmanaged(connection: Connection, desired: DesiredFleetState) -> list[ObservedProject]:
    """The org's unmanaged projects, by name, from a whole-fleet plan's observation."""
    async with neon_client(connection) as client:
        planned = await make_plan(
            client, desired, PlanOptions(), connection.target, marks=connection.mark_cache()
        )
    assert planned.observed is not None
    found = unmanaged_projects(desired, planned.observed)
    return sorted(found, key=lambda p: (p.name, p.project_id))


def slug(name: str, fallback: str) -> str:
    """A tenant id from a project name: lowercase letters, digits and single hyphens, starting
    with a letter, at most 63 characters (`Acme Corp DB` -> `acme-corp-db`)."""
    text = _NOT_SLUG.sub("-", name.lower()).strip("-")
    if not text or not text[0].isalpha():
        text = f"p-{text}" if text else fallback
    return text[:MAX_ID_CHARS].rstrip("-")


def unique(base: str, taken: set[str]) -> str:
    """`base`, or `base-2`, `base-3`... (still at most 63 characters) when it is taken."""
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        suffix = f"-{number}"
        candidate = base[: MAX_ID_CHARS - len(suffix)].rstrip("-") + suffix
    taken.add(candidate)
    return candidate


def _tenant_files(
    fleet_dir: Path, fleet: DesiredFleet, projects: list[ObservedProject], plan: str
) -> list[Imported]:
    folder = fleet_dir / "tenants"
    taken = set(fleet.tenants) | set(fleet.adopted)
    if folder.is_dir():
        taken |= {p.name.rsplit(".", 1)[0] for p in folder.iterdir() if p.suffix in YAML_SUFFIXES}
    schema = (fleet_dir / "schema" / "tenant.json").is_file()
    imports = []
    for project in projects:
        fallback = slug(project.project_id, "imported")
        tenant_id = unique(slug(project.name, fallback), taken)
        text = _tenant_text(project, plan, schema=schema)
        imports.append(Imported(tenant_id, folder / f"{tenant_id}.yaml", project, text))
    return imports


def _tenant_text(project: ObservedProject, plan: str, *, schema: bool) -> str:
    lines = ["# yaml-language-server: $schema=../schema/tenant.json"] if schema else []
    name = printable(project.name).replace("\n", " ")  # a comment stays one line
    lines += [
        f"# Imported by `tenantctl import` from Neon project {name!r} ({project.project_id}).",
        f"plan: {plan}",
        f"region: {project.values.get('region')}",
        f"pg_version: {project.values.get('pg_version')}",
        f"project_id: {project.project_id}",
    ]
    return "\n".join(lines) + "\n"


def _write(fleet_dir: Path, fleet: DesiredFleet, imports: list[Imported]) -> None:
    """Write every file (never over an existing one), record the adoptions, validate; undo all
    of it if the fleet would not validate."""
    if not imports:
        return
    written: list[Path] = []
    try:
        for item in imports:
            if item.path.exists() or item.path.is_symlink():
                raise CommandError(f"{item.path} exists: import never overwrites a file")
            item.path.parent.mkdir(exist_ok=True)
            write_atomically(item.path, item.text)
            written.append(item.path)
        new = {item.tenant_id: item.project.project_id for item in imports}
        ledger = record_adoptions(fleet_dir, fleet.adopted, new)
    except (CommandError, OSError):
        for path in written:
            path.unlink(missing_ok=True)
        raise
    result = load_fleet(fleet_dir)
    if result.errors:
        ledger.undo()
        for path in written:
            path.unlink(missing_ok=True)
        details = "; ".join(str(e) for e in result.errors[:5])
        raise CommandError(f"importing would make the fleet invalid, nothing written: {details}")
