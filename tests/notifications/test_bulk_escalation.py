"""The scan escalates a chunk at once (issue 12 item 6): the escalations are claimed in one
UPDATE … RETURNING and applied by one workflow call, so escalating 6 problems costs the
queries of escalating 2; a claim is taken once, whoever asks again."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from issues.models import SupervisionAction
from notifications import scan
from notifications.models import Escalation
from notifications.scan import reminders_scan

DUE = dt.date(2026, 3, 20)
ESCALATION_DAY = dt.date(2026, 3, 27)  # 7 days overdue: the batch's escalation threshold


@pytest.fixture
def overdue(cast, make_problem):
    return lambda n: [make_problem("in_progress", due_date=DUE) for _ in range(n)]


def measured_scan():
    with transaction.atomic():
        with CaptureQueriesContext(connection) as ctx:
            result = reminders_scan(today=ESCALATION_DAY)
        listed = SupervisionAction.objects.filter(kind="listed", issued_by=None).count()
        transaction.set_rollback(True)  # scan the same rows again next time
    return result, listed, [q["sql"] for q in ctx.captured_queries]


def test_it_escalates_6_problems_in_the_queries_of_2(overdue):
    overdue(2)
    few, listed_few, q_few = measured_scan()
    overdue(4)
    many, listed_many, q_many = measured_scan()
    assert (few.escalated, listed_few, many.escalated, listed_many) == (2, 2, 6, 6)
    assert len(q_many) == len(q_few), "\n".join(q[:200] for q in q_many)


def test_an_escalation_is_claimed_once(overdue):
    problems = overdue(2)
    reminders_scan(today=ESCALATION_DAY - dt.timedelta(days=1))
    escalations = [
        Escalation.objects.create(problem=p, target=f"problem:{p.pk}", due_date=DUE)
        for p in problems
    ]
    ids = [e.pk for e in escalations]
    assert scan._claim(ids) == set(ids)
    assert scan._claim(ids) == set()
    assert set(Escalation.objects.values_list("state", "attempts")) == {("done", 1)}
