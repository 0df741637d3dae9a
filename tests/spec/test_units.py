"""Sizes and durations: the spellings fleet files use, exact conversion, and round trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from controller.spec.units import (
    BYTE_UNITS,
    DURATION_UNITS,
    UnitError,
    format_bytes,
    format_duration,
    parse_bytes,
    parse_duration,
)

INT64_MAX = 2**63 - 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("512", 512),
        (512, 512),
        ("512B", 512),
        ("1KB", 1000),
        ("1KiB", 1024),
        ("10GiB", 10 * 1024**3),
        ("5GB", 5 * 10**9),
        ("1.5 GB", 1_500_000_000),
        ("1.5KiB", 1536),
        ("2TiB", 2 * 1024**4),
        ("0.5MiB", 512 * 1024),
    ],
)
def test_parse_bytes_reads_decimal_and_binary_units(text: str | int, expected: int) -> None:
    assert parse_bytes(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("300", 300),
        (300, 300),
        ("45s", 45),
        ("5m", 300),
        ("1.5h", 5400),
        ("100h", 360_000),
        ("1d", 86_400),
        ("30d", 2_592_000),
        ("2w", 1_209_600),
    ],
)
def test_parse_duration_reads_seconds_to_weeks(text: str | int, expected: int) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "10gib",
            "not a size: unknown unit 'gib'; did you mean 'GiB'? (units are case-sensitive)",
        ),
        (
            "10 gigs",
            "not a size: unknown unit 'gigs'; e.g. 10GiB "
            "(units: B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)",
        ),
        ("1.3KiB", "not a whole number of bytes"),
        (
            "1_000",
            "not a size; write a whole number of bytes or a number with a unit, e.g. 10GiB "
            "(units: B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)",
        ),
        (-5, "negative; a size cannot be below zero"),
        (
            "1" * 31,
            "not a size; write a whole number of bytes or a number with a unit, e.g. 10GiB "
            "(units: B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)",
        ),
    ],
)
def test_parse_bytes_explains_what_it_expected(text: str | int, message: str) -> None:
    with pytest.raises(UnitError) as raised:
        parse_bytes(text)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "12:30",
            "not a duration; write a whole number of seconds or a number with a unit, e.g. 5m "
            "(units: s, m, h, d, w)",
        ),
        ("3 days", "not a duration: unknown unit 'days'; e.g. 5m (units: s, m, h, d, w)"),
        ("5M", "not a duration: unknown unit 'M'; did you mean 'm'? (units are case-sensitive)"),
        ("0.5s", "not a whole number of seconds"),
    ],
)
def test_parse_duration_explains_what_it_expected(text: str, message: str) -> None:
    with pytest.raises(UnitError) as raised:
        parse_duration(text)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (0, "0"),
        (1, "1"),
        (1000, "1KB"),
        (1024, "1KiB"),
        (10 * 1024**3, "10GiB"),
        (5 * 10**9, "5GB"),
        (1000 * 1024, "1000KiB"),  # 1000KiB beats 1024KB: the smaller number wins
        (1_000_001, "1000001"),
    ],
)
def test_format_bytes_picks_the_shortest_exact_spelling(amount: int, expected: str) -> None:
    assert format_bytes(amount) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(0, "0s"), (90, "90s"), (300, "5m"), (5400, "90m"), (86_400, "1d"), (604_800, "7d")],
)
def test_format_duration_picks_the_shortest_exact_spelling(seconds: int, expected: str) -> None:
    assert format_duration(seconds) == expected


def test_formatting_a_negative_amount_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="negative"):
        format_bytes(-1)


@given(st.integers(min_value=0, max_value=INT64_MAX))
def test_bytes_round_trip(amount: int) -> None:
    spelled = format_bytes(amount)
    assert parse_bytes(spelled) == amount
    assert len(spelled) <= len(str(amount))


@given(st.integers(min_value=0, max_value=INT64_MAX))
def test_durations_round_trip(seconds: int) -> None:
    spelled = format_duration(seconds)
    assert parse_duration(spelled) == seconds
    assert len(spelled) <= len(str(seconds)) + 1  # "90s" is one longer than "90"


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from(sorted(BYTE_UNITS)))
def test_every_byte_unit_multiplies_exactly(number: int, unit: str) -> None:
    assert parse_bytes(f"{number}{unit}") == number * BYTE_UNITS[unit]
    assert parse_bytes(f"{number} {unit}") == number * BYTE_UNITS[unit]


@given(st.integers(min_value=0, max_value=10**9), st.sampled_from(sorted(DURATION_UNITS)))
def test_every_duration_unit_multiplies_exactly(number: int, unit: str) -> None:
    assert parse_duration(f"{number}{unit}") == number * DURATION_UNITS[unit]


@given(st.integers(min_value=0, max_value=INT64_MAX))
def test_a_canonical_spelling_is_stable(amount: int) -> None:
    assert format_bytes(parse_bytes(format_bytes(amount))) == format_bytes(amount)
    assert format_duration(parse_duration(format_duration(amount))) == format_duration(amount)
