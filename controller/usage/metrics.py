"""The five consumption metrics a pricing plan can limit, and what Neon does at each limit.

Why this exists: every part of `tenantctl usage` (reading Neon, the maths, every output format)
walks the same metrics in the same order and needs the same facts about each: its unit and how
amounts of it are spelled (the registry field's `Quota` kind), which Neon counter and which
consumption-history field of each API measure it, whether it accumulates over the billing
period or is a level (storage), and what Neon does when the limit is reached. One table keeps
them agreeing, and it is built from the registry of managed settings (`controller.spec.managed`):
one metric per quota field, keyed by the limit names of the fleet YAML, never by Neon's names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from controller.spec.managed import BLOCKS_WRITES, BY_KEY, LIMIT_NAMES, SUSPENDS_COMPUTES
from controller.spec.values import Quota

Unit = Literal["seconds", "bytes"]

# What Neon does when a limit is reached, as a state; the change plan warns with the registry's
# words for the same effect ("Neon suspends computes at once", "Neon blocks writes at once").
COMPUTES_SUSPENDED = "computes suspended"
WRITES_BLOCKED = "writes blocked"
_STATE_OF = {SUSPENDS_COMPUTES: COMPUTES_SUSPENDED, BLOCKS_WRITES: WRITES_BLOCKED}


@dataclass(frozen=True)
class Metric:
    """One limited metric.

    - `name`: the limit's name in fleet YAML (`compute_time`), also its key in JSON and CSV;
      `key` its YAML path (`limits.compute_time`), the key of the unit the user wrote.
    - `kind`: the registry's `Quota` kind, which spells every amount of it.
    - `quota_key`: the Neon quota field and project counter (`compute_time_seconds`).
    - `history_field`: the legacy consumption-history field, None when that history lacks it;
      `v2_field`: the v2 metric that measures the same thing, None when v2 has none.
    - `cumulative`: True for counters that grow through the period and reset at its start;
      False for storage, a level that carries over from one period to the next.
    """

    name: str
    key: str
    label: str
    unit: Unit
    kind: Quota
    quota_key: str
    history_field: str | None
    v2_field: str | None
    cumulative: bool
    effect: str

    def field_in(self, source: str) -> str | None:
        """The consumption-history field measuring this metric in `source` (v2 or legacy)."""
        return self.v2_field if source == "v2" else self.history_field


def _metric(
    name: str, history_field: str | None, v2_field: str | None, *, cumulative: bool
) -> Metric:
    field = BY_KEY[f"limits.{name}"]
    unit = field.kind.unit
    assert isinstance(field.kind, Quota), field
    assert unit in ("seconds", "bytes"), field
    assert field.counter is not None, field
    assert field.at_limit is not None, field
    return Metric(
        name=name,
        key=field.key,
        label=field.label,
        unit="seconds" if unit == "seconds" else "bytes",
        kind=field.kind,
        quota_key=field.counter,
        history_field=history_field,
        v2_field=v2_field,
        cumulative=cumulative,
        effect=_STATE_OF[field.at_limit],
    )


# In the order of the issue and of every output: time first, then data, then storage. Neon's
# legacy consumption history has no data-transfer field; v2 measures compute (CU-seconds, the
# compute-time counter's unit) and public network transfer (what the data-transfer quota counts,
# traffic through Neon's proxy) but neither active time, written data nor a storage size.
METRICS: tuple[Metric, ...] = (
    _metric("active_time", "active_time_seconds", None, cumulative=True),
    _metric("compute_time", "compute_time_seconds", "compute_unit_seconds", cumulative=True),
    _metric("written_data", "written_data_bytes", None, cumulative=True),
    _metric("data_transfer", None, "public_network_transfer_bytes", cumulative=True),
    _metric("storage", "logical_size_bytes", None, cumulative=False),
)
METRIC_NAMES: tuple[str, ...] = tuple(metric.name for metric in METRICS)
BY_NAME: dict[str, Metric] = {metric.name: metric for metric in METRICS}
# The history fields to ask Neon for (the defaults plus logical size, for storage).
HISTORY_FIELDS: tuple[str, ...] = tuple(m.history_field for m in METRICS if m.history_field)

assert set(METRIC_NAMES) == set(LIMIT_NAMES), "every limit of the fleet YAML is a usage metric"
