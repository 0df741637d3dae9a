"""Twins: two projects carrying one tenant's mark, left by applies that raced (pure).

Why this exists: Neon has no conditional create, so two applies started at once (from two
checkouts, with the CI concurrency group forgotten) can both create a tenant's project. The
state must be recoverable without ever losing data: the next plan keeps one project per tenant
and deletes only a twin this fleet created (it carries the mark, read live: a cached mark never
counts) whose counters prove it was never written to nor read from (no written data, no data
transfer, and created in the current billing period, since the counters reset every period).
Everything else stops with a conflict that names the project to keep and the command that
resolves it.

The keeper is the one twin holding data when exactly one does; when none does, the oldest
(then the lowest id), so that every run picks the same one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from controller.reconcile.observed import ObservedProject, ObservedUsage


@dataclass(frozen=True)
class TwinDecision:
    """What to do with one tenant's twins: keep one and delete the empty rest, or stop."""

    keeper: ObservedProject | None
    removable: tuple[ObservedProject, ...] = ()
    conflict: str | None = None


def is_untouched(usage: ObservedUsage) -> bool:
    """Neon's counters show no write and no data read out since the project was created:
    nobody used it. Counters reset every billing period, so a project created before the
    current period can never be proven untouched."""
    return (
        usage.created_in_period and usage.written_data_bytes == 0 and usage.data_transfer_bytes == 0
    )


def decide(
    tenant_id: str, twins: Sequence[ObservedProject], usage: Mapping[str, ObservedUsage]
) -> TwinDecision:
    """Which twin to keep and which to delete (needs the usage of every twin)."""
    used = [p for p in twins if not is_untouched(usage[p.project_id])]
    if len(used) > 1:
        busiest = max(used, key=lambda p: usage[p.project_id].written_data_bytes)
        ids = ", ".join(p.project_id for p in used)
        return TwinDecision(
            keeper=None,
            conflict=(
                f"{len(twins)} projects carry this tenant's ownership mark ({_ids(twins)}), "
                f"probably created by two applies at once; {ids} all hold data, so tenantctl "
                f"deletes none of them. Keep one (the busiest is {busiest.project_id}) with "
                f"`tenantctl adopt {tenant_id} --project-id {busiest.project_id}`: the others "
                "are then suspended and kept, never deleted"
            ),
        )
    keeper = used[0] if used else min(twins, key=lambda p: (p.created_at or "", p.project_id))
    removable = tuple(p for p in twins if p.project_id != keeper.project_id)
    return TwinDecision(keeper=keeper, removable=removable)


def _ids(projects: Sequence[ObservedProject]) -> str:
    return ", ".join(p.project_id for p in projects)


TWIN_REASON = (
    "twin of project {keeper}: both carry this tenant's mark (two applies raced); this one was "
    "never written to nor read from, so it is deleted (Neon keeps it recoverable for 7 days)"
)
