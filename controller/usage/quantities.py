"""Amounts as people read them in usage output: spelled by the registry's kinds, in the user's unit.

Why this exists: "used / limit" reads best in one unit, and that unit is the one the fleet file
wrote (`compute_time: 600h` stays `600h`, and 255 hours used reads `255h` beside it, never
`10.62d`). When the fleet wrote no unit, one unit is chosen for the amounts shown together. The
spelling itself is the limit's `Quota` kind (`controller.spec.values`), the same as in `plan`
and `show`: exact to two decimals, else rounded toward zero and marked `~` (so what is used never
reads as its limit before it reaches it). Machine formats (JSON, CSV) never use this: they keep
plain bytes and seconds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime
from fractions import Fraction

from controller.usage.metrics import Metric

UNLIMITED = "unlimited"


def unit_for(metric: Metric, written: str | None, amounts: Iterable[int | None]) -> str:
    """The unit the fleet wrote, else one that reads well for all `amounts` shown together."""
    if written is not None:
        return written
    known = [a for a in amounts if a is not None]
    return metric.kind.shared_unit(*known) or ("B" if metric.unit == "bytes" else "s")


def spell_limit(metric: Metric, limit: int | None, written: str | None = None) -> str:
    """A limit as a fleet file would write it: `600h`, `512MiB`, `unlimited`."""
    return UNLIMITED if limit is None else metric.kind.show(limit, written)


def spell_amount(metric: Metric, amount: int, unit: str) -> str:
    """`amount` in `unit`: `255h`, `0.5GB`, `~4.33GB` (rounded toward zero)."""
    return metric.kind.amount(amount, unit)


def spell_used(metric: Metric, used: int, limit: int | None, written: str | None = None) -> str:
    """What is used, in the unit its limit is written in (or one fitting both)."""
    return spell_amount(metric, used, unit_for(metric, written, (used, limit)))


def _cut(value: Fraction, decimals: int) -> str:
    """`value` rounded down to `decimals` places, exactly (`99.99` stays below `100`)."""
    scale = 10**decimals
    whole, part = divmod(math.floor(value * scale), scale)
    return f"{whole}.{part:0{decimals}d}" if decimals else str(whole)


def spell_percent(percent: Fraction | None) -> str:
    """`85.0%`, `112.5%`, or `-` without a limit; rounded down, so that 99.96 % of a limit
    reads `99.9%` and never `100.0%` beside a status that is not `exceeded` (likewise for the
    --warn-at threshold)."""
    return "-" if percent is None else f"{_cut(percent, 1)}%"


def percent_number(percent: Fraction | None) -> float | None:
    """The percentage for machine formats, rounded down to two decimals (see above)."""
    return None if percent is None else float(_cut(percent, 2))


def spell_moment(moment: datetime) -> str:
    """`2025-06-21 14:00 UTC` (minutes are enough for a limit date)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
