"""The change plan: what apply would do, as data that renders, saves and reloads unchanged.

A ChangePlan is the planner's only output. It is versioned (`format_version`) because plan files
are saved in CI and applied later; loading a plan file validates it like any other user input.
Each Action is self-contained: apply executes a saved plan without re-reading the fleet files.
"""

from __future__ import annotations

from collections import Counter
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

FORMAT_VERSION = 2


class ActionKind(StrEnum):
    """What an action does to a tenant's project. Order is the order of execution."""

    CREATE = "create"
    UPDATE = "update"
    SUSPEND = "suspend"
    RESUME = "resume"
    DELETE = "delete"
    CONFLICT = "conflict"


# A FieldChange's target is this, or a compute's endpoint id; its field is a YAML path.
PROJECT_TARGET = "project"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FieldChange(_Frozen):
    """One managed setting going from its live value to the wanted one.

    `field` is the setting's YAML path (`limits.storage`, see `controller.spec.managed`);
    `target` is `project` or the endpoint id of the compute it applies to. `old` and `new` are
    in Neon's encoding (bytes, seconds, CU; a quota of 0 is unlimited). `layer` says which layer
    of the fleet wants the value (`default`, `plan` or `tenant`) and `unit` the unit the user
    wrote it in, so that views show `600h`, not `25d`.
    """

    target: str
    field: str
    old: JsonValue
    new: JsonValue
    layer: str | None = None
    unit: str | None = None


class ComputeSpec(_Frozen):
    """A compute to create: a read replica (read-only, named so tenantctl knows it as its own),
    or, repairing a project tenantctl created, its missing primary (`read_write`, no name)."""

    name: str | None
    compute_type: Literal["read_only", "read_write"] = "read_only"
    min_cu: float
    max_cu: float
    suspend_timeout_seconds: int
    pg_settings: dict[str, str] = Field(default_factory=dict)
    disabled: bool = False


class CreateSpec(_Frozen):
    """Everything needed to create a tenant's project, including its ownership annotations.

    `values` holds every managed setting by YAML path, in Neon's encoding (None: not managed).
    """

    name: str
    values: dict[str, JsonValue]
    annotations: dict[str, str]
    org_id: str | None = None
    suspended: bool = False
    replicas: tuple[ComputeSpec, ...] = ()
    units: dict[str, str] = Field(default_factory=dict)
    layers: dict[str, str] = Field(default_factory=dict)


class Action(_Frozen):
    """One kind of change to one tenant's project, with why and what it would change.

    `plan` is the tenant's pricing plan; `previous_plan` the one its file named at the base
    revision of a pull request (`plan --changed-since`), when the change moves it between plans.

    `fingerprint` digests the live state the action was planned on (a saved plan is stale when
    it no longer matches); `adopted` says the project is bound by the tenant file's project_id
    rather than by tenantctl's ownership mark. An update carries `wanted` (every managed project
    setting, sent whole) and `replicas` to create on `branch_id`; a delete with `endpoint_id`
    removes one read replica, not the project; a delete with `twin_of` removes an untouched
    twin left by racing applies (see `twins`). `effects` name what the action does to running
    computes (restarts, suspensions), so that reviewers see them.
    """

    tenant: str
    kind: ActionKind
    project_id: str | None
    project_name: str
    reason: str
    plan: str | None = None
    previous_plan: str | None = None
    changes: tuple[FieldChange, ...] = ()
    warnings: tuple[str, ...] = ()
    effects: tuple[str, ...] = ()
    blocked: str | None = None
    create: CreateSpec | None = None
    wanted: dict[str, JsonValue] | None = None
    replicas: tuple[ComputeSpec, ...] = ()
    branch_id: str | None = None
    endpoint_id: str | None = None
    twin_of: str | None = None
    fingerprint: str | None = None
    adopted: bool = False

    @property
    def runnable(self) -> bool:
        """Whether apply would carry it out (conflicts and blocked actions never run)."""
        return self.kind is not ActionKind.CONFLICT and self.blocked is None


class Note(_Frozen):
    """Something found and deliberately left alone, shown with the tenant it concerns."""

    tenant: str
    project_id: str | None
    text: str


class Orphan(_Frozen):
    """A managed project whose tenant file is gone: suspended, reported, never deleted.

    `held` says why it is only reported, not suspended.
    """

    project_id: str
    project_name: str
    tenant: str
    held: str | None = None


class FailedOperation(_Frozen):
    """The Neon operation a health problem comes from (its error text is Neon's, untrusted)."""

    operation_id: str
    action: str
    status: str
    error: str | None = None


class HealthIssue(_Frozen):
    """Why a tenant's project is unhealthy, and what to do (see controller.reconcile.health).

    `repair` is True when this plan holds the action that fixes it (apply carries it out).
    """

    tenant: str
    project_id: str
    problem: str
    advice: str
    operation: FailedOperation | None = None
    repair: bool = False


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
    notes: tuple[Note, ...] = ()
    problems: tuple[str, ...] = Field(
        default=(), description="fleet-wide conflicts, each stopping the tenants it names"
    )
    unmanaged_projects: int = 0
    targeted: tuple[str, ...] | None = None
    health: tuple[HealthIssue, ...] = ()
    list_level_only: tuple[str, ...] = Field(
        default=(),
        description=(
            "tenants compared only on what the project list reports (plan --changed-since): "
            "nothing to change there; their computes were not read"
        ),
    )

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
        conflicts = counts[ActionKind.CONFLICT] + len(self.problems)
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
