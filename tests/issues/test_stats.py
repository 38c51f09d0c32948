import datetime as dt
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext

from issues.models import Problem, Regulation
from issues.selectors.scope import visible_problems
from issues.selectors.stats import monthly_trend, stats_by, stats_summary, stats_units
from issues.services.workflow import perform_action

SHANGHAI = ZoneInfo("Asia/Shanghai")


def hand_counted_county(cast, make_problem, _today):
    """教育局: 2 closed (1 late), 1 routine, 1 in_progress overdue, 1 assigned, 1 long_term,
    1 closeout_review, 1 draft, 1 withdrawn.  卫健局: 1 closed on time, 1 in_progress."""
    late = make_problem("in_progress", due_date=dt.date(2026, 3, 5))
    make_problem("closed", due_date=dt.date(2026, 6, 30))
    make_problem("routine")
    make_problem("in_progress", due_date=dt.date(2026, 3, 5))
    make_problem("assigned")
    make_problem("long_term")
    make_problem("closeout_review")
    make_problem("draft")
    make_problem("withdrawn")
    make_problem("closed", lead_unit=cast.unit_b)
    make_problem("in_progress", lead_unit=cast.unit_b)
    # Close `late` after its due date: closed, but not on time.
    _today.move_to(dt.datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI))
    from tests.conftest import _finish_measures_and_upload

    _finish_measures_and_upload(cast, late, cast.admin_a)
    perform_action(
        problem_id=late.pk, action="request_closeout", actor=cast.admin_a, data={"summary": "完成"}
    )
    for reviewer in (cast.head_a, cast.rev):
        perform_action(problem_id=late.pk, action="approve_closeout", actor=reviewer)
    Regulation.objects.create(
        name="制度一", issued_on=dt.date(2026, 3, 1), unit=cast.unit_a
    ).problems.add(late)


def test_it_matches_a_hand_counted_county(cast, make_problem, _today):
    hand_counted_county(cast, make_problem, _today)
    summary = stats_summary(Problem.objects.all())
    assert summary == {
        "total": 9,
        "completed": 4,
        "in_progress": 4,
        "long_term": 1,
        "overdue": 1,
        "completion_rate": 44.4,
        "on_time_rate": 50.0,
        "reopened": 0,
        # Every problem shares one title: the 5 counted 教育局 and 1 卫健局 problems made
        # after their unit's first close-out are 重复发生.
        "repeat_count": 6,
        "regulations": 1,
    }
    assert summary["total"] == summary["completed"] + summary["in_progress"] + summary["long_term"]


def test_it_counts_per_unit_within_scope(cast, make_problem, _today):
    hand_counted_county(cast, make_problem, _today)
    rows = stats_units(
        visible_problems(cast.admin_a),
        cast.unit_a.__class__.objects.filter(pk__in=[cast.unit_a.pk, cast.school_a.pk]),
    )
    a = next(r for r in rows if r["unit"]["id"] == cast.unit_a.pk)
    assert (a["total"], a["completed"], a["in_progress"], a["long_term"]) == (7, 3, 3, 1)
    assert a["regulations"] == 1
    assert {r["unit"]["name"] for r in rows} == {"教育局", "实验小学"}
    assert stats_summary(visible_problems(cast.admin_b))["total"] == 2


def test_it_breaks_down_by_source_and_batch(cast, make_problem, _today):
    make_problem("in_progress", source="audit")
    make_problem("closed", source="petition")
    by_source = {r["key"]: r["total"] for r in stats_by(Problem.objects.all(), "source")}
    assert by_source == {"audit": 1, "petition": 1}
    assert stats_by(Problem.objects.all(), "batch")[0]["total"] == 2


def test_it_keeps_a_constant_number_of_queries(cast, make_problem, _today):
    make_problem("in_progress")
    units = cast.unit_a.__class__.objects.all()
    with CaptureQueriesContext(connection) as few:
        stats_units(Problem.objects.all(), units)
    for _ in range(5):
        make_problem("closed", lead_unit=cast.unit_b)
    with CaptureQueriesContext(connection) as many:
        stats_units(Problem.objects.all(), units)
    assert len(few) == len(many) == 3, [q["sql"] for q in many]


def test_it_trends_by_local_month(cast, make_problem, _today):
    make_problem("closed")
    trend = monthly_trend(Problem.objects.all(), months=3)
    assert [row["month"] for row in trend] == ["2026-01", "2026-02", "2026-03"]
    assert trend[-1] == {"month": "2026-03", "created": 1, "closed": 1}
