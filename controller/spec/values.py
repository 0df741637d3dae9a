"""Kinds of managed values: how each is compared, shown to people, and spelled in JSON.

Why this exists: a managed setting's value travels as plain JSON data in Neon's encoding (bytes,
seconds, CU, `0` for an unlimited quota, `-1` for a compute that never suspends, lists and maps).
What differs between settings is only how two values compare (an IP list is a set) and how a
value reads to the person who wrote the YAML (`600h`, `10GiB`, `unlimited`, `never`). Each
`Kind` says both, once; the registry (`managed.py`) gives every field its kind, and plan, show,
usage and warnings all print through it, so one field reads the same everywhere.

Values are compared by their canonical form (fast equality); nested values (lists compared as
sets, maps) are described with deepdiff when they differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Final

from controller.spec.units import BYTE_UNITS, DURATION_UNITS, format_duration

Value = Any  # plain JSON data: None, bool, int, float, str, list, dict


class UnreadableValue(ValueError):
    """A value from Neon of a shape tenantctl cannot read (`value` holds it)."""

    def __init__(self, value: Value) -> None:
        super().__init__(f"unexpected value {str(value)[:80]!r}")
        self.value = value


class _Unreported:
    """Neon left a value out of its answer: unknown, so never compared."""

    def __repr__(self) -> str:
        return "UNREPORTED"


UNREPORTED: Final = _Unreported()

UNLIMITED = "unlimited"
LONG_LIST = 8  # beyond this many entries in old and new together, a change shows only the delta
NEVER = "never"
DEFAULT = "default"
SUSPEND_NEVER = -1
SUSPEND_DEFAULT = 0
SUSPEND_DEFAULT_EFFECTIVE_SECONDS = 300  # what Neon's `0` means [SPEC SuspendTimeoutSeconds]

_BINARY_BYTES = ("TiB", "GiB", "MiB", "KiB")
_DECIMAL_BYTES = ("TB", "GB", "MB", "KB")
_TIME = ("d", "h", "m")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _decimal(amount: Fraction) -> str:
    """Up to two decimals, exact when it can be, never rounding a value up to a round one."""
    if amount.denominator == 1:
        return str(amount.numerator)
    hundredths = int(amount * 100)  # rounds toward zero
    text = f"{hundredths // 100}.{hundredths % 100:02d}".rstrip("0").rstrip(".")
    return text if (amount * 100).denominator == 1 else f"~{text}"


def in_unit(amount: int, unit: str, units: dict[str, int]) -> str:
    """`amount` spelled in `unit`: `600h`, `1.5GiB`, `~3.33h` when not exact to two decimals."""
    return f"{_decimal(Fraction(amount, units[unit]))}{unit}"


def common_unit(amounts: Sequence[int], units: dict[str, int], prefer: Sequence[str]) -> str:
    """One unit for all `amounts` (so a change `old -> new` reads in one unit): the largest
    preferred unit the smallest amount fills, so that no amount reads as a fraction of one."""
    smallest = min((a for a in amounts if a), default=0)
    return next((u for u in prefer if smallest >= units[u]), prefer[-1])


class Kind:
    """A value kind. Subclasses override what differs from plain scalars."""

    unit: str = ""  # the base unit of the JSON value, for machine formats

    def canonical(self, value: Value) -> Value:
        """The value in the form equality is judged on."""
        return value

    def observe(self, raw: Value) -> Value | _Unreported:
        """A value as Neon reports it, in canonical form (UNREPORTED when it means "unknown").

        Raises UnreadableValue when Neon's value does not have this kind's shape."""
        if raw is None:
            return UNREPORTED
        if not self.accepts(raw):
            raise UnreadableValue(raw)
        return self.canonical(raw)

    def accepts(self, raw: Value) -> bool:
        """Whether a value from Neon has this kind's shape (JSON type, list items, keys)."""
        return isinstance(raw, str | int | float | bool)

    def same(self, a: Value, b: Value) -> bool:
        return bool(self.canonical(a) == self.canonical(b))

    def show(self, value: Value, unit: str | None = None) -> str:
        """The value as a fleet file would write it (`unit`: the unit the user wrote)."""
        if value is None:
            return "(not set)"
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def show_change(self, old: Value, new: Value, unit: str | None = None) -> str:
        """`old -> new`, both in the unit the user wrote, or one that fits both; a value below
        one of the written unit reads in its own (`512MiB -> 10GiB`, not `0.5GiB`)."""
        if unit is None:
            unit = self.shared_unit(old, new)
            return f"{self.show(old, unit)} -> {self.show(new, unit)}"
        return f"{self.show(old, self.fitting(old, unit))} -> {self.show(new, unit)}"

    def fitting(self, value: Value, unit: str | None) -> str | None:
        """`unit` when `value` is at least one of it, else the unit `value` reads best in."""
        return unit

    def shared_unit(self, *values: Value) -> str | None:
        """A unit that reads well for all `values` when the user wrote none."""
        return None


@dataclass(frozen=True)
class Quota(Kind):
    """A consumption limit in bytes or seconds; `0` is Neon's "unlimited"."""

    unit: str = "bytes"

    def _units(self) -> dict[str, int]:
        return BYTE_UNITS if self.unit == "bytes" else DURATION_UNITS

    def accepts(self, raw: Value) -> bool:
        return isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0

    def show(self, value: Value, unit: str | None = None) -> str:
        if value is None:
            return "(not reported)"
        if value == 0:
            return UNLIMITED
        return self.amount(int(value), unit)

    def amount(self, value: int, unit: str | None = None) -> str:
        """An amount (a limit or a use) in `unit`, or in the unit that reads best."""
        return in_unit(value, unit or self.shared_unit(value) or "B", self._units())

    def fitting(self, value: Value, unit: str | None) -> str | None:
        scale = self._units().get(unit or "")
        if scale is None or not isinstance(value, int) or 0 < value < scale:
            return self.shared_unit(value)
        return unit

    def shared_unit(self, *values: Value) -> str | None:
        amounts = [v for v in values if isinstance(v, int) and not isinstance(v, bool) and v]
        if self.unit != "bytes":
            return common_unit(amounts, DURATION_UNITS, ("h", "m", "s"))  # 600h, never 25d
        binary = common_unit(amounts, BYTE_UNITS, (*_BINARY_BYTES, "B"))
        decimal = common_unit(amounts, BYTE_UNITS, (*_DECIMAL_BYTES, "B"))
        exact_in = [u for u in (binary, decimal) if all(a % BYTE_UNITS[u] == 0 for a in amounts)]
        return exact_in[0] if exact_in else binary


@dataclass(frozen=True)
class ComputeUnits(Kind):
    """A compute size in CU."""

    unit: str = "CU"

    def canonical(self, value: Value) -> Value:
        return None if value is None else float(value)

    def observe(self, raw: Value) -> Value | _Unreported:
        # Neon's project list reports 0 CU for defaults that were never set.
        if raw is not None and not self.accepts(raw):
            raise UnreadableValue(raw)
        return UNREPORTED if not raw else float(raw)

    def accepts(self, raw: Value) -> bool:
        return isinstance(raw, int | float) and not isinstance(raw, bool) and raw >= 0

    def show(self, value: Value, unit: str | None = None) -> str:
        if value is None:
            return "(not reported)"
        number = float(value)
        return f"{int(number) if number.is_integer() else number} CU"


@dataclass(frozen=True)
class Duration(Kind):
    """A duration in seconds (history retention)."""

    unit: str = "seconds"

    def accepts(self, raw: Value) -> bool:
        return isinstance(raw, int) and not isinstance(raw, bool)

    def show(self, value: Value, unit: str | None = None) -> str:
        if value is None:
            return "(not reported)"
        if unit in DURATION_UNITS:
            return in_unit(int(value), unit, DURATION_UNITS)
        return format_duration(int(value))

    def shared_unit(self, *values: Value) -> str | None:
        amounts = [int(v) for v in values if isinstance(v, int)]
        return common_unit(amounts, DURATION_UNITS, (*_TIME, "s"))

    def fitting(self, value: Value, unit: str | None) -> str | None:
        scale = DURATION_UNITS.get(unit or "")
        if scale is None or not isinstance(value, int) or 0 < value < scale:
            return self.shared_unit(value)
        return unit


@dataclass(frozen=True)
class SuspendTimeout(Duration):
    """Scale-to-zero delay: `-1` never, `0` Neon's default (5 minutes), else seconds."""

    def show(self, value: Value, unit: str | None = None) -> str:
        if value == SUSPEND_NEVER:
            return NEVER
        if value == SUSPEND_DEFAULT:
            return f"{DEFAULT} ({format_duration(SUSPEND_DEFAULT_EFFECTIVE_SECONDS)})"
        return super().show(value, unit)

    def shared_unit(self, *values: Value) -> str | None:
        return super().shared_unit(*(v for v in values if isinstance(v, int) and v > 0))


@dataclass(frozen=True)
class Flag(Kind):
    """On or off."""

    unit: str = "boolean"

    def accepts(self, raw: Value) -> bool:
        return isinstance(raw, bool)


@dataclass(frozen=True)
class Text(Kind):
    """A name or an identifier."""

    unit: str = "text"

    def accepts(self, raw: Value) -> bool:
        return isinstance(raw, str)


@dataclass(frozen=True)
class Whole(Kind):
    """A whole number (a Postgres version, a count)."""

    unit: str = "number"

    def accepts(self, raw: Value) -> bool:
        return isinstance(raw, int) and not isinstance(raw, bool)


@dataclass(frozen=True)
class AddressList(Kind):
    """IP addresses and ranges; order and repeats carry no meaning (compared as a set)."""

    unit: str = "addresses"

    def canonical(self, value: Value) -> Value:
        return None if value is None else sorted({str(item).strip() for item in value})

    def accepts(self, raw: Value) -> bool:
        return isinstance(raw, list) and all(isinstance(item, str) for item in raw)

    def show(self, value: Value, unit: str | None = None) -> str:
        if value is None:
            return "(not set)"
        return "[" + ", ".join(self.canonical(value)) + "]" if value else "[] (no restriction)"

    def show_change(self, old: Value, new: Value, unit: str | None = None) -> str:
        if old is None or new is None:
            return super().show_change(old, new, unit)
        diff = _deepdiff(set(self.canonical(old)), set(self.canonical(new)))
        added = sorted(_key(path) for path in diff.get("set_item_added", []))
        removed = sorted(_key(path) for path in diff.get("set_item_removed", []))
        parts = ", ".join([f"+{a}" for a in added] + [f"-{r}" for r in removed])
        if len(old) + len(new) > LONG_LIST:  # what changed, not every entry
            return f"{len(old)} entries -> {len(new)} entries ({parts})"
        return f"{self.show(old)} -> {self.show(new)} ({parts})"


@dataclass(frozen=True)
class SettingsMap(Kind):
    """A map of Postgres settings (name -> value as text)."""

    unit: str = "settings"

    def canonical(self, value: Value) -> Value:
        return None if value is None else dict(sorted(value.items()))

    def accepts(self, raw: Value) -> bool:
        return isinstance(raw, dict) and all(isinstance(v, str) for v in raw.values())

    def show(self, value: Value, unit: str | None = None) -> str:
        if value is None:
            return "(not set)"
        if not value:
            return "{}"
        return "{" + ", ".join(f"{k}: {v}" for k, v in sorted(value.items())) + "}"

    def show_change(self, old: Value, new: Value, unit: str | None = None) -> str:
        if old is None or new is None:
            return super().show_change(old, new, unit)
        diff = _deepdiff(dict(old), dict(new))
        parts = [f"+{_key(p)}={new[_key(p)]}" for p in diff.get("dictionary_item_added", [])]
        parts += [f"-{_key(p)}" for p in diff.get("dictionary_item_removed", [])]
        parts += [
            f"{_key(p)}: {change['old_value']} -> {change['new_value']}"
            for p, change in diff.get("values_changed", {}).items()
        ]
        if len(old) + len(new) > LONG_LIST:
            return f"{len(old)} settings -> {len(new)} settings ({', '.join(sorted(parts))})"
        return f"{self.show(old)} -> {self.show(new)} ({', '.join(sorted(parts))})"


def _deepdiff(old: Value, new: Value, **options: Any) -> Any:
    """deepdiff's report of what differs; imported here, since only a differing nested value
    needs it and commands that print no change should not pay for loading it."""
    from deepdiff import DeepDiff

    return DeepDiff(old, new, **options)


def _key(path: str) -> str:
    """The key or item of a top-level deepdiff path such as `root['work_mem']`."""
    return path.removeprefix("root[").removesuffix("]").strip("'\"")


@dataclass(frozen=True)
class Window(Kind):
    """A weekly maintenance window in UTC: `{weekdays, start_time, end_time}` (Neon's shape)."""

    unit: str = "window"

    def canonical(self, value: Value) -> Value:
        if value is None:
            return None
        return {
            "weekdays": sorted(set(value["weekdays"])),
            "start_time": value["start_time"],
            "end_time": value["end_time"],
        }

    def accepts(self, raw: Value) -> bool:
        if not isinstance(raw, dict) or not {"weekdays", "start_time", "end_time"} <= set(raw):
            return False
        days = raw["weekdays"]
        times = (raw["start_time"], raw["end_time"])
        return (
            isinstance(days, list)
            and all(isinstance(d, int) and not isinstance(d, bool) for d in days)
            and all(isinstance(t, str) for t in times)
        )

    def show(self, value: Value, unit: str | None = None) -> str:
        if value is None:
            return "(not set)"
        days = ", ".join(_WEEKDAYS[d - 1] for d in sorted(set(value["weekdays"])) if 1 <= d <= 7)
        return f"{days} {value['start_time']}-{value['end_time']} UTC"
