"""The five consumption metrics a pricing plan can limit, and what Neon does at each limit.

Why this exists: every part of `tenantctl usage` (reading Neon, the maths, every output format)
walks the same metrics in the same order and needs the same facts about each: its unit, which
Neon counter and history field measure it, whether it accumulates over the billing period or is
a level (storage), and what Neon does when the limit is reached. One table keeps them agreeing,
and it is built from the registry of managed settings (`controller.spec.managed`): one metric
per quota field, keyed by the limit names of the fleet YAML, never by Neon's field names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from controller.spec.managed import BLOCKS_WRITES, BY_KEY, LIMIT_NAMES, SUSPENDS_COMPUTES

Unit = Literal["seconds", "bytes"]

# What Neon does when a limit is reached, as a state; the change plan warns with the registry's
# words for the same effect ("Neon suspends computes at once", "Neon blocks writes at once").
COMPUTES_SUSPENDED = "computes suspended"
WRITES_BLOCKED = "writes blocked"
_STATE_OF = {SUSPENDS_COMPUTES: COMPUTES_SUSPENDED, BLOCKS_WRITES: WRITES_BLOCKED}


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


def _metric(name: str, history_field: str | None, *, cumulative: bool) -> Metric:
    field = BY_KEY[f"limits.{name}"]
    unit = field.kind.unit
    assert unit in ("seconds", "bytes"), field
    assert field.counter is not None, field
    assert field.at_limit is not None, field
    return Metric(
        name=name,
        label=field.label,
        unit="seconds" if unit == "seconds" else "bytes",
        quota_key=field.counter,
        history_field=history_field,
        cumulative=cumulative,
        effect=_STATE_OF[field.at_limit],
    )


# In the order of the issue and of every output: time first, then data, then storage. Neon's
# legacy consumption history has no data-transfer field, so that metric has no daily series.
METRICS: tuple[Metric, ...] = (
    _metric("active_time", "active_time_seconds", cumulative=True),
    _metric("compute_time", "compute_time_seconds", cumulative=True),
    _metric("written_data", "written_data_bytes", cumulative=True),
    _metric("data_transfer", None, cumulative=True),
    _metric("storage", "logical_size_bytes", cumulative=False),
)
METRIC_NAMES: tuple[str, ...] = tuple(metric.name for metric in METRICS)
BY_NAME: dict[str, Metric] = {metric.name: metric for metric in METRICS}
# The history fields to ask Neon for (the defaults plus logical size, for storage).
HISTORY_FIELDS: tuple[str, ...] = tuple(m.history_field for m in METRICS if m.history_field)

assert set(METRIC_NAMES) == set(LIMIT_NAMES), "every limit of the fleet YAML is a usage metric"
