"""The adoption ledger, `adopted.yaml`: which tenant adopted which Neon project, kept in git.

Why this exists: a project tenantctl creates carries an ownership mark on its root branch, so it
is recognised even after its tenant file is removed (suspended and reported as orphaned, never
forgotten). An adopted project cannot be marked: Neon never changes a branch's annotations
after creation. Its only binding is the tenant file's `project_id`, which disappears with the
file. The ledger records every adoption at the fleet root, machine-written by `tenantctl adopt`
and `tenantctl import`, so that the binding outlives the tenant file: the planner treats a
project listed here like one carrying that tenant's mark.

The file is a flat mapping `tenant id: project id`, sorted, under a header comment saying what it
is and how to release a project. It is read like every fleet file (bounded, positions kept) and
checked against the tenant files by the loader.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from controller.spec import neon_rules as neon
from controller.spec.fields import SLUG_PATTERN, SLUG_RULE
from controller.spec.issues import SpecIssue, describe_type, printable, shorten
from controller.spec.yaml_source import Position, YamlDocument, parse_yaml

LEDGER_FILE = "adopted.yaml"
HEADER = """\
# adopted.yaml: Neon projects this fleet adopted, as `tenant id: project id`.
# Machine-written by `tenantctl adopt` and `tenantctl import`; keep it in git, sorted as written.
# An adopted project carries no ownership mark (Neon cannot annotate an existing project), so
# this file is how tenantctl still knows it when its tenant file is removed: the project is
# then suspended and reported as orphaned, never deleted.
# To release a project (tenantctl stops managing it and never touches it again): delete its
# line here, and its tenant file or the `project_id` in it, in the same commit.
"""


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One adoption: the tenant, its project, and where the line is (for messages)."""

    tenant_id: str
    project_id: str
    position: Position


def parse_ledger(text: str) -> tuple[dict[str, LedgerEntry], list[SpecIssue]]:
    """The entries of `adopted.yaml`'s text, and every problem with it (path:line:column)."""
    parsed = parse_yaml(text, LEDGER_FILE) if text.strip() else None
    if parsed is None:
        return {}, []
    if parsed.document is None:
        return {}, list(parsed.issues)
    return _entries(parsed.document)


def _entries(document: YamlDocument) -> tuple[dict[str, LedgerEntry], list[SpecIssue]]:
    data = document.data
    if not isinstance(data, dict):
        where = document.position_of(())
        message = (
            f"expected a mapping of tenant ids to Neon project ids, found {describe_type(data)}"
        )
        return {}, [SpecIssue(LEDGER_FILE, where.line, where.column, message)]
    entries: dict[str, LedgerEntry] = {}
    issues: list[SpecIssue] = []
    claimed: dict[str, str] = {}
    for tenant_id, project_id in data.items():
        key_at = document.key_position_of((tenant_id,))
        value_at = document.position_of((tenant_id,))
        problem = _problem(tenant_id, project_id, claimed)
        if problem is not None:
            at = key_at if problem.startswith("tenant id") else value_at
            issues.append(SpecIssue(LEDGER_FILE, at.line, at.column, problem))
            continue
        claimed[project_id] = tenant_id
        entries[tenant_id] = LedgerEntry(tenant_id, project_id, value_at)
    return entries, issues


def _problem(tenant_id: str, project_id: object, claimed: Mapping[str, str]) -> str | None:
    if not re.fullmatch(SLUG_PATTERN, tenant_id):
        return f"tenant id '{shorten(tenant_id)}' is not valid: {SLUG_RULE}"
    if not isinstance(project_id, str):
        return f"{tenant_id}: expected a Neon project id, found {describe_type(project_id)}"
    if not re.fullmatch(neon.PROJECT_ID_PATTERN, project_id):
        return (
            f"{tenant_id}: '{shorten(project_id)}' is not a Neon project id: lowercase letters, "
            "digits and hyphens, 1 to 60 characters"
        )
    if project_id in claimed:
        return (
            f"{tenant_id}: project {project_id} is already recorded for tenant "
            f"'{printable(claimed[project_id])}'; a project belongs to one tenant"
        )
    return None


def render_ledger(entries: Mapping[str, str]) -> str:
    """The whole file for these adoptions (tenant id -> project id): header, then sorted lines."""
    lines = [f"{tenant_id}: {_scalar(entries[tenant_id])}" for tenant_id in sorted(entries)]
    return HEADER + "".join(f"{line}\n" for line in lines)


def _scalar(project_id: str) -> str:
    """The id as YAML text: plain unless the plain form would read as a number or a keyword."""
    parsed = parse_yaml(f"x: {project_id}\n", LEDGER_FILE)
    plain_is_text = parsed.document is not None and parsed.document.data == {"x": project_id}
    return project_id if plain_is_text else f'"{project_id}"'
