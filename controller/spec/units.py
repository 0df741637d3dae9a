"""Sizes and durations as people write them in fleet YAML (`10GiB`, `5m`), and back.

Neon's API speaks plain bytes and seconds; the YAML lets people write `10GiB` or `100h`. This
module is the one place that converts between the two, exactly: a value that does not come to a
whole number of bytes or seconds is an error rather than something silently rounded, and
`parse_*(format_*(n)) == n` for every non-negative n (property-tested).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

BYTE_UNITS: dict[str, int] = {
    "B": 1,
    "KB": 1000,
    "MB": 1000**2,
    "GB": 1000**3,
    "TB": 1000**4,
    "KiB": 1024,
    "MiB": 1024**2,
    "GiB": 1024**3,
    "TiB": 1024**4,
}
DURATION_UNITS: dict[str, int] = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}

# Longest number accepted in a unit value: far above any real quota, far below Python's
# int-from-string limit, so a hostile value cannot make parsing slow.
_MAX_DIGITS = 30
_VALUE_RE = re.compile(r"(?P<number>[0-9]+(?:\.[0-9]+)?) ?(?P<unit>[A-Za-z]+)?")


class UnitError(ValueError):
    """A size or duration that cannot be read.

    The message completes the sentence "<value> is ...", e.g. "not a whole number of bytes".
    """


@dataclass(frozen=True)
class _Scale:
    kind: str  # "size" / "duration", for messages
    base: str  # what a bare number counts: "bytes" / "seconds"
    units: dict[str, int]
    example: str

    @property
    def hint(self) -> str:
        return f"e.g. {self.example} (units: {', '.join(self.units)})"


_BYTES = _Scale("size", "bytes", BYTE_UNITS, "10GiB")
_SECONDS = _Scale("duration", "seconds", DURATION_UNITS, "5m")


def parse_bytes(value: str | int) -> int:
    """Bytes from an integer or a string such as `512`, `10GiB`, `1.5 GB` (KB=1000, KiB=1024)."""
    return _parse(value, _BYTES)


def parse_duration(value: str | int) -> int:
    """Seconds from an integer or a string such as `300`, `5m`, `1.5h`, `30d`, `2w`."""
    return _parse(value, _SECONDS)


def format_bytes(amount: int) -> str:
    """The shortest exact spelling of a byte count: `10GiB`, `5GB`, `1000001`."""
    return _format(amount, BYTE_UNITS, ("TiB", "GiB", "MiB", "KiB", "TB", "GB", "MB", "KB"))


def format_duration(seconds: int) -> str:
    """The shortest exact spelling of a duration in seconds: `5m`, `1d`, `30d`, `90s`, `0s`.

    Weeks are accepted on input but never produced: `7d` reads better than `1w` next to Neon's
    documented limits, which are all given in days.
    """
    spelled = _format(seconds, DURATION_UNITS, ("d", "h", "m"))
    return f"{spelled}s" if spelled.isdigit() else spelled


def _parse(value: str | int, scale: _Scale) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise UnitError(f"not a {scale.kind}; {scale.hint}")
    if isinstance(value, int):
        if value < 0:
            raise UnitError(f"negative; a {scale.kind} cannot be below zero")
        return value
    match = _VALUE_RE.fullmatch(value)
    if match is None or len(match["number"]) > _MAX_DIGITS:
        raise UnitError(
            f"not a {scale.kind}; write a whole number of {scale.base} or a number with a unit, "
            f"{scale.hint}"
        )
    unit = match["unit"] or ""
    if unit and unit not in scale.units:
        raise UnitError(_unknown_unit(unit, scale))
    amount = Fraction(match["number"]) * scale.units.get(unit, 1)
    if amount.denominator != 1:
        raise UnitError(f"not a whole number of {scale.base}")
    return int(amount)


def _unknown_unit(unit: str, scale: _Scale) -> str:
    same_letters = [known for known in scale.units if known.lower() == unit.lower()]
    if same_letters:
        return (
            f"not a {scale.kind}: unknown unit '{unit}'; did you mean '{same_letters[0]}'? "
            "(units are case-sensitive)"
        )
    return f"not a {scale.kind}: unknown unit '{unit}'; {scale.hint}"


def _format(amount: int, units: dict[str, int], prefer: tuple[str, ...]) -> str:
    if amount < 0:
        raise ValueError(f"cannot format a negative amount: {amount}")
    best, best_mantissa = str(amount), amount
    for unit in prefer:
        factor = units[unit]
        if amount % factor == 0 and amount // factor < best_mantissa:
            best, best_mantissa = f"{amount // factor}{unit}", amount // factor
    return best
