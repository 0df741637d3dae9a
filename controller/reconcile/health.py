"""Project health: a project can match the fleet setting by setting and still not work (pure).

Why this exists: a create that failed half-way leaves a project whose branch or compute is stuck
in `init`, or one with no read-write compute at all; Neon suspends every compute of a project
that reached a consumption limit. None of that is a settings difference, so the diff alone would
say "No changes". This module looks at what planning reads anyway (the project list's active
time, each matched project's computes) for signs of trouble, asks for more reads only where it
sees one (the project's recent operations, its usage counters: `missing_observations`), and
says what is wrong, with the failed operation and what to do. Where apply can safely finish the
missing step on a project tenantctl created (create its missing primary compute), the analysis
returns that action.

Argo CD keeps health apart from sync status in the same way: "in sync" and "healthy" are two
answers, and both are shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from controller.reconcile.changeplan import (
    ActionKind,
    ComputeSpec,
    FailedOperation,
    HealthIssue,
)
from controller.reconcile.diff import ChangeGroup, wants_disabled
from controller.reconcile.observed import (
    ObservedEndpoint,
    ObservedFleet,
    ObservedOperation,
    ObservedProject,
    ObservedUsage,
)
from controller.spec.managed import QUOTAS, SUSPENDS_COMPUTES, ManagedField
from controller.spec.model import ResolvedTenant, TenantState

INIT = "init"
ACTIVE = "active"
READ_WRITE = "read_write"
RUNNING_STATUSES = frozenset({"scheduling", "running", "cancelling"})
FAILED_STATUSES = frozenset({"failed", "error"})
CREATE_TIMELINE = "create_timeline"
MAX_CU = 16.0  # Neon's largest compute: compute time can never exceed active time x this


@dataclass(frozen=True)
class HealthCheck:
    """One project's health: issues found, reads still needed, and a repair apply can make."""

    issues: tuple[HealthIssue, ...] = ()
    needs_operations: bool = False
    needs_usage: bool = False
    repair: ChangeGroup | None = None


def check_health(
    tenant: ResolvedTenant,
    project: ObservedProject,
    endpoints: tuple[ObservedEndpoint, ...],
    observed: ObservedFleet,
    *,
    created_by_tenantctl: bool,
) -> HealthCheck:
    """The health of a matched tenant's project (see the module docstring)."""
    setup = _setup_check(tenant, project, endpoints, observed, created=created_by_tenantctl)
    quota = _quota_check(tenant, project, endpoints, observed)
    return HealthCheck(
        issues=setup.issues + quota.issues,
        needs_operations=setup.needs_operations,
        needs_usage=quota.needs_usage,
        repair=setup.repair,
    )


def _setup_check(
    tenant: ResolvedTenant,
    project: ObservedProject,
    endpoints: tuple[ObservedEndpoint, ...],
    observed: ObservedFleet,
    *,
    created: bool,
) -> HealthCheck:
    """A create that did not finish: computes stuck in `init`, or no read-write compute."""
    stuck = [e for e in endpoints if e.current_state == INIT]
    primary = any(e.type == READ_WRITE for e in endpoints)
    if not stuck and primary:
        return HealthCheck()
    operations = observed.operations.get(project.project_id)
    if operations is None:
        return HealthCheck(needs_operations=True)
    if any(op.status in RUNNING_STATUSES for op in operations):
        return HealthCheck()  # still being set up (or changed): judged once Neon is done
    failed = _failed_operation(operations)
    if failed is not None and failed.action == CREATE_TIMELINE:
        return _issue(tenant, project, failed, *_broken_branch(project))
    if not primary:
        return _missing_primary(tenant, project, endpoints, operations, failed, created=created)
    ids = ", ".join(e.endpoint_id for e in stuck)
    problem = f"compute {ids} is stuck in state init"
    problem += f" ({_describe(failed)})" if failed else " with no operation running"
    advice = (
        "start it in the Neon console or with POST /projects/{project_id}/endpoints/"
        "{endpoint_id}/start; if it fails again, ask Neon support with the operation id"
    )
    return _issue(tenant, project, failed, problem, advice)


def _broken_branch(project: ObservedProject) -> tuple[str, str]:
    problem = "its create did not finish: the branch was never made ready, so it holds no data"
    advice = (
        f"delete project {project.project_id} (Neon console, or `neonctl projects delete "
        f"{project.project_id}`), then run apply to create the tenant's project again"
    )
    return problem, advice


def _missing_primary(
    tenant: ResolvedTenant,
    project: ObservedProject,
    endpoints: tuple[ObservedEndpoint, ...],
    operations: tuple[ObservedOperation, ...],
    failed: ObservedOperation | None,
    *,
    created: bool,
) -> HealthCheck:
    problem = "the project has no read-write compute"
    if failed is not None:
        problem += f" ({_describe(failed)})"
    branch = _branch_of(endpoints, operations)
    if not created or branch is None:
        why = "tenantctl repairs only projects it created" if not created else "no branch known"
        advice = f"create a read-write compute on its default branch in the Neon console ({why})"
        return _issue(tenant, project, failed, problem, advice)
    primary = ComputeSpec(
        name=None,
        compute_type="read_write",
        min_cu=tenant.value("compute.min_cu"),
        max_cu=tenant.value("compute.max_cu"),
        suspend_timeout_seconds=tenant.value("compute.suspend_timeout"),
        pg_settings=tenant.value("compute.pg_settings") or {},
        disabled=wants_disabled(tenant.state),
    )
    reason = f"repair: {problem}; apply creates it on branch {branch}"
    repair = ChangeGroup(ActionKind.UPDATE, (), reason, replicas=(primary,), branch_id=branch)
    issue = _issue(tenant, project, failed, problem, f"apply creates it on branch {branch}")
    return HealthCheck(issues=_repaired(issue.issues), repair=repair)


def _repaired(issues: tuple[HealthIssue, ...]) -> tuple[HealthIssue, ...]:
    return tuple(i.model_copy(update={"repair": True}) for i in issues)


def _branch_of(
    endpoints: tuple[ObservedEndpoint, ...], operations: tuple[ObservedOperation, ...]
) -> str | None:
    """The branch the primary belongs on: the one other computes use, else the first branch
    the project's operations name (its create's, listed last as the oldest)."""
    if endpoints:
        return endpoints[0].branch_id
    named = [op.branch_id for op in operations if op.branch_id]
    return named[-1] if named else None


def _failed_operation(operations: Sequence[ObservedOperation]) -> ObservedOperation | None:
    """The failed operation to show: a failed create_timeline first, else the newest failure."""
    failed = [op for op in operations if op.status in FAILED_STATUSES]
    timeline = next((op for op in failed if op.action == CREATE_TIMELINE), None)
    return timeline or (failed[0] if failed else None)


def _describe(operation: ObservedOperation) -> str:
    error = f": {operation.error}" if operation.error else ""
    return f"operation {operation.action} {operation.operation_id} {operation.status}{error}"


def _issue(
    tenant: ResolvedTenant,
    project: ObservedProject,
    failed: ObservedOperation | None,
    problem: str,
    advice: str,
) -> HealthCheck:
    operation = None
    if failed is not None:
        operation = FailedOperation(
            operation_id=failed.operation_id,
            action=failed.action,
            status=failed.status,
            error=failed.error,
        )
    issue = HealthIssue(
        tenant=tenant.id,
        project_id=project.project_id,
        problem=problem,
        advice=advice,
        operation=operation,
    )
    return HealthCheck(issues=(issue,))


def _quota_check(
    tenant: ResolvedTenant,
    project: ObservedProject,
    endpoints: tuple[ObservedEndpoint, ...],
    observed: ObservedFleet,
) -> HealthCheck:
    """Computes Neon suspended at a consumption limit (and writes blocked at the storage one).

    Confirmed from the project's counters; they are read only when the project list already
    shows a cumulative limit that may be reached while no compute runs.
    """
    if tenant.state is not TenantState.ACTIVE:
        return HealthCheck()  # its computes are disabled on purpose
    usage = observed.usage.get(project.project_id)
    if usage is None:
        return HealthCheck(needs_usage=_quota_suspected(project, endpoints))
    reached = [f for f in QUOTAS if _reached(f, project, usage)]
    issues = tuple(_quota_issue(tenant, project, f, usage) for f in reached)
    return HealthCheck(issues=issues)


def _quota_suspected(project: ObservedProject, endpoints: tuple[ObservedEndpoint, ...]) -> bool:
    """A suspended project runs no compute, and its active time (or that time at the largest
    compute size, for compute time) has reached a limit."""
    if any(e.current_state == ACTIVE for e in endpoints) or project.active_time_seconds is None:
        return False
    active = project.active_time_seconds
    sizes = [float(e.values.get("autoscaling_limit_max_cu") or MAX_CU) for e in endpoints]
    largest = max(sizes, default=MAX_CU)
    active_limit = project.values.get("limits.active_time") or 0
    compute_limit = project.values.get("limits.compute_time") or 0
    return (0 < active_limit <= active) or (0 < compute_limit <= active * largest)


def _reached(field: ManagedField, project: ObservedProject, usage: ObservedUsage) -> bool:
    limit = project.values.get(field.key) or 0
    assert field.counter is not None
    return bool(0 < limit <= getattr(usage, field.counter))


def _quota_issue(
    tenant: ResolvedTenant, project: ObservedProject, field: ManagedField, usage: ObservedUsage
) -> HealthIssue:
    assert field.counter is not None
    limit, used = project.values[field.key], getattr(usage, field.counter)
    amounts = f"{field.kind.show(used)} used of {field.kind.show(limit)}"
    if field.at_limit == SUSPENDS_COMPUTES:
        problem = f"Neon suspended its computes: the {field.key} limit is reached ({amounts})"
        wait = "they stay suspended until the billing period ends"
    else:
        problem = f"writes are blocked: the {field.key} limit is reached ({amounts})"
        wait = "they stay blocked until data is deleted"
    advice = (
        f"{wait}; raise or lift {field.key} (its plan, or overrides.{field.key} in the "
        "tenant file) and apply to restore service now"
    )
    return HealthIssue(
        tenant=tenant.id, project_id=project.project_id, problem=problem, advice=advice
    )
