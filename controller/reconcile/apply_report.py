"""What apply did, tenant by tenant and action by action, and the exit code that follows.

The same report is a line per tenant for people (printed as each tenant finishes) and a
versioned JSON document for CI jobs (`apply --format json`, `--report FILE`; documented in
docs/plan-format.md), so that a job parses results instead of logs. Counts are per action,
like the plan's: a blocked delete is counted blocked, never applied.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from controller.reconcile.changeplan import ActionKind, PlanTarget
from controller.untrusted import terminal

REPORT_FORMAT_VERSION = 1


class Outcome(StrEnum):
    APPLIED = "applied"
    ALREADY_APPLIED = "already_applied"  # a saved plan re-run: live already as planned
    FAILED = "failed"
    STALE = "stale"
    BLOCKED = "blocked"
    CONFLICT = "conflict"
    NOT_STARTED = "not_started"  # left for a later run: a staged rollout stopped, or a stop


BAD_OUTCOMES = frozenset({Outcome.FAILED, Outcome.STALE, Outcome.CONFLICT, Outcome.NOT_STARTED})


@dataclass(frozen=True)
class TenantResult:
    """One tenant's outcome: what was attempted and, unless applied, why not.

    `blocked` lists the kinds of the tenant's actions that did not run because they were not
    permitted (a delete without --allow-delete) while the others were applied.
    """

    tenant: str
    outcome: Outcome
    kinds: tuple[ActionKind, ...]
    message: str
    project_id: str | None
    blocked: tuple[ActionKind, ...] = ()

    def action_outcomes(self) -> list[tuple[ActionKind, Outcome]]:
        """Each action's outcome: the tenant's, except its blocked actions."""
        remaining = list(self.blocked)
        outcomes = []
        for kind in self.kinds:
            if kind in remaining:
                remaining.remove(kind)
                outcomes.append((kind, Outcome.BLOCKED))
            else:
                outcomes.append((kind, self.outcome))
        return outcomes

    def line(self) -> str:
        kinds = ", ".join(k.value for k in self.kinds)
        project = f" ({self.project_id})" if self.project_id else ""
        detail = f": {self.message}" if self.message else ""
        return terminal(f"  {self.outcome.value:<9} {self.tenant}{project} [{kinds}]{detail}")

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "project_id": self.project_id,
            "outcome": self.outcome.value,
            "message": self.message,
            "actions": [
                {"kind": kind.value, "outcome": outcome.value}
                for kind, outcome in self.action_outcomes()
            ],
        }


@dataclass(frozen=True)
class ApplyReport:
    results: tuple[TenantResult, ...]

    def count(self, outcome: Outcome) -> int:
        """Actions with this outcome."""
        return sum(1 for r in self.results for _, o in r.action_outcomes() if o is outcome)

    @property
    def ok(self) -> bool:
        """No tenant failed, went stale, stayed in conflict or was left for a later run
        (blocked deletes are fine)."""
        return not any(r.outcome in BAD_OUTCOMES for r in self.results)

    def summary(self) -> str:
        """`Apply: 5 applied, 1 failed, ... (counting actions)`; zero counts of rare outcomes
        (already applied, not started) are left out."""
        counts = Counter(o for r in self.results for _, o in r.action_outcomes())
        rare = {Outcome.ALREADY_APPLIED, Outcome.NOT_STARTED}
        parts = [
            f"{counts.get(o, 0)} {o.value.replace('_', ' ')}"
            for o in Outcome
            if o not in rare or counts.get(o)
        ]
        return f"Apply: {', '.join(parts)}."

    def render(self) -> str:
        lines = [r.line() for r in self.results]
        return "\n".join([*lines, self.summary()]) + "\n"

    def to_json_dict(
        self, *, fleet: str, target: PlanTarget | None, problems: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """The documented machine format of an apply (see docs/plan-format.md); fleet-wide
        `problems` of the plan (each stopping the tenants it names) make it not ok."""
        counts = Counter(o for r in self.results for _, o in r.action_outcomes())
        return {
            "format_version": REPORT_FORMAT_VERSION,
            "fleet": fleet,
            "target": target.model_dump(mode="json") if target else None,
            "ok": self.ok and not problems,
            "problems": list(problems),
            "summary": {o.value: counts.get(o, 0) for o in Outcome},
            "results": [r.to_json_dict() for r in self.results],
        }
