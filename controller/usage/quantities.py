"""Amounts as people read them in usage output: a limit as the fleet spells it, use in its unit.

Why this exists: "used / limit" reads best in one unit: `255h / 300h`, `384MiB / 512MiB`,
`4.25GB / 5GB`. A limit is spelled exactly as a fleet file would write it (`300h`, `5GB`); what
is used is shown in the same unit, rounded down to two decimals. Without a limit, or when the limit
has no unit of its own, a unit is chosen by size. Machine formats (JSON, CSV) never use this:
they keep plain bytes and seconds.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from fractions import Fraction

from controller.spec.units import BYTE_UNITS, DURATION_UNITS, format_bytes, format_duration
from controller.usage.metrics import Metric

_SUFFIX = re.compile(r"[0-9]+([A-Za-z]+)$")
_AUTO_BYTES = ("TiB", "GiB", "MiB", "KiB")
_AUTO_SECONDS = ("h", "m")
UNLIMITED = "unlimited"


def _units(metric: Metric) -> dict[str, int]:
    return BYTE_UNITS if metric.unit == "bytes" else DURATION_UNITS


def spell_limit(metric: Metric, limit: int | None) -> str:
    """A limit as a fleet file would write it: `300h`, `512MiB`, `unlimited`."""
    if limit is None:
        return UNLIMITED
    return format_bytes(limit) if metric.unit == "bytes" else format_duration(limit)


def unit_for(metric: Metric, limit: int | None, amount: int) -> str:
    """The limit's own unit when it has one, else the largest unit `amount` fills."""
    if limit is not None:
        found = _SUFFIX.fullmatch(spell_limit(metric, limit))
        if found and found.group(1) in _units(metric):
            return found.group(1)
    scale = max(amount, limit or 0)
    candidates = _AUTO_BYTES if metric.unit == "bytes" else _AUTO_SECONDS
    for unit in candidates:
        if scale >= _units(metric)[unit]:
            return unit
    return "B" if metric.unit == "bytes" else "s"


def _cut(value: Fraction, decimals: int) -> str:
    """`value` rounded down to `decimals` places, exactly (`99.99` stays below `100`)."""
    scale = 10**decimals
    whole, part = divmod(math.floor(value * scale), scale)
    return f"{whole}.{part:0{decimals}d}" if decimals else str(whole)


def in_unit(metric: Metric, amount: int, unit: str) -> str:
    """`amount` in `unit`, rounded down to two decimals: `255h`, `4.25GB`, `<0.01h`.

    Rounded down, so that what is used never reads as its limit before it reaches it."""
    text = _cut(Fraction(amount, _units(metric)[unit]), 2).rstrip("0").rstrip(".")
    if text == "0" and amount > 0:
        return f"<0.01{unit}"
    return f"{text}{unit}"


def spell_used(metric: Metric, used: int, limit: int | None) -> str:
    """What is used, in the unit its limit is spelled in."""
    return in_unit(metric, used, unit_for(metric, limit, used))


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
