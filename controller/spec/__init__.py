"""The desired state: pricing plans and tenants in YAML, validated and resolved.

`load_fleet(fleet_dir)` reads `plans/*.yaml`, `tenants/*.yaml` and the optional
`tenantctl.yaml`, reports every problem as `path:line:column: message`, and returns the
resolved `DesiredFleet` when there are none. Nothing here talks to Neon: this package only says
what the fleet should be. The YAML format is documented in docs/fleet-yaml.md.
"""

from controller.spec.issues import SpecIssue
from controller.spec.loader import load_fleet
from controller.spec.model import (
    DesiredFleet,
    FleetLoadResult,
    FleetSettings,
    Layer,
    PricingPlan,
    ResolvedTenant,
    TenantState,
)
from controller.spec.units import format_bytes, format_duration, parse_bytes, parse_duration

__all__ = [
    "DesiredFleet",
    "FleetLoadResult",
    "FleetSettings",
    "Layer",
    "PricingPlan",
    "ResolvedTenant",
    "SpecIssue",
    "TenantState",
    "format_bytes",
    "format_duration",
    "load_fleet",
    "parse_bytes",
    "parse_duration",
]
