"""What observation found on Neon, reduced to the fields the planner compares.

Values are plain and frozen so that plans are deterministic and fingerprints stable. Missing
knowledge is explicit: a mark that was not read is absent from `ObservedFleet.marks`, which is
different from a mark read and found empty (None).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class OwnershipMark:
    """tenantctl's ownership annotations found on a project's default branch."""

    fleet: str
    tenant_id: str


@dataclass(frozen=True)
class ObservedEndpoint:
    """One compute of a project, as Neon reports it.

    `values` holds its managed settings by their path on the compute (`autoscaling_limit_min_cu`,
    `settings.pg_settings`: a field's `compute_path`, dotted), in Neon's encoding.
    """

    endpoint_id: str
    branch_id: str
    type: str
    disabled: bool
    values: Mapping[str, Any] = field(default_factory=dict)
    name: str | None = None
    current_state: str = "idle"


@dataclass(frozen=True)
class ObservedUsage:
    """Current-period consumption, used to flag limits lowered below what is already used."""

    active_time_seconds: int = 0
    compute_time_seconds: int = 0
    written_data_bytes: int = 0
    data_transfer_bytes: int = 0
    logical_size_bytes: int = 0
    # The counters above reset every billing period; they cover the project's whole life only
    # when it was created in the current period (what proves a twin untouched).
    created_in_period: bool = True


@dataclass(frozen=True)
class ObservedOperation:
    """One of a project's recent operations (read only for projects that look unhealthy)."""

    operation_id: str
    action: str
    status: str
    branch_id: str | None = None
    endpoint_id: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class ObservedProject:
    """A live project from the project list.

    `values` holds the managed settings the list reports, keyed by YAML path like the desired
    ones (`limits.storage`, `region`...), in Neon's encoding; a setting Neon did not report is
    absent, and is never compared.
    """

    project_id: str
    name: str
    values: Mapping[str, Any] = field(default_factory=dict)
    created_at: str | None = None  # ISO time, to tell twins apart (never compared as a setting)
    # Active time this billing period as the project list reports it (None: not reported);
    # health uses it to suspect a quota suspension without reading the project's counters.
    active_time_seconds: int | None = None

    def fingerprint_fields(self) -> dict[str, object]:
        """The fields a plan depends on; a change to any of them makes a saved plan stale."""
        return {
            "project_id": self.project_id,
            "name": self.name,
            "values": dict(sorted(self.values.items())),
        }


@dataclass(frozen=True)
class ObservedFleet:
    """Everything observation gathered in one run.

    - `projects`: every project in the org, from the paged project list.
    - `endpoints`: computes per project id, for the projects whose computes were read.
    - `marks`: ownership mark per project id, for the projects whose branches were read
      (None = read, and carries no tenantctl mark).
    - `usage`: consumption per project id, where it was read.
    - `cached_marks`: projects whose mark came from the local cache, not from Neon in this run
      (it saves reads, but a create is never decided on it).
    - `operations`: recent operations per project id, read only for projects whose computes
      look unhealthy (see controller.reconcile.health).
    """

    projects: tuple[ObservedProject, ...]
    endpoints: Mapping[str, tuple[ObservedEndpoint, ...]] = field(default_factory=dict)
    marks: Mapping[str, OwnershipMark | None] = field(default_factory=dict)
    usage: Mapping[str, ObservedUsage] = field(default_factory=dict)
    cached_marks: frozenset[str] = frozenset()  # marks known only from the local cache
    operations: Mapping[str, tuple[ObservedOperation, ...]] = field(default_factory=dict)


def fingerprint(project: ObservedProject | None, endpoints: tuple[ObservedEndpoint, ...]) -> str:
    """A stable digest of a project's planned-on state: equal digests mean no relevant drift.

    Endpoint `current_state` is left out: a compute waking up is not a change to the plan.
    """
    payload = {
        "project": project.fingerprint_fields() if project else None,
        "endpoints": [
            {
                "endpoint_id": e.endpoint_id,
                "branch_id": e.branch_id,
                "type": e.type,
                "name": e.name,
                "disabled": e.disabled,
                "values": dict(sorted(e.values.items())),
            }
            for e in sorted(endpoints, key=lambda e: e.endpoint_id)
        ],
    }
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()[:16]
