"""The query of a consumption-history read, checked and split into Neon-sized batches.

`GET /consumption_history/projects` (legacy plans) and `GET /consumption_history/v2/projects`
(usage-based plans: v2 requires `metrics` and `org_id`) take at most 100 `project_ids` per
request and page at `limit` 1..100. Splitting, de-duplicating and formatting are pure, so they
are tested without HTTP; the client only sends the batches. Range rules that depend on Neon's
clock (hourly data for 168 h, daily for 60 days, monthly for a year) are Neon's to enforce: it
answers 406.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from controller.neon.errors import NeonUsageError
from controller.neon.routes import NEON_ID

MAX_IDS_PER_REQUEST = 100
PAGE_LIMIT = 100
GRANULARITIES = ("hourly", "daily", "monthly")
METRICS = (
    "active_time_seconds",
    "compute_time_seconds",
    "written_data_bytes",
    "synthetic_storage_size_bytes",
    "data_storage_bytes_hour",
    "logical_size_bytes",
    "logical_size_bytes_hour",
)
V2_METRICS = (
    "compute_unit_seconds",
    "root_branch_bytes_month",
    "child_branch_bytes_month",
    "instant_restore_bytes_month",
    "public_network_transfer_bytes",
    "private_network_transfer_bytes",
    "extra_branches_month",
    "snapshot_storage_bytes_month",
)


@dataclass(frozen=True)
class ConsumptionQuery:
    project_ids: tuple[str, ...]
    since: str
    until: str
    granularity: str
    metrics: tuple[str, ...]
    org_id: str | None
    page_limit: int = PAGE_LIMIT

    @classmethod
    def build(
        cls,
        project_ids: Iterable[str],
        *,
        since: datetime,
        until: datetime,
        granularity: str,
        metrics: Sequence[str] | None,
        org_id: str | None,
        v2: bool = False,
    ) -> ConsumptionQuery:
        """Check the arguments (NeonUsageError naming the bad one) and normalise them."""
        call = "consumption_history_v2" if v2 else "consumption_history"
        ids = tuple(dict.fromkeys(project_ids))  # de-duplicated, order kept
        bad_ids = [value for value in ids if not NEON_ID.fullmatch(value)]
        if bad_ids:
            raise NeonUsageError(f"{call}: not Neon project ids: {bad_ids[:5]}")
        if granularity not in GRANULARITIES:
            raise NeonUsageError(
                f"{call}: granularity must be one of {GRANULARITIES}, got {granularity!r}"
            )
        _check_metrics(call, metrics, V2_METRICS if v2 else METRICS, required=v2)
        if v2 and org_id is None:
            raise NeonUsageError(
                f"{call}: Neon requires an org id: pass org_id (a project's `org_id`) or set"
                " NEON_ORG_ID"
            )
        if org_id is not None and not NEON_ID.fullmatch(org_id):
            raise NeonUsageError(f"{call}: org_id {org_id!r} is not a Neon id")
        start, end = _rfc3339(call, "since", since), _rfc3339(call, "until", until)
        if since >= until:
            raise NeonUsageError(f"{call}: since ({start}) must be before until ({end})")
        return cls(ids, start, end, granularity, tuple(dict.fromkeys(metrics or ())), org_id)

    def batches(self) -> list[tuple[tuple[str, ...], list[tuple[str, str]]]]:
        """(project ids, query parameters) of each batch of at most 100 ids (none if no ids)."""
        common = [("from", self.since), ("to", self.until), ("granularity", self.granularity)]
        common += [("limit", str(self.page_limit))]
        common += [("metrics", metric) for metric in self.metrics]
        if self.org_id:
            common.append(("org_id", self.org_id))
        return [
            (batch, [*common, *(("project_ids", project_id) for project_id in batch)])
            for batch in _chunks(self.project_ids, MAX_IDS_PER_REQUEST)
        ]


def _chunks(values: tuple[str, ...], size: int) -> list[tuple[str, ...]]:
    return [values[start : start + size] for start in range(0, len(values), size)]


def _check_metrics(
    call: str, metrics: Sequence[str] | None, known: tuple[str, ...], *, required: bool
) -> None:
    if isinstance(metrics, str):
        raise NeonUsageError(f"{call}: metrics must be a sequence of names, not one string")
    unknown = [metric for metric in metrics or () if metric not in known]
    if unknown:
        raise NeonUsageError(f"{call}: unknown metrics {unknown}; known: {known}")
    if required and not metrics:
        raise NeonUsageError(f"{call}: Neon requires at least one metric; known: {known}")


def _rfc3339(call: str, name: str, value: datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise NeonUsageError(f"{call}: {name} must be timezone-aware, got {value}")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
