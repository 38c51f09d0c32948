"""The reporting rhythm (SPEC §12): periods open on their days, tasks for leading units,
submitted/late/missing/pending, one submission per unit, and 按时报送率 by hand count."""

import datetime as dt

import pytest
import time_machine

from issues.exceptions import ActionForbidden, InvalidInput, InvalidTransition
from issues.models import Problem, ProgressReport, ReportPeriod, ReportTask
from issues.selectors.reporting import on_time_report_rate, task_status
from issues.services.reporting import (
    period_of,
    period_report_submit,
    report_periods_open,
)
from tests.conftest import SHANGHAI

pytestmark = pytest.mark.django_db
D = dt.date


def at(day, hour=10):
    return time_machine.travel(dt.datetime(*day, hour, 0, tzinfo=SHANGHAI), tick=False)


def rhythm(batch, cycle, due_day=None):
    batch.report_cycle, batch.report_due_day = cycle, due_day
    batch.save()
    return batch


@pytest.mark.parametrize(
    "cycle, due_day, day, expected",
    [
        ("weekly", 5, D(2026, 3, 4), ("2026-W10", D(2026, 3, 2), D(2026, 3, 6))),
        ("weekly", 7, D(2026, 3, 8), ("2026-W10", D(2026, 3, 2), D(2026, 3, 8))),
        ("weekly", None, D(2026, 3, 9), ("2026-W11", D(2026, 3, 9), D(2026, 3, 13))),
        ("monthly", 25, D(2026, 3, 2), ("2026-03", D(2026, 3, 1), D(2026, 3, 25))),
        ("monthly", 1, D(2026, 12, 31), ("2026-12", D(2026, 12, 1), D(2026, 12, 1))),
        ("ten_days", None, D(2026, 3, 10), ("2026-03上旬", D(2026, 3, 1), D(2026, 3, 10))),
        ("ten_days", None, D(2026, 3, 11), ("2026-03中旬", D(2026, 3, 11), D(2026, 3, 20))),
        ("ten_days", None, D(2026, 2, 21), ("2026-02下旬", D(2026, 2, 21), D(2026, 2, 28))),
        ("ten_days", None, D(2026, 3, 31), ("2026-03下旬", D(2026, 3, 21), D(2026, 3, 31))),
    ],
)
def test_it_knows_the_period_of_a_day(cast, cycle, due_day, day, expected):
    assert period_of(rhythm(cast.batch, cycle, due_day), day) == expected


def test_a_batch_without_a_cycle_has_no_periods(cast, make_problem):
    make_problem("in_progress")
    assert report_periods_open() == 0
    assert not ReportPeriod.objects.exists()


@pytest.mark.parametrize(
    "cycle, due_day, days, labels",
    [
        # Opened on the Monday, not before; the next week opens on the next Monday.
        ("weekly", 5, [(2026, 3, 8), (2026, 3, 9)], [["2026-W10"], ["2026-W11", "2026-W10"]]),
        ("monthly", 10, [(2026, 3, 31), (2026, 4, 1)], [["2026-03"], ["2026-04", "2026-03"]]),
        (
            "ten_days",
            None,
            [(2026, 3, 10), (2026, 3, 11)],
            [["2026-03上旬"], ["2026-03中旬", "2026-03上旬"]],
        ),
    ],
)
def test_periods_open_on_their_first_day(cast, make_problem, cycle, due_day, days, labels):
    rhythm(cast.batch, cycle, due_day)
    make_problem("in_progress")
    for day, expected in zip(days, labels, strict=True):
        with at(day):
            report_periods_open()
            report_periods_open()  # idempotent
        assert list(ReportPeriod.objects.values_list("period", flat=True)) == expected


def test_a_late_scan_catches_up_the_periods_it_missed(cast, make_problem):
    rhythm(cast.batch, "weekly", 5)
    make_problem("in_progress")
    with at((2026, 3, 25)):
        report_periods_open()
    assert list(ReportPeriod.objects.values_list("period", flat=True)) == [
        "2026-W13",
        "2026-W12",
        "2026-W11",
        "2026-W10",
    ]


def test_units_leading_active_problems_get_a_task(cast, make_problem):
    rhythm(cast.batch, "weekly", 5)
    make_problem("in_progress")
    make_problem("assigned", lead_unit=cast.unit_b)
    make_problem("draft", lead_unit=cast.unit_c)  # not active: no task
    report_periods_open()
    assert set(ReportTask.objects.values_list("unit__name", flat=True)) == {"教育局", "卫健局"}


def test_a_unit_joining_later_gets_a_task_while_the_period_runs(cast, make_problem):
    rhythm(cast.batch, "weekly", 5)
    make_problem("in_progress")
    report_periods_open()
    make_problem("assigned", lead_unit=cast.unit_b)
    with at((2026, 3, 5)):
        report_periods_open()
    assert ReportTask.objects.count() == 2


@pytest.fixture
def weekly(cast, make_problem):
    rhythm(cast.batch, "weekly", 5)  # W10: 2 March – due Friday 6 March
    a1 = make_problem("in_progress")
    a2 = make_problem("in_progress", title="第二个问题")
    b = make_problem("in_progress", lead_unit=cast.unit_b)
    report_periods_open()
    return ReportPeriod.objects.get(), a1, a2, b


def entries(*problems):
    return [{"problem": p.pk, "content": f"{p.title}的进展", "percent": 50} for p in problems]


def status_of(period, unit, day):
    task = ReportTask.objects.get(period=period, unit=unit)
    return task_status(task, period.due_on, day)


def test_a_submission_makes_progress_reports_of_the_period(cast, weekly):
    period, a1, a2, _ = weekly
    with at((2026, 3, 6), hour=17):
        task = period_report_submit(
            actor=cast.admin_a, period_id=period.pk, entries=entries(a1, a2)
        )
    assert task.unit == cast.unit_a
    reports = ProgressReport.objects.filter(period="2026-W10")
    assert sorted(reports.values_list("problem_id", flat=True)) == [a1.pk, a2.pk]
    assert Problem.objects.get(pk=a1.pk).latest_progress == "2026-W10：问题标题的进展"
    assert status_of(period, cast.unit_a, D(2026, 3, 9)) == "submitted"


def test_statuses_follow_the_due_date(cast, weekly):
    period, a1, _, _ = weekly
    assert status_of(period, cast.unit_b, D(2026, 3, 6)) == "pending"
    assert status_of(period, cast.unit_b, D(2026, 3, 7)) == "missing"
    with at((2026, 3, 7)):  # the day after the due date
        period_report_submit(actor=cast.admin_a, period_id=period.pk, entries=entries(a1))
    assert status_of(period, cast.unit_a, D(2026, 3, 7)) == "late"


def test_a_second_submission_is_refused_and_changes_nothing(cast, weekly):
    period, a1, a2, _ = weekly
    period_report_submit(actor=cast.admin_a, period_id=period.pk, entries=entries(a1))
    with pytest.raises(InvalidTransition):
        period_report_submit(actor=cast.head_a, period_id=period.pk, entries=entries(a2))
    assert ProgressReport.objects.count() == 1


def test_a_bad_entry_refuses_the_whole_report(cast, weekly):
    period, a1, _, b = weekly
    with pytest.raises(InvalidInput) as refused:
        period_report_submit(actor=cast.admin_a, period_id=period.pk, entries=entries(a1, b))
    assert "第2项" in refused.value.errors["entries"][0]
    assert not ProgressReport.objects.exists()
    assert ReportTask.objects.get(period=period, unit=cast.unit_a).submitted_at is None


@pytest.mark.parametrize("who", ["staff_a", "viewer_a", "oa", "admin_b"])
def test_only_the_units_liaison_or_head_submits(cast, weekly, who):
    period, a1, _, _ = weekly
    with pytest.raises((ActionForbidden, InvalidInput)):
        period_report_submit(
            actor=getattr(cast, who), period_id=period.pk, unit=cast.unit_a, entries=entries(a1)
        )
    assert not ProgressReport.objects.exists()


def test_on_time_report_rate_by_hand(cast, make_problem):
    """Four due tasks over two weeks: 2 on time, 1 late, 1 missing → 50.0; the running week's
    unsubmitted task is not yet due and does not count."""
    rhythm(cast.batch, "weekly", 5)
    a = make_problem("in_progress")
    b = make_problem("in_progress", lead_unit=cast.unit_b)
    report_periods_open()  # W10
    w10 = ReportPeriod.objects.get(period="2026-W10")
    with at((2026, 3, 6)):
        period_report_submit(actor=cast.admin_a, period_id=w10.pk, entries=entries(a))
    with at((2026, 3, 9)):
        report_periods_open()  # W11
        period_report_submit(actor=cast.admin_b, period_id=w10.pk, entries=entries(b))  # late
    w11 = ReportPeriod.objects.get(period="2026-W11")
    with at((2026, 3, 13)):
        period_report_submit(actor=cast.admin_a, period_id=w11.pk, entries=entries(a))
    problems = Problem.objects.all()
    assert on_time_report_rate(problems, today=D(2026, 3, 13)) == pytest.approx(66.7)
    assert on_time_report_rate(problems, today=D(2026, 3, 14)) == 50.0  # b missed W11
    only_b = Problem.objects.filter(lead_unit=cast.unit_b)
    assert on_time_report_rate(only_b, today=D(2026, 3, 14)) == 0.0
    assert on_time_report_rate(Problem.objects.none(), today=D(2026, 3, 14)) is None
