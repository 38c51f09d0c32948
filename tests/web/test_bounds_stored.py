"""Nothing already stored takes the site down (issue 11): rules and dates far outside the bounds,
written straight into the database, still let every list, page, export and report render, and
the light and the reminder ladder stay total functions."""

import datetime as dt

import pytest

from issues.models import Batch, Measure, Problem, ProblemSchedule
from issues.selectors.deadlines import annotate_deadlines
from issues.services.schedule import next_reminder_on, problem_ladder, problem_reschedule
from notifications.scan import reminders_scan

POISON_RULES = [
    {"yellow_days": 33331736},
    {"escalate_after_days": 2000000000},
    {"review_pending_days": 999999999},
    {"overdue_repeat_days": 0},
    {"remind_days_before": [2000000000, 0, "7", None]},
]
POISON_DATES = [dt.date(9999, 12, 31), dt.date(1, 1, 1)]


def _every_reader_answers(cast, api, web, problem):
    api_paths = [
        "/api/v1/problems/",
        f"/api/v1/problems/{problem.pk}/",
        "/api/v1/problems/?ordering=light",
        "/api/v1/problems/?light=yellow",
        "/api/v1/exports/ledger.xlsx",
        "/api/v1/exports/ledger.csv",
        f"/api/v1/units/{cast.unit_a.pk}/report.xlsx",
        "/api/v1/stats/summary/",
        "/api/v1/stats/units/",
        "/api/v1/reviews/pending/",
    ]
    for path in api_paths:
        for user in (cast.oa, cast.admin_a):
            r = api(user).get(path)
            assert r.status_code == 200, (path, user.username, r.content[:300])
    pages = [
        "/",
        "/problems/",
        "/problems/?light=red",
        f"/problems/{problem.pk}/",
        "/dashboard/",
        f"/print/units/{cast.unit_a.pk}/report/",
        f"/print/problems/{problem.pk}/closeout/",
    ]
    for path in pages:
        for user in (cast.oa, cast.admin_a):
            r = web(user).get(path)
            assert r.status_code == 200, (path, user.username)


@pytest.mark.parametrize("rules", POISON_RULES, ids=lambda rules: next(iter(rules)))
def test_it_serves_every_reader_with_poisoned_batch_rules(cast, api, web, make_problem, rules):
    problem = make_problem("in_progress", due_date=dt.date(2026, 3, 5))
    make_problem("closeout_review")
    make_problem("closed")
    Batch.objects.filter(pk=cast.batch.pk).update(**rules)
    _every_reader_answers(cast, api, web, problem)
    problem_reschedule(Problem.objects.get(pk=problem.pk))  # the workflow's own recompute
    reminders_scan()


@pytest.mark.parametrize("due", POISON_DATES, ids=str)
def test_it_serves_every_reader_with_poisoned_dates(cast, api, web, make_problem, due):
    problem = make_problem("in_progress")
    make_problem("closeout_review")
    Problem.objects.filter(pk=problem.pk).update(
        due_date=due, original_due_date=due, open_measures_due=due
    )
    ProblemSchedule.objects.update_or_create(problem=problem, defaults={"next_reminder_on": due})
    Measure.objects.filter(problem=problem).update(due_date=due)
    Batch.objects.filter(pk=cast.batch.pk).update(yellow_days=33331736, overdue_repeat_days=1)
    _every_reader_answers(cast, api, web, problem)
    reminders_scan()


@pytest.mark.parametrize("due", POISON_DATES, ids=str)
def test_it_keeps_the_light_and_the_ladder_total(cast, make_problem, due):
    problem = make_problem("in_progress")
    Problem.objects.filter(pk=problem.pk).update(due_date=due)
    Batch.objects.filter(pk=cast.batch.pk).update(
        yellow_days=999999999, escalate_after_days=2000000000, overdue_repeat_days=1
    )
    light = annotate_deadlines(Problem.objects.filter(pk=problem.pk)).get().light
    assert light == ("red" if due.year == 1 else "yellow")
    fresh = (
        Problem.objects.select_related("batch")
        .prefetch_related("measures", "requests__steps", "supervisions")
        .get(pk=problem.pk)
    )
    today = dt.date(2026, 3, 2)
    ladder = problem_ladder(fresh, until=today)
    # A deadline two thousand years past does not build two thousand years of repeats.
    assert len(ladder) < 200
    assert next_reminder_on(fresh, today) is not None
