"""重复发生问题: registered while a similar problem of the same lead unit had been closed within
the past 24 months — marked at creation and at import, counted in statistics."""

import datetime as dt

from books.services.importer import problems_import
from issues.models import Problem
from issues.services.recurrence import months_before
from tests.conftest import SHANGHAI
from tests.issues.test_import import xlsx

TITLE = "食堂食品安全管理不规范"
DESC = "学校食堂食品留样记录缺失，从业人员健康证过期。"
AGAIN = "食堂食品安全管理不到位"


def closed_on(_today, make_problem, day: dt.date, **fields):
    """A problem closed on `day` (time travels there and back)."""
    _today.move_to(dt.datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI))
    fields.setdefault("due_date", day + dt.timedelta(days=60))
    problem = make_problem("closed", title=TITLE, description=DESC, **fields)
    _today.move_to(dt.datetime(2026, 3, 2, 10, tzinfo=SHANGHAI))
    return problem


def test_it_goes_back_24_months_to_the_same_day_or_the_months_last():
    moment = dt.datetime(2026, 3, 2, 10, tzinfo=SHANGHAI)
    assert months_before(moment, 24) == dt.datetime(2024, 3, 2, 10, tzinfo=SHANGHAI)
    leap = dt.datetime(2026, 2, 28, tzinfo=SHANGHAI)
    assert months_before(dt.datetime(2028, 2, 29, tzinfo=SHANGHAI), 24) == leap


def test_it_marks_a_problem_like_one_the_unit_closed_within_24_months(_today, make_problem):
    earlier = closed_on(_today, make_problem, dt.date(2024, 6, 1))

    problem = make_problem(title=AGAIN, description=DESC)

    assert problem.is_recurring is True
    assert problem.recurs_problem_id == earlier.pk


def test_it_does_not_mark_one_closed_more_than_24_months_ago(_today, make_problem):
    closed_on(_today, make_problem, dt.date(2024, 3, 1))

    problem = make_problem(title=AGAIN, description=DESC)

    assert problem.is_recurring is False
    assert problem.recurs_problem_id is None


def test_it_does_not_mark_one_another_unit_closed(_today, cast, make_problem):
    closed_on(_today, make_problem, dt.date(2025, 6, 1), lead_unit=cast.unit_b)

    problem = make_problem(title=AGAIN, description=DESC)

    assert problem.is_recurring is False


def test_it_does_not_mark_an_unlike_problem(_today, make_problem):
    closed_on(_today, make_problem, dt.date(2025, 6, 1))

    unlike = make_problem(title="道路破损未及时修复", description="城区主干道路面坑洼。")

    assert unlike.is_recurring is False


def test_it_does_not_mark_one_like_a_problem_still_open(make_problem):
    make_problem("in_progress", title=TITLE, description=DESC)

    problem = make_problem(title=AGAIN, description=DESC)

    assert problem.is_recurring is False


def test_it_marks_recurring_rows_at_import(_today, cast, make_problem):
    earlier = closed_on(_today, make_problem, dt.date(2025, 6, 1))
    upload = xlsx(
        [
            ["序号", "问题来源", "问题标题", "问题描述", "牵头单位", "整改时限"],
            [1, "巡察", AGAIN, DESC, "教育局", "2026年6月30日"],
            [2, "巡察", AGAIN, DESC, "卫健局", "2026年6月30日"],
            [3, "巡察", "道路破损未及时修复", "城区主干道路面坑洼。", "教育局", "2026年6月30日"],
        ]
    )

    result = problems_import(actor=cast.oa, batch=cast.batch, upload=upload, dry_run=False)

    rows = Problem.objects.filter(pk__in=result.problem_ids).order_by("pk")
    assert [(p.is_recurring, p.recurs_problem_id) for p in rows] == [
        (True, earlier.pk),
        (False, None),
        (False, None),
    ]


def test_it_counts_recurring_problems_in_statistics(api, _today, cast, make_problem):
    closed_on(_today, make_problem, dt.date(2025, 6, 1))
    make_problem("in_progress", title=AGAIN, description=DESC)
    make_problem("in_progress", title="道路破损未及时修复", description="城区主干道路面坑洼。")

    summary = api(cast.oa).get("/api/v1/stats/summary/").json()
    units = api(cast.oa).get("/api/v1/stats/units/").json()

    assert summary["repeat_count"] == 1
    by_unit = {row["unit"]["id"]: row["repeat_count"] for row in units}
    assert by_unit[cast.unit_a.pk] == 1
    assert by_unit[cast.unit_b.pk] == 0
