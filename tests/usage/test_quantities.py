"""Amounts and shares as usage output spells them: in the unit the fleet wrote, through the
registry's kinds, rounded down (and marked `~`), never past what they measure."""

from __future__ import annotations

from fractions import Fraction

import pytest

from controller.usage.metrics import BY_NAME
from controller.usage.quantities import (
    percent_number,
    spell_amount,
    spell_limit,
    spell_percent,
    spell_used,
)

HOUR = 3600
COMPUTE = BY_NAME["compute_time"]
STORAGE = BY_NAME["storage"]
GB = 1000**3
GiB = 1024**3


@pytest.mark.parametrize(
    ("percent", "shown", "number"),
    [
        (Fraction(85), "85.0%", 85.0),
        (Fraction(1125, 10), "112.5%", 112.5),
        (Fraction(0), "0.0%", 0.0),
        (Fraction(200, 3), "66.6%", 66.66),
        # Just below a threshold or the limit: rounding to nearest would print 80.0% / 100.0%
        # beside a status of ok / warning.
        (Fraction(79_999, 1000), "79.9%", 79.99),
        (Fraction(99_999, 1000), "99.9%", 99.99),
        (Fraction(100), "100.0%", 100.0),
    ],
)
def test_a_share_is_rounded_down(percent: Fraction, shown: str, number: float) -> None:
    assert (spell_percent(percent), percent_number(percent)) == (shown, number)


def test_no_limit_has_no_share() -> None:
    assert (spell_percent(None), percent_number(None)) == ("-", None)


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (255 * HOUR, "255h"),
        (300 * HOUR - 1, "~299.99h"),  # not "300h" beside a limit of 300h it has not reached
        (HOUR // 4, "0.25h"),
        (1, "~0h"),
        (0, "0h"),
    ],
)
def test_an_amount_is_rounded_down_to_two_decimals(seconds: int, shown: str) -> None:
    assert spell_amount(COMPUTE, seconds, "h") == shown


def test_a_limit_reads_in_the_unit_the_fleet_wrote_and_use_beside_it() -> None:
    assert spell_limit(COMPUTE, 600 * HOUR, "h") == "600h"  # never 25d
    assert spell_limit(COMPUTE, 600 * HOUR) == "600h"  # no unit written: hours, never days
    assert spell_used(COMPUTE, 255 * HOUR, 600 * HOUR, "h") == "255h"
    assert spell_limit(COMPUTE, 30 * 24 * HOUR, "d") == "30d"
    assert spell_used(COMPUTE, 36 * HOUR, 30 * 24 * HOUR, "d") == "1.5d"
    assert spell_limit(STORAGE, 10 * GB, "GB") == "10GB"
    assert spell_used(STORAGE, GiB // 2, 10 * GB, "GB") == "~0.53GB"
    assert spell_used(STORAGE, GiB // 2, 10 * GiB) == "512MiB"  # no unit written: one fits both
    assert spell_limit(STORAGE, None, "GB") == "unlimited"
