"""The bulk form of the system's `supervise` action (workflow.supervise_listed_many, what the
reminder scan escalates with): it writes exactly what perform_action("supervise", actor=None)
writes for each item in turn — supervisions, ledger entries, problem columns, reminder dates,
announcements — in a constant number of queries, and all or nothing."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from issues.exceptions import InvalidTransition
from issues.models import Problem, SupervisionAction
from issues.services.workflow import perform_action, supervise_listed_many
from ledger.models import LedgerEntry
from ledger.services import ledger_verify
from notifications.models import Notification

DUE = dt.date(2026, 3, 20)
ESCALATION_DAY = dt.datetime(2026, 3, 27, 9, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def twins(cast, make_problem, _today):
    """Two equal groups of three overdue problems; the second of each is listed already."""
    groups = [[make_problem("in_progress", due_date=DUE) for _ in range(3)] for _ in range(2)]
    for group in groups:
        perform_action(
            problem_id=group[1].pk,
            action="supervise",
            actor=cast.rev,
            data={"kind": "listed", "content": "已由整改办挂牌"},
        )
    _today.move_to(ESCALATION_DAY)
    return groups


def items_for(group):
    """The first problem twice, as when its deadline and a supervision reply both escalate."""
    return [(group[0].pk, "甲"), (group[1].pk, "乙"), (group[2].pk, "丙"), (group[0].pk, "丁")]


def written(group, since_seq):
    """What the action left, with each problem named by its place in the group."""
    place = {p.pk: i for i, p in enumerate(group)}
    entries = [
        (place[e.problem_id], e.actor_id, e.action, e.from_state, e.to_state, e.changes, e.comment)
        for e in LedgerEntry.objects.filter(seq__gt=since_seq, problem_id__in=place).order_by("seq")
    ]
    supervisions = sorted(
        (place[s.problem_id], s.kind, s.content, s.issued_by_id, s.target_unit_id, s.reply_due_date)
        for s in SupervisionAction.objects.filter(problem_id__in=place, issued_by=None)
    )
    problems = [
        (p.status, p.supervision_level, p.schedule.next_reminder_on, p.open_measures_due)
        for p in Problem.objects.filter(pk__in=place).select_related("schedule").order_by("pk")
    ]
    notices = sorted(
        (place[n.problem_id], n.recipient_id, n.kind, n.title.replace(n.problem.code, "CODE"))
        for n in Notification.objects.filter(problem_id__in=place, kind="supervise")
    )
    return entries, supervisions, problems, notices


def last_seq():
    return LedgerEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def test_it_writes_what_the_supervise_action_writes_for_each_item(
    twins, django_capture_on_commit_callbacks
):
    one_by_one, bulk = twins
    before = last_seq()
    with django_capture_on_commit_callbacks(execute=True):
        for problem_id, content in items_for(one_by_one):
            perform_action(
                problem_id=problem_id,
                action="supervise",
                actor=None,
                data={"kind": "listed", "content": content},
            )
    middle = last_seq()
    with django_capture_on_commit_callbacks(execute=True):
        done = supervise_listed_many(items=items_for(bulk))

    assert done == [bulk[0].pk, bulk[1].pk, bulk[2].pk]
    expected = written(one_by_one, before)
    assert written(bulk, middle) == expected
    entries, supervisions, problems, notices = expected
    assert len(entries) == len(supervisions) == 4
    # Only the problems not listed before record the change of level.
    assert [("supervision_level" in e[5]) for e in entries] == [True, False, True, False]
    assert {p[1] for p in problems} == {"listed"} and {p[2] for p in problems} == {
        ESCALATION_DAY.date()
    }
    assert {n[2] for n in notices} == {"supervise"} and len(notices) == 4 * 2  # admin, head
    assert ledger_verify().ok


def test_it_costs_the_same_queries_for_one_problem_and_for_three(twins):
    few, many = twins
    with CaptureQueriesContext(connection) as one:
        supervise_listed_many(items=[(few[0].pk, "甲")])
    with CaptureQueriesContext(connection) as three:
        supervise_listed_many(items=items_for(many))
    assert len(three) == len(one) <= 25, "\n".join(q["sql"][:200] for q in three)


def test_it_writes_nothing_when_one_problem_may_no_longer_be_supervised(cast, twins):
    group = twins[1]
    perform_action(
        problem_id=group[2].pk, action="withdraw", actor=cast.oa, data={"comment": "重复问题"}
    )
    before = last_seq()
    supervisions = SupervisionAction.objects.count()
    with pytest.raises(InvalidTransition):
        supervise_listed_many(items=items_for(group))
    assert last_seq() == before
    assert SupervisionAction.objects.count() == supervisions
    assert Problem.objects.get(pk=group[0].pk).supervision_level == "none"
