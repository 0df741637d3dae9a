"""What apply did, tenant by tenant, and the exit code that follows from it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

from controller.reconcile.changeplan import ActionKind


class Outcome(StrEnum):
    APPLIED = "applied"
    FAILED = "failed"
    STALE = "stale"
    BLOCKED = "blocked"
    CONFLICT = "conflict"
    NOT_STARTED = "not_started"  # a staged rollout stopped before its batch (--max-failures)


@dataclass(frozen=True)
class TenantResult:
    """One tenant's outcome: what was attempted and, unless applied, why not."""

    tenant: str
    outcome: Outcome
    kinds: tuple[ActionKind, ...]
    message: str
    project_id: str | None

    def line(self) -> str:
        kinds = ", ".join(k.value for k in self.kinds)
        project = f" ({self.project_id})" if self.project_id else ""
        detail = f": {self.message}" if self.message else ""
        return f"  {self.outcome.value:<9} {self.tenant}{project} [{kinds}]{detail}"


@dataclass(frozen=True)
class ApplyReport:
    results: tuple[TenantResult, ...]

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome is outcome)

    @property
    def ok(self) -> bool:
        """No tenant failed, went stale, stayed in conflict or was left for a later run
        (blocked deletes are fine)."""
        bad = {Outcome.FAILED, Outcome.STALE, Outcome.CONFLICT, Outcome.NOT_STARTED}
        return not any(r.outcome in bad for r in self.results)

    def summary(self) -> str:
        """`Apply: 7 applied, 0 failed, ...` (tenants not started only when there are some)."""
        counts = Counter(r.outcome for r in self.results)
        shown = [o for o in Outcome if o is not Outcome.NOT_STARTED or counts.get(o)]
        parts = ", ".join(f"{counts.get(o, 0)} {o.value.replace('_', ' ')}" for o in shown)
        return f"Apply: {parts}."

    def render(self) -> str:
        lines = [r.line() for r in self.results]
        return "\n".join([*lines, self.summary()]) + "\n"
