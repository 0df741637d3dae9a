"""The five consumption metrics a pricing plan can limit, and what Neon does at each limit.

Why this exists: every part of `tenantctl usage` (reading Neon, the maths, every output format)
walks the same metrics in the same order and needs the same facts about each: its unit, which
Neon counter and history field measure it, whether it accumulates over the billing period or is
a level (storage), and what Neon does when the limit is reached. One table keeps them agreeing,
and it is keyed by the limit names of the fleet YAML (`Limits`), never by Neon's field names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from controller.spec.model import LIMIT_UNITS, QUOTA_KEYS

Unit = Literal["seconds", "bytes"]

# What Neon does when a limit is reached; the change plan warns with the same words in the
# future tense ("will suspend computes at once", "will block writes").
COMPUTES_SUSPENDED = "computes suspended"
WRITES_BLOCKED = "writes blocked"


@dataclass(frozen=True)
class Metric:
    """One limited metric.

    - `name`: the limit's name in fleet YAML (`compute_time`), also its key in JSON and CSV.
    - `quota_key`: the Neon quota field and project counter (`compute_time_seconds`).
    - `history_field`: the daily consumption-history field, None when history lacks it.
    - `cumulative`: True for counters that grow through the period and reset at its start;
      False for storage, a level that carries over from one period to the next.
    """

    name: str
    label: str
    unit: Unit
    quota_key: str
    history_field: str | None
    cumulative: bool
    effect: str


def _metric(name: str, label: str, history_field: str | None, *, cumulative: bool) -> Metric:
    unit = LIMIT_UNITS[name]
    assert unit in ("seconds", "bytes"), unit
    return Metric(
        name=name,
        label=label,
        unit="seconds" if unit == "seconds" else "bytes",
        quota_key=QUOTA_KEYS[name],
        history_field=history_field,
        cumulative=cumulative,
        effect=COMPUTES_SUSPENDED if cumulative else WRITES_BLOCKED,
    )


# In the order of the issue and of every output: time first, then data, then storage. Neon's
# legacy consumption history has no data-transfer field, so that metric has no daily series.
METRICS: tuple[Metric, ...] = (
    _metric("active_time", "active time", "active_time_seconds", cumulative=True),
    _metric("compute_time", "compute time", "compute_time_seconds", cumulative=True),
    _metric("written_data", "written data", "written_data_bytes", cumulative=True),
    _metric("data_transfer", "data transfer", None, cumulative=True),
    _metric("storage", "storage", "logical_size_bytes", cumulative=False),
)
METRIC_NAMES: tuple[str, ...] = tuple(metric.name for metric in METRICS)
BY_NAME: dict[str, Metric] = {metric.name: metric for metric in METRICS}
# The history fields to ask Neon for (the defaults plus logical size, for storage).
HISTORY_FIELDS: tuple[str, ...] = tuple(m.history_field for m in METRICS if m.history_field)

assert set(METRIC_NAMES) == set(QUOTA_KEYS), "every limit of the fleet YAML is a usage metric"
