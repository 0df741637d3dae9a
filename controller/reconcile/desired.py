"""The desired fleet as the planner takes it: resolved tenants plus the fleet's identity.

The planner compares each tenant's resolved values (`ResolvedTenant.values`, Neon's encoding,
keyed by YAML path) with the observed ones of the same shape, so it never converts units or
interprets YAML. This adds what the planner needs beyond the fleet files: the org to create in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from controller.spec.model import DesiredFleet, ResolvedTenant


@dataclass(frozen=True)
class DesiredFleetState:
    """Every tenant the fleet directory declares, plus fleet-wide identity.

    Orphans are only suspended when the fleet's name was declared (`fleet_declared`).
    `adopted` is the adoption ledger (tenant id -> project id, `adopted.yaml`): a project listed
    there counts as carrying that tenant's mark, even when the tenant's file is gone.
    """

    fleet: str
    tenants: Mapping[str, ResolvedTenant]
    org_id: str | None = None
    fleet_declared: bool = True
    adopted: Mapping[str, str] = field(default_factory=dict)


def desired_fleet(fleet: DesiredFleet, *, org_id: str | None = None) -> DesiredFleetState:
    """The whole fleet, keyed and ordered by tenant id."""
    return DesiredFleetState(
        fleet=fleet.settings.fleet,
        tenants=dict(sorted(fleet.tenants.items())),
        org_id=org_id,
        fleet_declared=fleet.settings.fleet_declared,
        adopted=dict(sorted(fleet.adopted.items())),
    )
