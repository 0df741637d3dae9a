"""What tenantctl read from Neon about one tenant's project: counters, quota, period, history.

Why this exists: the pure assessment (`assess.py`) and the local cache (`cache.py`) need the same
record of one reading, free of HTTP and of Neon's response shapes. A reading is immutable, holds
plain integers (bytes and seconds keyed by the metric names of `metrics.py`; Neon's own units
for the v2 billing metrics of `billing.py`) and timezone-aware times, and serialises to JSON as
it is, so a cached reading is exactly what was read. It holds nothing secret: ids, names and
numbers only.

`source` says where consumption history came from: `v2` (`/consumption_history/v2/projects`,
usage-based plans), `legacy` (`/consumption_history/projects`, legacy plans) or `counters` (the
account has neither: the project counters alone).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

ClockSource = Literal["server", "local"]
Source = Literal["v2", "legacy", "counters"]
SOURCES: tuple[Source, ...] = ("v2", "legacy", "counters")
Granularity = Literal["hourly", "daily", "monthly"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DailyUsage(_Frozen):
    """One UTC day of consumption history; a metric Neon's history lacks is absent.

    Cumulative metrics hold what was used that day; storage holds the size at the day's end.
    Values are keyed by usage metric name (`compute_time`) and, from v2, by billing metric name.
    """

    day: date
    values: Mapping[str, int]


class History(_Frozen):
    """The daily history of a project, or why there is none.

    `available` is False when Neon refused consumption history (403 or 404: the account's plan
    has none); `days` is then empty and `note` says so. Days are in date order and may include
    days before the billing period: the size at the end of the day before it is the size the
    period started with, and the week before it gives a rate early in a period.
    """

    available: bool
    days: tuple[DailyUsage, ...] = ()
    note: str | None = None
    source: Source = "legacy"
    since: date | None = None  # the first day the read asked for (older days are unknown)


class Frame(_Frozen):
    """One timeframe [start, end) of a consumption series; values as in `DailyUsage`."""

    start: AwareDatetime
    end: AwareDatetime
    values: Mapping[str, int]


class Series(_Frozen):
    """Consumption at one granularity over [since, until), asked for one range (`--history`,
    `--from/--to`): the timeframes Neon reported, oldest first (it leaves out empty ones)."""

    source: Source
    granularity: Granularity
    since: AwareDatetime
    until: AwareDatetime
    frames: tuple[Frame, ...] = ()


class ProjectReading(_Frozen):
    """One project's state at `observed_at`.

    - `observed_at`: Neon's clock (`clock` = "server", from the `Date` response header) or, when
      Neon sent no usable `Date`, the local clock (`clock` = "local").
    - `used`: this period's counters per metric; storage is the largest branch's logical size
      (Neon's storage quota applies to each branch on its own).
    - `quota`: the quota Neon enforces now per metric, None where it enforces none.
    - `period_start`/`period_end`: Neon's billing period; None when Neon reports none yet.
    - `source`: where consumption history came from (see the module docstring).
    - `billing`: the v2 billing metrics over [`billing_since`, `billing_until`) (the period so
      far, or the range asked for); None unless the source is v2.
    - `series`: the range asked for with `--history` or `--from/--to`, when one was.
    """

    project_id: str
    project_name: str
    observed_at: AwareDatetime
    clock: ClockSource
    created_at: AwareDatetime | None = None
    period_start: AwareDatetime | None = None
    period_end: AwareDatetime | None = None
    used: Mapping[str, int]
    quota: Mapping[str, int | None]
    history: History
    source: Source
    org_id: str | None = None
    billing: Mapping[str, int] | None = None
    billing_since: AwareDatetime | None = None
    billing_until: AwareDatetime | None = None
    series: Series | None = None


class TenantReading(_Frozen):
    """A tenant and its project's reading, or why there is none.

    Exactly one of `reading` and `problem` is set. `no_project` marks the harmless problem of a
    tenant not yet created (`tenantctl apply` will create it); any other problem (an identity
    conflict the change plan also reports) means its usage is unknown.
    """

    tenant_id: str
    reading: ProjectReading | None = None
    problem: str | None = None
    no_project: bool = False


def utc_day(moment: datetime) -> date:
    """The UTC calendar day holding `moment` (Neon's daily history counts UTC days)."""
    return moment.astimezone(UTC).date()
