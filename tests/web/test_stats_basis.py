"""One 统计口径 (issue 16 item 6): a unit's figures count the problems it leads; problems it
only cooperates on are shown apart. The dashboard, the unit report, the ranking and the export
give the same numbers for the same unit."""

import io

import pytest
from openpyxl import load_workbook

from books.services.print_forms import unit_report_data
from issues.selectors.scope import visible_problems
from issues.selectors.stats import (
    STATS_BASIS,
    cooperating_count,
    led_in_scope,
    led_problems,
    stats_summary,
)

KEYS = ("total", "completed", "in_progress", "long_term", "overdue", "completion_rate")


@pytest.fixture
def county_work(cast, make_problem):
    """教育局 leads two problems (one closed) and cooperates on two led by 卫健局."""
    make_problem("closed", lead_unit=cast.unit_a)
    make_problem("in_progress", lead_unit=cast.unit_a)
    for _ in range(2):
        make_problem("in_progress", lead_unit=cast.unit_b, cooperating_units=[cast.unit_a])
    return cast


def test_it_counts_led_problems_and_keeps_cooperating_ones_apart(county_work):
    c = county_work
    visible = visible_problems(c.head_a)
    assert visible.count() == 4  # the head sees all four ...
    summary = stats_summary(led_problems(c.head_a, visible))
    assert (summary["total"], summary["completed"], summary["completion_rate"]) == (2, 1, 50.0)
    assert cooperating_count(c.head_a, visible) == 2  # ... and the two 配合 apart
    # The same from the led total (the dashboard's form: visible less led).
    assert cooperating_count(c.head_a, visible, led_total=summary["total"]) == 2
    # The county office sees everything and cooperates on nothing.
    everything = visible_problems(c.oa)
    assert stats_summary(led_problems(c.oa, everything))["total"] == 4
    assert cooperating_count(c.oa, everything) == 0


def test_it_counts_the_same_problems_from_the_lead_units_alone(county_work):
    """The dashboard reads led_in_scope (no scope union): the same set as the visible ones led
    in scope, for a unit that cooperates and for the county office."""
    c = county_work
    for user in (c.head_a, c.admin_b, c.oa):
        led = led_problems(user, visible_problems(user))
        assert sorted(led_in_scope(user).values_list("pk", flat=True)) == sorted(
            led.values_list("pk", flat=True)
        )
    assert led_in_scope(c.head_a).count() == 2


def test_the_dashboard_and_the_unit_report_agree_for_one_unit(county_work, web):
    c = county_work
    report = unit_report_data(user=c.head_a, unit_id=c.unit_a.pk)
    response = web(c.head_a).get("/dashboard/")
    dashboard = response.context["summary"]
    assert {k: dashboard[k] for k in KEYS} == {k: report["summary"][k] for k in KEYS}
    assert (dashboard["total"], dashboard["completion_rate"]) == (2, 50.0)
    assert response.context["cooperating"] == report["cooperating"] == 2
    page = response.content.decode()
    assert STATS_BASIS in page and "配合问题 2 项" in page
    ranking = {row["unit"]["id"]: row for row in response.context["ranking_top"]}
    assert ranking[c.unit_a.pk]["total"] == 2
    printed = web(c.head_a).get(f"/print/units/{c.unit_a.pk}/report/").content.decode()
    assert STATS_BASIS in printed and "共有整改问题 2 项" in printed


def test_the_export_totals_follow_the_same_basis(county_work, web):
    c = county_work
    response = web(c.head_a).get("/api/v1/exports/ledger.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    totals = next(
        str(row[0])
        for row in sheet.iter_rows(values_only=True)
        if str(row[0] or "").startswith("合计")
    )
    assert totals.startswith("合计：总数 2 项 = 已完成 1 项")
    assert "另列配合问题 2 项" in totals and STATS_BASIS in totals
