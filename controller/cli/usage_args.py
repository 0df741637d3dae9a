"""The flags of `tenantctl usage`, checked together before anything is read.

Why this exists: `usage` has several modes (the report, a history, a billing export) whose flags
combine in a few ways only, and ranges Neon would refuse must fail before any call (exit 1,
one line). This module turns the parsed flags into a `UsageQuery` (what to read) or a clear
`CommandError`, with "now" from the local clock the command is given.
"""

from __future__ import annotations

import argparse
import re
from datetime import datetime
from fractions import Fraction

from controller.cli.common import CommandError
from controller.usage.query import (
    RangeError,
    SeriesRange,
    UsageQuery,
    check_range,
    default_range,
    fitting_range,
    parse_moment,
    parse_period,
)
from controller.usage.readings import SOURCES

FORMATS = ("table", "json", "csv", "markdown")
GRANULARITIES = ("hourly", "daily", "monthly")
DEFAULT_WARN_AT = "80"
_PERCENT = re.compile(r"[0-9]{1,3}(\.[0-9]{1,4})?")


def warn_at_percent(text: str) -> Fraction:
    """A percentage in (0, 100], exactly as written (`80`, `82.5`, `80%`).

    Plain decimal notation only, with a few decimals: `1e-99999999` would make an exact
    fraction with a hundred-million-digit denominator, and nobody alerts at such a share."""
    written = text.strip().removesuffix("%")
    if not _PERCENT.fullmatch(written):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a percentage such as 80 or 82.5 (at most 4 decimals)"
        )
    value = Fraction(written)
    if not 0 < value <= 100:
        raise argparse.ArgumentTypeError(f"{text!r} is not a percentage above 0 and up to 100")
    return value


def add_usage_arguments(parser: argparse.ArgumentParser) -> None:
    """Every flag of `usage` but `--dir` and `--emulator`."""
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format")
    parser.add_argument(
        "--warn-at",
        type=warn_at_percent,
        default=warn_at_percent(DEFAULT_WARN_AT),
        metavar="PERCENT",
        help="a limit used to this percentage or more is a warning (default: 80)",
    )
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument(
        "--target", action="append", metavar="TENANT", help="only this tenant (repeatable)"
    )
    scope.add_argument("--tenant", metavar="ID", help="the tenant whose --history to show")
    parser.add_argument(
        "--history",
        choices=GRANULARITIES,
        help="each metric per hour, day or month (of --tenant, else of the fleet)",
    )
    parser.add_argument("--from", dest="since", metavar="DATE", help="start of a range (UTC)")
    parser.add_argument("--to", dest="until", metavar="DATE", help="end of a range (excluded)")
    parser.add_argument(
        "--billing", action="store_true", help="show the billing metrics in the table too"
    )
    parser.add_argument(
        "--source",
        choices=SOURCES,
        help="consumption history to use: v2, legacy or counters (default: detect)",
    )
    parser.add_argument(
        "--billing-export", metavar="FILE", help="write the billing CSV of --period to FILE"
    )
    parser.add_argument("--period", metavar="YYYY-MM", help="the month of --billing-export")
    parser.add_argument(
        "--refresh",
        action="store_true",
        help="read Neon even if the local cache is younger than 15 minutes",
    )


def check_combination(args: argparse.Namespace) -> None:
    """Flags that do not go together: one line saying which."""
    if args.tenant and not args.history:
        raise CommandError("--tenant picks the tenant of --history; use --target instead")
    if bool(args.since) != bool(args.until):
        raise CommandError("--from and --to go together: give both ends of the range")
    if bool(args.billing_export) != bool(args.period):
        raise CommandError("--billing-export FILE and --period YYYY-MM go together")
    if args.billing_export:
        extra = [
            flag
            for flag, given in (
                ("--history", args.history),
                ("--from/--to", args.since),
                ("--billing", args.billing),
                ("--tenant", args.tenant),
            )
            if given
        ]
        if extra:
            raise CommandError(f"--billing-export takes --period, not {', '.join(extra)}")
        if args.source not in (None, "v2"):
            raise CommandError(
                f"--billing-export needs --source v2 (the billing metrics are v2's), "
                f"not --source {args.source}"
            )


def usage_query(args: argparse.Namespace, now: datetime) -> UsageQuery:
    """What to read for the report or history (`now`: the local clock)."""
    try:
        series = _series(args, now)
    except RangeError as error:
        raise CommandError(str(error)) from None
    if args.source == "counters" and (args.history or args.since):
        raise CommandError(
            "--source counters reads no consumption history: --history and --from/--to need "
            "v2 or legacy"
        )
    return UsageQuery(source=args.source, series=series)


def _series(args: argparse.Namespace, now: datetime) -> SeriesRange | None:
    if args.since:
        since, until = parse_moment(args.since, "--from"), parse_moment(args.until, "--to")
        try:
            if args.history:
                found = check_range(args.history, since, until, now)
            else:
                found = fitting_range(since, until, now)
        except RangeError as error:
            raise RangeError(f"--from {args.since} --to {args.until}: {error}") from None
        return SeriesRange(found.granularity, found.since, found.until, billing=True)
    if args.history in ("hourly", "monthly"):
        return default_range(args.history, now)
    return None  # the report, or --history daily over each billing period


def export_range(args: argparse.Namespace, now: datetime) -> SeriesRange:
    """The month of `--period`, at monthly granularity (checked against Neon's year)."""
    try:
        since, until = parse_period(args.period)
        return check_range("monthly", since, until, now)
    except RangeError as error:
        raise CommandError(f"--period {args.period}: {error}") from None
