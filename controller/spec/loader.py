"""`load_fleet`: the whole fleet directory, read, checked and resolved in one pass.

This is the only function of the spec package that touches the file system. It never stops at
the first problem: every file is read and checked on its own, then the checks that span files
(file names against ids, duplicate ids, missing plans, shared project ids) run on whatever could
be salvaged, and the fleet is returned only when nothing at all is wrong. Issues come back
sorted by file and position, so the output does not depend on the order files were found in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel

from controller.spec import neon_rules as neon
from controller.spec.crosscheck import check_settings
from controller.spec.documents import PlanFile, SettingsFile, TenantFile
from controller.spec.fields import SLUG_PATTERN, SLUG_RULE
from controller.spec.files import (
    FleetFile,
    Folder,
    find_root_file,
    find_settings_file,
    read_text,
    scan_folder,
)
from controller.spec.issues import SpecIssue, did_you_mean, printable, shorten, sort_key
from controller.spec.ledger import LEDGER_FILE, LedgerEntry, parse_ledger
from controller.spec.model import (
    DesiredFleet,
    FleetLoadResult,
    FleetSettings,
    Layer,
    ResolvedTenant,
    frozen_mapping,
)
from controller.spec.resolve import (
    PlanSource,
    Setting,
    TenantSource,
    build_plan,
    build_tenant,
    plan_layer,
    resolve_settings,
)
from controller.spec.validation import validate_document
from controller.spec.yaml_source import Position, YamlDocument, parse_yaml

M = TypeVar("M", bound=BaseModel)

_EMPTY_HINTS = {
    PlanFile: "a plan file holds a mapping such as `description: Free plan`",
    TenantFile: "a tenant file needs at least `plan: <name of a file in plans/>`",
    SettingsFile: "remove it, or set a key such as `fleet: <name>`",
}


@dataclass
class _Collector:
    errors: list[SpecIssue] = field(default_factory=list)
    warnings: list[SpecIssue] = field(default_factory=list)

    def error(self, path: str, position: Position | None, message: str) -> None:
        line, column = (position.line, position.column) if position else (None, None)
        self.errors.append(SpecIssue(path, line, column, message))


@dataclass(frozen=True, slots=True)
class _Binding:
    """A tenant file's `project_id`, and where it is written."""

    path: str
    project_id: str | None
    position: Position


@dataclass(frozen=True, slots=True)
class _Checked(Generic[M]):
    """A file read and validated: its model (None if unusable) and whether it was clean."""

    file: FleetFile
    document: YamlDocument | None
    model: M | None
    clean: bool


def load_fleet(fleet_dir: Path) -> FleetLoadResult:
    """Read, validate and resolve the fleet under `fleet_dir` (plans/, tenants/, tenantctl.yaml)."""
    out = _Collector()
    root = _fleet_root(fleet_dir, out)
    if root is None:
        return FleetLoadResult(None, tuple(out.errors), ())
    settings, prefix_position = _load_settings(root, out)
    plans_folder, tenants_folder = scan_folder(root, "plans"), scan_folder(root, "tenants")
    if not plans_folder.exists and not tenants_folder.exists:
        message = f"no plans/ or tenants/ directory in {printable(str(fleet_dir))}"
        out.error(".", None, f"{message}; is this a fleet directory?")
    for folder in (plans_folder, tenants_folder):
        out.errors.extend(folder.errors)
        out.warnings.extend(folder.warnings)
    plans, unusable_plans = _load_plans(plans_folder, out)
    bindings: dict[str, _Binding] = {}
    tenants, sources = _load_tenants(tenants_folder, plans, unusable_plans, settings, out, bindings)
    _check_project_names(settings, sources, prefix_position, out)
    ledger = _load_ledger(root, out)
    _check_ledger(ledger, bindings, sources, out)
    errors = tuple(sorted(set(out.errors), key=sort_key))
    warnings = tuple(sorted(set(out.warnings), key=sort_key))
    if errors:
        return FleetLoadResult(None, errors, warnings)
    fleet = DesiredFleet(
        settings=settings,
        plans=frozen_mapping({name: build_plan(source) for name, source in plans.items()}),
        tenants=frozen_mapping(tenants),
        sources=frozen_mapping(sources),
        adopted=frozen_mapping({t: entry.project_id for t, entry in ledger.items()}),
    )
    return FleetLoadResult(fleet, (), warnings)


def _fleet_root(fleet_dir: Path, out: _Collector) -> Path | None:
    try:
        root = fleet_dir.resolve(strict=True)
    except (OSError, RuntimeError):
        out.error(printable(str(fleet_dir)), None, "fleet directory does not exist")
        return None
    if not root.is_dir():
        out.error(printable(str(fleet_dir)), None, "fleet directory is not a directory")
        return None
    return root


def _load_settings(root: Path, out: _Collector) -> tuple[FleetSettings, Position | None]:
    file, issues = find_settings_file(root)
    out.errors.extend(issues)
    if file is None:
        return FleetSettings(), None
    checked = _check_file(file, SettingsFile, "fleet settings", out)
    if checked.model is None or checked.document is None:
        return FleetSettings(), None
    model = checked.model
    position = checked.document.position_of(("project_name_prefix",))
    declared = "fleet" in model.model_fields_set
    return FleetSettings(model.project_name_prefix, model.fleet, declared), position


def _load_plans(folder: Folder, out: _Collector) -> tuple[dict[str, PlanSource], set[str]]:
    """Plans that validated cleanly, and the names of plans that exist but cannot be used."""
    usable: dict[str, PlanSource] = {}
    unusable: set[str] = set()
    paths: dict[str, str] = {}
    for file in folder.files:
        checked = _check_file(file, PlanFile, "plan settings", out)
        name = file.stem
        given = checked.model.name if checked.model is not None else None
        clean = _check_name(checked, given, "name", "plan name", out) and checked.clean
        if name in paths:
            message = f"plan '{printable(name)}' is also defined in {printable(paths[name])}"
            out.error(file.path, Position(1, 1), message)
            usable.pop(name, None)
            unusable.add(name)
            continue
        paths[name] = file.path
        if not clean or checked.model is None or checked.document is None:
            unusable.add(name)
            continue
        source = PlanSource(name, file.path, checked.document, checked.model)
        findings = check_settings(resolve_settings(source, None), Layer.PLAN)
        out.errors.extend(findings.errors)
        out.warnings.extend(findings.warnings)
        usable[name] = source
    return usable, unusable


def _load_tenants(
    folder: Folder,
    plans: dict[str, PlanSource],
    unusable_plans: set[str],
    settings: FleetSettings,
    out: _Collector,
    bindings: dict[str, _Binding],
) -> tuple[dict[str, ResolvedTenant], dict[str, str]]:
    tenants: dict[str, ResolvedTenant] = {}
    sources: dict[str, str] = {}
    project_ids: dict[str, str] = {}
    layers: dict[str, dict[str, Setting]] = {}  # each plan's layer, computed once
    for file in folder.files:
        checked = _check_file(file, TenantFile, "tenant settings", out)
        given = checked.model.id if checked.model is not None else None
        clean = _check_name(checked, given, "id", "tenant id", out) and checked.clean
        tenant_id = file.stem
        if tenant_id in sources:
            first = printable(sources[tenant_id])
            message = f"tenant id '{printable(tenant_id)}' is also used by {first}"
            out.error(file.path, Position(1, 1), message)
            tenants.pop(tenant_id, None)
            continue
        sources[tenant_id] = file.path
        model, document = checked.model, checked.document
        if model is None or document is None:
            continue
        clean = _check_plan_ref(model, document, file, plans, unusable_plans, out) and clean
        clean = _check_project_id(model, document, file, tenant_id, project_ids, out) and clean
        at = document.position_of(("project_id",))
        bindings[tenant_id] = _Binding(file.path, model.project_id, at)
        if clean and model.plan in plans:
            source = TenantSource(tenant_id, file.path, document, model)
            plan = plans[model.plan]
            if plan.name not in layers:
                layers[plan.name] = plan_layer(plan)
            resolved = _resolve_tenant(source, plan, layers[plan.name], settings, out)
            if resolved is not None:
                tenants[tenant_id] = resolved
    return tenants, sources


def _resolve_tenant(
    source: TenantSource,
    plan: PlanSource,
    layer: dict[str, Setting],
    settings: FleetSettings,
    out: _Collector,
) -> ResolvedTenant | None:
    resolved_settings = resolve_settings(plan, source, layer=layer)
    findings = check_settings(resolved_settings, Layer.TENANT)
    out.errors.extend(findings.errors)
    out.warnings.extend(findings.warnings)
    if findings.errors:
        return None
    return build_tenant(source, resolved_settings, settings.project_name_prefix + source.id)


def _check_file(file: FleetFile, model: type[M], what: str, out: _Collector) -> _Checked[M]:
    """Read, parse and validate one file, recording every problem."""
    text = read_text(file)
    if isinstance(text, SpecIssue):
        out.errors.append(text)
        return _Checked(file, None, None, clean=False)
    parsed = parse_yaml(text, file.path) if text.strip() else None
    if parsed is None or (parsed.document is None and not parsed.issues):
        what = "is empty" if parsed is None else "holds only comments"
        out.error(file.path, Position(1, 1), f"file {what}; {_EMPTY_HINTS[model]}")
        return _Checked(file, None, None, clean=False)
    out.errors.extend(parsed.issues)
    if parsed.document is None:
        return _Checked(file, None, None, clean=False)
    validated, issues = validate_document(model, parsed.document, file.path, what)
    out.errors.extend(issues)
    return _Checked(file, parsed.document, validated, clean=not parsed.issues and not issues)


def _check_name(
    checked: _Checked[M], given: str | None, key: str, what: str, out: _Collector
) -> bool:
    """The file name and the `id`/`name` inside agree, and make a valid name."""
    file = checked.file
    if given is not None and given != file.stem and checked.document is not None:
        position = checked.document.position_of((key,))
        message = (
            f"{key}: '{given}' does not match the file name "
            f"'{printable(file.name)}'; "
            f"rename the file to {given}.yaml or change the {key}"
        )
        out.error(file.path, position, message)
        return False
    if given is None and not re.fullmatch(SLUG_PATTERN, file.stem):
        message = f"file name '{printable(file.stem)}' is not a valid {what}: {SLUG_RULE}"
        out.error(file.path, Position(1, 1), message)
        return False
    return True


def _check_plan_ref(
    model: TenantFile,
    document: YamlDocument,
    file: FleetFile,
    plans: dict[str, PlanSource],
    unusable_plans: set[str],
    out: _Collector,
) -> bool:
    if model.plan in plans or model.plan in unusable_plans:
        return True
    known = sorted({*plans, *unusable_plans})  # file stems: escaped, they may be anything
    listing = f" (plans: {', '.join(map(printable, known))})" if known else " (there are no plans)"
    hint = did_you_mean(model.plan, known)
    message = f"plan: no plan named '{shorten(model.plan)}' in plans/{hint}{listing}"
    out.error(file.path, document.position_of(("plan",)), message)
    return False


def _check_project_id(
    model: TenantFile,
    document: YamlDocument,
    file: FleetFile,
    tenant_id: str,
    seen: dict[str, str],
    out: _Collector,
) -> bool:
    if model.project_id is None:
        return True
    if model.project_id in seen:
        message = (
            f"project_id: project '{model.project_id}' is already bound to tenant "
            f"{seen[model.project_id]}; a project belongs to one tenant"
        )
        out.error(file.path, document.position_of(("project_id",)), message)
        return False
    seen[model.project_id] = f"'{printable(tenant_id)}' ({printable(file.path)})"
    return True


def _check_project_names(
    settings: FleetSettings,
    tenant_ids: Iterable[str],
    prefix_position: Position | None,
    out: _Collector,
) -> None:
    """Prefix + id must fit Neon's project name length; reported once, at the prefix.

    Checked on every tenant file's id, resolved or not, so that the error shows up in the same
    run as the tenants' own errors."""
    prefix = settings.project_name_prefix
    longest = max(tenant_ids, key=lambda tenant_id: (len(tenant_id), tenant_id), default=None)
    if longest is None or len(prefix + longest) <= neon.PROJECT_NAME_MAX_CHARS:
        return
    message = (
        f"project_name_prefix: tenant '{printable(longest)}' would get a project name of "
        f"{len(prefix + longest)} characters; Neon allows at most "
        f"{neon.PROJECT_NAME_MAX_CHARS}"
    )
    out.error("tenantctl.yaml", prefix_position, message)


def _load_ledger(root: Path, out: _Collector) -> dict[str, LedgerEntry]:
    """`adopted.yaml` (see controller.spec.ledger); empty when there is none."""
    file, issues = find_root_file(root, LEDGER_FILE)
    out.errors.extend(issues)
    if file is None:
        return {}
    text = read_text(file)
    if isinstance(text, SpecIssue):
        out.errors.append(text)
        return {}
    entries, problems = parse_ledger(text)
    out.errors.extend(problems)
    return entries


def _check_ledger(
    ledger: dict[str, LedgerEntry],
    bindings: dict[str, _Binding],
    sources: dict[str, str],
    out: _Collector,
) -> None:
    """The ledger and the tenant files agree: a recorded tenant whose file exists binds the
    same project, and no project is recorded for one tenant but bound by another's file.
    A `project_id` the ledger does not record is a warning: it would be forgotten with its file.
    """
    bound_by = {b.project_id: tenant_id for tenant_id, b in bindings.items() if b.project_id}
    for tenant_id, entry in ledger.items():
        release = f"or remove this line to release project {entry.project_id}"
        other = bound_by.get(entry.project_id)
        binding = bindings.get(tenant_id)
        if other is not None and other != tenant_id:
            message = (
                f"{tenant_id}: project {entry.project_id} is recorded for this tenant but "
                f"bound to tenant '{printable(other)}' by {printable(bindings[other].path)}"
            )
        elif binding is not None and binding.project_id is None:
            message = (
                f"{tenant_id}: project {entry.project_id} is recorded as adopted, but "
                f"{printable(sources[tenant_id])} has no project_id; put "
                f"`project_id: {entry.project_id}` back in it, {release}"
            )
        elif binding is not None and binding.project_id != entry.project_id:
            message = (
                f"{tenant_id}: project {entry.project_id} is recorded as adopted, but "
                f"{printable(binding.path)} binds project {binding.project_id}; make them "
                f"agree (tenantctl adopt writes both), {release}"
            )
        else:
            continue
        out.error(LEDGER_FILE, entry.position, message)
    _warn_unrecorded(ledger, bindings, out)


def _warn_unrecorded(
    ledger: dict[str, LedgerEntry], bindings: dict[str, _Binding], out: _Collector
) -> None:
    """A `project_id` the ledger does not record would be forgotten with its file."""
    if out.errors:
        return  # the warning is about what a valid fleet would forget later
    for tenant_id, binding in bindings.items():
        if binding.project_id is not None and tenant_id not in ledger:
            message = (
                f"project_id: project {binding.project_id} is not recorded in {LEDGER_FILE}, "
                "so tenantctl would forget it (not suspend it) if this file were removed; "
                f"record it with `tenantctl adopt {tenant_id} --project-id {binding.project_id}`"
            )
            out.warnings.append(
                SpecIssue(binding.path, binding.position.line, binding.position.column, message)
            )
