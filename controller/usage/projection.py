"""Where a metric is heading: its use at the end of the billing period, and when it hits its limit.

Why this exists: a partner wants to warn a customer before Neon suspends their computes, so each
limit gets a date, computed at the tenant's average rate since the period began (or since the
project was created, when that is later: a project made yesterday has not been idle all month).
Pure arithmetic on exact fractions of microseconds, so constructed inputs give exact answers:

    rate            = growth / elapsed            growth: use since the window began
    at period end   = used + rate * remaining     rounded up to a whole byte or second
    limit reached   = now + (limit - used) / rate rounded up to a whole second
    within period   = limit reached < period end

Cumulative counters (time, written data, transfer) start each period at zero, so their growth is
what was used. Storage is a level: its growth is the size now minus the size the window began
with (from consumption history); without that size there is no storage projection.

Early in a period (less than `MIN_MEASURED` measured, or a project younger than that), a rate
of a few hours says nothing about a month: one import in the first hour would project to a
hundred times the plan. The rate then also spans the trailing days of history before the window
(up to `TRAILING_DAYS` whole days, when the project existed and history has them); without them
the projection is `too_early` and stays at the use so far.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction

_MICROSECOND = timedelta(microseconds=1)
_DAY_US = timedelta(days=1) // _MICROSECOND
# A limit further away than this at the current rate is shown as not reached at this rate.
HORIZON = timedelta(days=3650)
# Less measured than this, and a rate needs the days before the window (or is too early).
MIN_MEASURED = timedelta(hours=24)
TRAILING_DAYS = 7


@dataclass(frozen=True)
class BillingPeriod:
    """A billing period [start, end); `assumed` when Neon reported none (calendar month, UTC)."""

    start: datetime
    end: datetime
    assumed: bool = False


@dataclass(frozen=True)
class Window:
    """The part of the period usage is measured over: `since` <= `now` <= `end`."""

    since: datetime
    now: datetime
    end: datetime

    @property
    def elapsed(self) -> int:
        """Microseconds measured so far."""
        return (self.now - self.since) // _MICROSECOND

    @property
    def remaining(self) -> int:
        """Microseconds left in the period."""
        return (self.end - self.now) // _MICROSECOND


@dataclass(frozen=True)
class Projection:
    """A metric's course at its current rate.

    - `at_period_end`: use at the end of the period (storage: size), rounded up.
    - `reaches_at`: when the limit is reached; None when there is no limit, when it is already
      reached, when use does not grow, or when it is beyond `HORIZON`.
    - `within_period`: whether `reaches_at` comes before the period ends (False beyond the
      horizon, None in the other cases without a date).
    - `too_early`: too little was measured to project (see the module docstring);
      `at_period_end` is then the use so far. `trailing_days`: days before the window the rate
      also spans (0: the window alone).
    """

    at_period_end: int
    reaches_at: datetime | None = None
    within_period: bool | None = None
    too_early: bool = False
    trailing_days: int = 0


@dataclass(frozen=True)
class Trailing:
    """What a metric grew by over the `days` whole days of history before the window."""

    growth: int
    days: int


def calendar_month(moment: datetime) -> BillingPeriod:
    """The calendar month (UTC) holding `moment`: Neon's billing period when it reports none."""
    utc = moment.astimezone(UTC)
    start = datetime(utc.year, utc.month, 1, tzinfo=UTC)
    year, month = (utc.year + 1, 1) if utc.month == 12 else (utc.year, utc.month + 1)
    return BillingPeriod(start=start, end=datetime(year, month, 1, tzinfo=UTC), assumed=True)


def billing_period(
    start: datetime | None, end: datetime | None, observed_at: datetime
) -> BillingPeriod:
    """Neon's period when it gave a sane one, else the calendar month holding `observed_at`."""
    if start is None or end is None or end <= start:
        return calendar_month(observed_at)
    return BillingPeriod(start=start, end=end)


def measuring_window(
    period: BillingPeriod, created_at: datetime | None, observed_at: datetime
) -> Window:
    """The window of `period` measured at `observed_at`, starting no earlier than creation.

    `now` is held inside the period: counters read just after it ended still describe it.
    """
    now = min(max(observed_at, period.start), period.end)
    since = period.start if created_at is None else max(period.start, created_at)
    return Window(since=min(since, now), now=now, end=period.end)


def project(
    used: int,
    baseline: int,
    limit: int | None,
    window: Window,
    trailing: Trailing | None = None,
) -> Projection:
    """The projection of a metric that grew from `baseline` to `used` over the window (and,
    when the window is shorter than `MIN_MEASURED`, over the `trailing` days before it)."""
    growth, elapsed, days = used - baseline, window.elapsed, 0
    if elapsed < MIN_MEASURED // _MICROSECOND:
        if trailing is None or trailing.days <= 0:
            return Projection(at_period_end=used, too_early=True)
        days = trailing.days
        growth, elapsed = growth + trailing.growth, elapsed + days * _DAY_US
    if growth <= 0 or elapsed <= 0:
        return Projection(at_period_end=used, trailing_days=days)
    at_end = math.ceil(used + Fraction(growth * window.remaining, elapsed))
    if limit is None or used >= limit:
        return Projection(at_period_end=at_end, trailing_days=days)
    to_limit = Fraction((limit - used) * elapsed, growth)  # microseconds from now
    seconds = math.ceil(to_limit / 1_000_000)
    if seconds > HORIZON.total_seconds():
        return Projection(at_period_end=at_end, within_period=False, trailing_days=days)
    reaches_at = window.now + timedelta(seconds=seconds)
    return Projection(
        at_period_end=at_end,
        reaches_at=reaches_at,
        within_period=reaches_at < window.end,
        trailing_days=days,
    )
