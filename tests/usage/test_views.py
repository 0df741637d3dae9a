"""The outputs: JSON and CSV for machines, a table and Markdown for people, the daily chart."""

from __future__ import annotations

import csv
import io
from datetime import date
from fractions import Fraction

from controller.reconcile.changeplan import PlanTarget
from controller.usage.assess import TenantUsage
from controller.usage.billing import BILLING_NAMES
from controller.usage.chart import render_tenant_chart, sparkline
from controller.usage.documents import (
    CSV_COLUMNS,
    history_csv,
    history_document,
    report_csv,
    report_document,
)
from controller.usage.readings import TenantReading
from controller.usage.report import UsageReport, build_report
from controller.usage.table import render_markdown, render_table
from tests.usage.builders import (
    HOUR,
    GiB,
    fleet,
    june,
    plan,
    plans,
    reading,
    tenant,
    tenant_reading,
)

PLANS = plans(
    plan("free", compute_time=100 * HOUR, written_data=2 * GiB),
    plan("pro", compute_time=300 * HOUR, written_data=20 * GiB),
    plan("enterprise"),
)
TENANTS = [
    tenant("acme", "pro", compute_time=300 * HOUR, written_data=20 * GiB),
    tenant("hooli", "free", compute_time=100 * HOUR, written_data=2 * GiB),
    tenant("zeta", "free", compute_time=100 * HOUR),
]


def make_report(*, history: bool = True, cached: tuple[str, ...] = ()) -> UsageReport:
    acme = reading(
        at=june(18),
        used={"compute_time": 255 * HOUR, "written_data": 2 * GiB},
        quota={"compute_time": 300 * HOUR, "written_data": 20 * GiB},
        history=history,
        created_at=june(1),
        days={
            date(2025, 6, 2): {"compute_time": 55 * HOUR},
            date(2025, 6, 5): {"compute_time": 200 * HOUR},
        },
    )
    hooli = reading(
        at=june(18),
        used={"written_data": 3 * GiB, "compute_time": 17 * HOUR},
        quota={"compute_time": 100 * HOUR, "written_data": 2 * GiB},
        history=history,
        days={date(2025, 6, 9): {"written_data": 3 * GiB}},
    )
    readings = {
        "acme": tenant_reading("acme", acme),
        "hooli": tenant_reading("hooli", hooli),
        "zeta": tenant_reading("zeta"),
    }
    return build_report(
        fleet(TENANTS, PLANS), readings, Fraction(80), target=PlanTarget(host="test"), cached=cached
    )


def tenant_of(report: UsageReport, tenant_id: str) -> TenantUsage:
    return next(t for t in report.tenants if t.tenant_id == tenant_id)


def test_json_holds_exact_numbers_statuses_projection_and_upgrade() -> None:
    document = report_document(make_report(cached=("hooli",)))
    assert (document["format_version"], document["alert"], document["warn_at_percent"]) == (
        2,
        True,
        80.0,
    )
    assert document["observed_at"] == "2025-06-18T00:00:00Z"
    acme, hooli, zeta = document["tenants"]
    assert (acme["status"], acme["from_cache"], hooli["from_cache"]) == ("warning", False, True)
    assert acme["period"] == {
        "start": "2025-06-01T00:00:00Z",
        "end": "2025-07-01T00:00:00Z",
        "assumed": False,
    }
    assert acme["metrics"]["compute_time"] == {
        "unit": "seconds",
        "used": 255 * HOUR,
        "limit": 300 * HOUR,
        "percent": 85.0,
        "status": "warning",
        "effect_at_limit": "computes suspended",
        "projected_at_period_end": 450 * HOUR,
        "limit_reached_at": "2025-06-21T00:00:00Z",
        "limit_reached_within_period": True,
        "reached_on": None,
        "neon_quota": 300 * HOUR,
        "too_early_to_project": False,
        "trailing_days": 0,
    }
    assert acme["upgrade"] == {"plan": "enterprise", "is_current_plan": False, "too_early": False}
    assert hooli["metrics"]["written_data"]["status"] == "exceeded"
    assert hooli["metrics"]["written_data"]["reached_on"] == "2025-06-09"
    assert hooli["upgrade"] == {"plan": "pro", "is_current_plan": False, "too_early": False}
    assert (zeta["status"], zeta["metrics"], zeta["upgrade"]) == ("no project", {}, None)
    assert document["consumption_history"] == {"available": True, "note": None}


def test_json_says_when_consumption_history_was_refused() -> None:
    document = report_document(make_report(history=False))
    assert document["consumption_history"] == {"available": False, "note": "no history (403)"}
    # hooli's project is older than the period: its storage growth is unknown without history;
    # acme's was created on June 1, so it grew from nothing and can still be projected.
    hooli = document["tenants"][1]["metrics"]["storage"]
    assert (hooli["projected_at_period_end"], hooli["limit_reached_at"]) == (None, None)
    assert document["tenants"][0]["metrics"]["storage"]["projected_at_period_end"] == 0


def test_csv_has_a_row_per_tenant_and_metric_with_raw_numbers() -> None:
    rows = list(csv.DictReader(io.StringIO(report_csv(make_report()))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len([r for r in rows if r["scope"] == "tenant"]) == 5 + 5 + 1
    # then the totals: per plan with tenants (free, pro), then the fleet, a row per metric
    totals = [(r["scope"], r["plan"], r["metric"], r["used"]) for r in rows[11:]]
    assert len(totals) == 3 * 5
    assert ("fleet", "", "written_data", str(5 * GiB)) in totals
    compute = next(r for r in rows if (r["tenant"], r["metric"]) == ("acme", "compute_time"))
    assert (compute["used"], compute["limit"], compute["percent"], compute["status"]) == (
        str(255 * HOUR),
        str(300 * HOUR),
        "85.0",
        "warning",
    )
    assert compute["limit_reached_within_period"] == "true"
    assert compute["upgrade_plan"] == "enterprise"
    assert (compute["observed_at"], compute["from_cache"]) == ("2025-06-18T00:00:00Z", "false")
    zeta = rows[10]
    assert (zeta["tenant"], zeta["tenant_status"], zeta["metric"], zeta["used"]) == (
        "zeta",
        "no project",
        "",
        "",
    )


def test_the_table_reads_in_the_limits_units_without_colour_off_a_terminal() -> None:
    text = render_table(make_report(cached=("acme",)), color=False)
    assert "\x1b[" not in text
    assert text.splitlines()[0] == (
        "Usage against limits: Neon API test; as of 2025-06-18 00:00 UTC (Neon's clock); "
        "warning at 80% of a limit; consumption history: legacy (detected)"
    )
    lines = text.splitlines()
    first = next(line for line in lines if line.startswith("acme "))
    assert first.split()[:6] == ["acme", "pro", "Jun", "1–Jul", "1", "active"]
    compute = lines[lines.index(first) + 1].split()
    assert " ".join(compute) == "compute time 255h 300h 85.0% warning 450h 2025-06-21 00:00 UTC"
    assert "EXCEEDED (computes suspended)" in text
    assert "reached 2025-06-09" in text
    assert "acme (pro, warning): enterprise is the smallest plan that fits" in text
    assert "hooli (free, exceeded): pro is the smallest plan that fits" in text
    assert "zeta: no project yet" in text
    assert (
        "1 tenant(s) from the local cache, read as early as 2025-06-18 00:00 UTC (Neon refreshes "
        "usage every 15 minutes); --refresh reads Neon again"
    ) in text


def test_a_limit_the_fleet_lifted_but_neon_still_enforces_shows_as_reached() -> None:
    found = reading(
        at=june(18),
        used={"compute_time": 150 * HOUR},
        quota={"compute_time": 100 * HOUR},
        days={date(2025, 6, 7): {"compute_time": 150 * HOUR}},
    )
    report = build_report(
        fleet([tenant("acme", "enterprise")], PLANS),
        {"acme": tenant_reading("acme", found)},
        Fraction(80),
        target=PlanTarget(host="test"),
    )
    compute = next(
        line for line in render_table(report, color=False).splitlines() if "compute" in line
    )
    assert compute.split()[3:] == [
        "unlimited",
        "-",
        "EXCEEDED",
        "(computes",
        "suspended)",
        "~264.7h",
        "reached",
        "2025-06-07",
    ]


def test_the_table_is_coloured_on_a_terminal() -> None:
    assert "\x1b[" in render_table(make_report(), color=True)


def test_markdown_is_a_table_with_exceeded_in_bold() -> None:
    text = render_markdown(make_report())
    lines = text.splitlines()
    assert lines[2].startswith("| Tenant | Plan | Period | Metric | Used | Limit |")
    assert lines[3] == "|---|---|---|---|---|---|---|---|---|---|"
    assert "| **EXCEEDED (computes suspended)** |" in text
    assert "- acme (pro, warning): enterprise is the smallest plan" in text


def test_a_sparkline_scales_days_to_the_busiest_and_marks_missing_days() -> None:
    assert sparkline([0, 1, 7, None, 14]) == "▁▂▅·█"
    assert sparkline([0, 0]) == "▁▁"
    assert sparkline([]) == ""


def test_the_daily_chart_shows_each_metric_from_the_projects_first_day() -> None:
    acme = tenant_of(make_report(), "acme")
    text = render_tenant_chart(acme, cached=False)
    lines = text.splitlines()
    assert lines[0] == (
        "acme (pro): daily usage, period Jun 1–Jul 1, UTC days; consumption history: legacy; "
        "as of 2025-06-18 00:00 UTC (Neon's clock)"
    )
    compute = next(line for line in lines if "compute time" in line)
    # June 1..17 (read at midnight on the 18th): 55 h on June 2, 200 h on June 5.
    assert "  ▁▃▁▁█▁▁▁▁▁▁▁▁▁▁▁▁  " in compute
    assert "total 255h of 300h (85.0%), warning; busiest day 200h" in compute
    transfer = next(line for line in lines if "data transfer" in line)
    assert "data transfer    ·················  total" in transfer
    assert "Neon's legacy history does not measure it" in transfer


def test_the_daily_history_as_json_csv_and_markdown() -> None:
    acme = tenant_of(make_report(), "acme")
    document = history_document(acme, cached=False)
    assert (document["tenant"], document["granularity"], len(document["timeframes"])) == (
        "acme",
        "daily",
        17,
    )
    assert (document["observed_at"], document["from_cache"]) == ("2025-06-18T00:00:00Z", False)
    assert (document["from"], document["to"]) == ("2025-06-01T00:00:00Z", "2025-06-18T00:00:00Z")
    assert document["timeframes"][1] == {
        "start": "2025-06-02T00:00:00Z",
        "end": "2025-06-03T00:00:00Z",
        "active_time": 0,
        "compute_time": 55 * HOUR,
        "written_data": 0,
        "data_transfer": None,
        "storage": None,
        **dict.fromkeys(BILLING_NAMES),  # legacy history: no billing metrics
    }
    rows = list(csv.DictReader(io.StringIO(history_csv(acme))))
    assert (rows[4]["timeframe_start"], rows[4]["compute_time"], rows[4]["data_transfer"]) == (
        "2025-06-05T00:00:00Z",
        str(200 * HOUR),
        "",
    )
    table = render_tenant_chart(acme, cached=False, as_markdown=True)
    assert "| 2025-06-05 | 0s | 200h | 0GiB |" in table


def test_a_cached_history_says_when_it_was_read_and_that_it_is_cached() -> None:
    acme = tenant_of(make_report(cached=("acme",)), "acme")
    heading = "as of 2025-06-18 00:00 UTC (Neon's clock, from the local cache)"
    assert render_tenant_chart(acme, cached=True).splitlines()[0].endswith(heading)
    markdown = render_tenant_chart(acme, cached=True, as_markdown=True)
    assert markdown.splitlines()[0].endswith(heading + "**")
    assert history_document(acme, cached=True)["from_cache"] is True


def test_without_history_the_chart_says_so_and_keeps_the_totals() -> None:
    acme = tenant_of(make_report(history=False), "acme")
    text = render_tenant_chart(acme, cached=False)
    assert "(no daily history)" in text
    assert "Note: no history (403)" in text
    assert "total 255h of 300h (85.0%)" in text
    assert history_document(acme, cached=False)["consumption_history"] == {
        "available": False,
        "note": "no history (403)",
    }


def test_neon_text_is_inert_on_a_terminal_and_in_markdown() -> None:
    hostile = "project \x1b[2J[bold]boom[/bold] <img src=x> @team | ![p](https://x)"
    readings = {"acme": TenantReading(tenant_id="acme", problem=hostile)}
    plans = fleet([tenant("acme", "pro")], PLANS)
    report = build_report(plans, readings, Fraction(80), target=PlanTarget(host="test"))
    text = render_table(report, color=True)
    assert "\x1b[2J" not in text
    assert "project \\x1b[2J[bold]boom[/bold]" in text  # shown, never interpreted
    markdown = render_markdown(report)
    assert "<img" not in markdown
    assert "@team" not in markdown
    assert "&lt;img src=x&gt;" in markdown
    assert "!\\[p\\](https:\u2060//x)" in markdown  # no image, no link: brackets escaped
