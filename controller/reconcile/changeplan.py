"""The change plan: what apply would do, as data that renders, saves and reloads unchanged.

A ChangePlan is the planner's only output. It is versioned (`format_version`) because plan files
are saved in CI and applied later; loading a plan file validates it like any other user input.
Each Action is self-contained: apply executes a saved plan without re-reading the fleet files.
"""

from __future__ import annotations

import json
from collections import Counter
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

FORMAT_VERSION = 1

JSONScalar = str | int | float | bool | None


class ActionKind(StrEnum):
    """What an action does to a tenant's project. Order is the order of execution."""

    CREATE = "create"
    UPDATE = "update"
    SUSPEND = "suspend"
    RESUME = "resume"
    DELETE = "delete"
    CONFLICT = "conflict"


# A FieldChange's target is this, or an endpoint id; its field is Neon's path on that object.
PROJECT_TARGET = "project"
QUOTA_PREFIX = "settings.quota."
DEFAULTS_PREFIX = "default_endpoint_settings."


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FieldChange(_Frozen):
    """One field going from its live value to the wanted one.

    `target` is `project` or an endpoint id; `field` is Neon's field path on that object.
    `layer` says which layer of the fleet wants the value (default, plan or tenant).
    """

    target: str
    field: str
    old: JSONScalar
    new: JSONScalar
    layer: str | None = None


class ProjectSettings(_Frozen):
    """The project-level settings tenantctl manages, in Neon's encoding (quota 0 = unlimited)."""

    name: str
    quota: dict[str, int]
    min_cu: float
    max_cu: float
    suspend_timeout_seconds: int
    history_retention_seconds: int


class CreateSpec(_Frozen):
    """Everything needed to create a tenant's project, including its ownership annotations."""

    settings: ProjectSettings
    region_id: str
    pg_version: int
    database_name: str
    role_name: str
    annotations: dict[str, str]
    org_id: str | None = None
    suspended: bool = False


class Action(_Frozen):
    """One kind of change to one tenant's project, with why and what it would change.

    `fingerprint` digests the live state the action was planned on (a saved plan is stale when
    it no longer matches); `adopted` says the project is bound by the tenant file's project_id
    rather than by tenantctl's ownership mark.
    """

    tenant: str
    kind: ActionKind
    project_id: str | None
    project_name: str
    reason: str
    changes: tuple[FieldChange, ...] = ()
    warnings: tuple[str, ...] = ()
    blocked: str | None = None
    create: CreateSpec | None = None
    settings: ProjectSettings | None = None
    fingerprint: str | None = None
    adopted: bool = False

    @property
    def runnable(self) -> bool:
        """Whether apply would carry it out (conflicts and blocked actions never run)."""
        return self.kind is not ActionKind.CONFLICT and self.blocked is None


class Orphan(_Frozen):
    """A managed project whose tenant file is gone: suspended, reported, never deleted.

    `held` says why it is only reported, not suspended.
    """

    project_id: str
    project_name: str
    tenant: str
    held: str | None = None


class PlanTarget(_Frozen):
    """Where the plan was made: the Neon API host and org, or the embedded emulator.

    `account` is a one-way digest of the API key: an organisation key names its org without
    NEON_ORG_ID, so two orgs on one host differ only by key. The key itself is never stored.
    """

    host: str
    org_id: str | None = None
    embedded: bool = False
    account: str | None = None

    def describe(self) -> str:
        """One line for the top of every rendering."""
        if self.embedded:
            return f"embedded Neon emulator ({self.host}), not a Neon account"
        org = f", org {self.org_id}" if self.org_id else ""
        return f"Neon API {self.host}{org}"


class ChangePlan(_Frozen):
    """Every action for a fleet, plus what was found and deliberately left alone."""

    format_version: int = FORMAT_VERSION
    fleet: str
    target: PlanTarget | None = None
    actions: tuple[Action, ...] = ()
    in_sync: tuple[str, ...] = Field(default=(), description="tenants with nothing to change")
    orphans: tuple[Orphan, ...] = ()
    unmanaged_projects: int = 0
    targeted: tuple[str, ...] | None = None

    @property
    def has_changes(self) -> bool:
        """True when apply would change something (conflicts and blocked actions excluded)."""
        return any(action.runnable for action in self.actions)

    @property
    def conflicts(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if a.kind is ActionKind.CONFLICT)

    def counts(self) -> dict[ActionKind, int]:
        """Runnable actions per kind, conflicts counted whatever their state."""
        counted = (a.kind for a in self.actions if a.runnable or a.kind is ActionKind.CONFLICT)
        counter = Counter(counted)
        return {kind: counter.get(kind, 0) for kind in ActionKind}

    def blocked(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if a.blocked is not None)

    def summary(self) -> str:
        """`Plan: 2 to create, 5 to update, 1 to suspend, 0 to resume, 0 to delete, 1 conflict.`"""
        counts = self.counts()
        conflicts = counts[ActionKind.CONFLICT]
        text = (
            f"Plan: {counts[ActionKind.CREATE]} to create, {counts[ActionKind.UPDATE]} to update, "
            f"{counts[ActionKind.SUSPEND]} to suspend, {counts[ActionKind.RESUME]} to resume, "
            f"{counts[ActionKind.DELETE]} to delete, {conflicts} conflict"
            f"{'' if conflicts == 1 else 's'}."
        )
        blocked = len(self.blocked())
        return f"{text} {blocked} blocked." if blocked else text

    def to_json_dict(self) -> dict[str, Any]:
        """The documented machine format (see docs/plan-format.md)."""
        data = self.model_dump(mode="json")
        data["summary"] = {kind.value: n for kind, n in self.counts().items()}
        data["summary"]["blocked"] = len(self.blocked())
        data["has_changes"] = self.has_changes
        return data


class PlanFileError(ValueError):
    """A saved plan file that cannot be applied: not JSON, another version, or malformed."""


def load_plan_json(text: str, *, source: str) -> ChangePlan:
    """Parse a saved plan, rejecting other format versions with a clear message."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        where = f"{source}:{error.lineno}:{error.colno}"
        raise PlanFileError(f"{where}: not JSON: {error.msg}") from None
    if not isinstance(data, dict):
        found = type(data).__name__
        raise PlanFileError(f"{source}: a plan file holds a JSON object, found {found}")
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise PlanFileError(
            f"{source}: plan format_version {version!r} is not supported "
            f"(this tenantctl reads version {FORMAT_VERSION}); make the plan again"
        )
    for derived in ("summary", "has_changes"):
        data.pop(derived, None)
    try:
        return ChangePlan.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
            for problem in error.errors(include_url=False)[:5]
        )
        raise PlanFileError(f"{source}: not a valid tenantctl plan: {problems}") from None
