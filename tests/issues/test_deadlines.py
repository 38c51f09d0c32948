import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from issues.models import Problem
from issues.selectors.deadlines import annotate_deadlines
from issues.services.problems import measure_update

UTC = ZoneInfo("UTC")


def light_of(problem):
    return annotate_deadlines(Problem.objects.filter(pk=problem.pk)).get()


@pytest.mark.parametrize(
    "state, expected",
    [
        ("draft", "grey"),
        ("list_review", "grey"),
        ("withdrawn", "grey"),
        ("assigned", "green"),
        ("in_progress", "green"),
        ("closeout_review", "green"),
        ("long_term", "green"),
        ("closed", "blue"),
        ("routine", "blue"),
    ],
)
def test_it_gives_each_state_its_light_when_far_from_due(make_problem, state, expected):
    problem = make_problem(state, due_date=dt.date(2026, 6, 30))
    row = light_of(problem)
    assert (row.light, row.is_overdue) == (expected, False)


def test_it_is_red_and_overdue_the_day_after_the_due_date(make_problem, _today):
    problem = make_problem("in_progress", due_date=dt.date(2026, 3, 10))
    _today.move_to(dt.datetime(2026, 3, 11, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    row = light_of(problem)
    assert (row.light, row.is_overdue) == ("red", True)


def test_it_is_yellow_within_the_batch_yellow_days(cast, make_problem):
    problem = make_problem("in_progress", due_date=dt.date(2026, 3, 9))  # today + 7
    assert light_of(problem).light == "yellow"
    cast.batch.yellow_days = 6
    cast.batch.save()
    assert light_of(problem).light == "green"


def test_it_is_yellow_when_a_measure_is_overdue(cast, make_problem, _today):
    problem = make_problem(
        "in_progress",
        due_date=dt.date(2026, 6, 30),
        measures=[{"content": "先做的措施", "unit": cast.unit_a, "due_date": dt.date(2026, 3, 5)}],
    )
    _today.move_to(dt.datetime(2026, 3, 6, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert light_of(problem).light == "yellow"
    measure_update(actor=cast.admin_a, measure_id=problem.measures.get().pk, status="done")
    assert light_of(problem).light == "green"


def stored_and_recomputed(problem):
    """Problem.open_measures_due as stored, and as its measures say it should be."""
    from django.db.models import Min

    stored = Problem.objects.values_list("open_measures_due", flat=True).get(pk=problem.pk)
    fresh = problem.measures.exclude(status="done").aggregate(d=Min("due_date"))["d"]
    return stored, fresh


def test_the_stored_earliest_open_measure_due_date_follows_every_measure_change(cast, make_problem):
    from issues.services.problems import measure_create

    problem = make_problem(
        "in_progress",
        due_date=dt.date(2026, 6, 30),
        measures=[
            {"content": "一", "unit": cast.unit_a, "due_date": dt.date(2026, 5, 1)},
            {"content": "二", "unit": cast.unit_a, "due_date": dt.date(2026, 4, 1)},
        ],
    )
    assert stored_and_recomputed(problem) == (dt.date(2026, 4, 1),) * 2
    first, second = problem.measures.order_by("seq")
    steps = [
        lambda: measure_update(actor=cast.admin_a, measure_id=second.pk, status="done"),
        lambda: measure_update(
            actor=cast.admin_a, measure_id=first.pk, due_date=dt.date(2026, 3, 20)
        ),
        lambda: measure_create(
            actor=cast.admin_a, problem_id=problem.pk, content="三", due_date=dt.date(2026, 3, 3)
        ),
        lambda: measure_update(actor=cast.admin_a, measure_id=second.pk, status="in_progress"),
        lambda: [
            measure_update(actor=cast.admin_a, measure_id=m.pk, status="done")
            for m in problem.measures.all()
        ],
    ]
    expected = [
        dt.date(2026, 5, 1),
        dt.date(2026, 3, 20),
        dt.date(2026, 3, 3),
        dt.date(2026, 3, 3),
        None,
    ]
    for step, want in zip(steps, expected, strict=True):
        step()
        assert stored_and_recomputed(problem) == (want, want)


def test_a_problem_created_or_imported_with_measures_stores_their_earliest_due_date(
    cast, make_problem
):
    problem = make_problem(
        "draft",
        due_date=dt.date(2026, 6, 30),
        measures=[{"content": "一", "unit": cast.unit_a, "due_date": dt.date(2026, 5, 1)}],
    )
    assert stored_and_recomputed(problem) == (dt.date(2026, 5, 1),) * 2
    bare = make_problem("draft", measures=[])
    assert stored_and_recomputed(bare) == (None, None)


def test_it_never_calls_closeout_review_or_long_term_overdue(cast, make_problem, _today):
    reviewing = make_problem("closeout_review", due_date=dt.date(2026, 3, 5))
    long_term = make_problem("long_term", due_date=dt.date(2026, 3, 5))
    _today.move_to(dt.datetime(2026, 4, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert light_of(reviewing).is_overdue is False
    assert light_of(long_term).is_overdue is False


@pytest.mark.parametrize(
    "utc_time, overdue",
    [
        (dt.datetime(2026, 3, 10, 15, 59, tzinfo=UTC), False),  # 23:59 in Shanghai, due day
        (dt.datetime(2026, 3, 10, 16, 1, tzinfo=UTC), True),  # 00:01 next local day
    ],
)
def test_it_uses_the_local_date_not_the_utc_date(make_problem, utc_time, overdue):
    problem = make_problem("in_progress", due_date=dt.date(2026, 3, 10))
    with time_machine.travel(utc_time, tick=False):
        assert light_of(problem).is_overdue is overdue


def test_it_orders_by_urgency(make_problem, _today):
    green = make_problem("in_progress", due_date=dt.date(2026, 6, 30))
    yellow = make_problem("in_progress", due_date=dt.date(2026, 3, 20))
    red = make_problem("in_progress", due_date=dt.date(2026, 3, 10))
    closed = make_problem("closed", due_date=dt.date(2026, 6, 30))
    _today.move_to(dt.datetime(2026, 3, 15, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    ordered = annotate_deadlines(Problem.objects.all()).order_by("light_rank", "due_date")
    assert [p.pk for p in ordered] == [red.pk, yellow.pk, green.pk, closed.pk]


def test_light_q_selects_exactly_the_problems_of_each_light(cast, make_problem, _today):
    from issues.selectors.deadlines import Light, light_q

    for state in ("draft", "assigned", "in_progress", "closeout_review", "closed", "long_term"):
        make_problem(state, due_date=dt.date(2026, 3, 5))  # overdue once time moves
        make_problem(state, due_date=dt.date(2026, 3, 12))  # due soon
        make_problem(state, due_date=dt.date(2026, 9, 30))  # far away
    make_problem(
        "in_progress",
        due_date=dt.date(2026, 9, 30),
        measures=[{"content": "早的措施", "unit": cast.unit_a, "due_date": dt.date(2026, 3, 1)}],
    )
    _today.move_to(dt.datetime(2026, 3, 6, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    annotated = annotate_deadlines(Problem.objects.all())
    seen = set()
    for name in Light.RANK:
        expected = set(annotated.filter(light=name).values_list("pk", flat=True))
        assert set(Problem.objects.filter(light_q(name)).values_list("pk", flat=True)) == expected
        if expected:
            seen.add(name)
    assert seen == set(Light.RANK)  # every light was present, so each comparison meant something
