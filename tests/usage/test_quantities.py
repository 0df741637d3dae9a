"""Amounts and shares as usage output spells them: rounded down, never past what they measure."""

from __future__ import annotations

from fractions import Fraction

import pytest

from controller.usage.metrics import BY_NAME
from controller.usage.quantities import in_unit, percent_number, spell_percent

HOUR = 3600
COMPUTE = BY_NAME["compute_time"]


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
        (300 * HOUR - 1, "299.99h"),  # not "300h" beside a limit of 300h it has not reached
        (HOUR // 4, "0.25h"),
        (1, "<0.01h"),
        (0, "0h"),
    ],
)
def test_an_amount_is_rounded_down_to_two_decimals(seconds: int, shown: str) -> None:
    assert in_unit(COMPUTE, seconds, "h") == shown
