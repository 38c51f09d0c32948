import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from issues.models import Problem, SupervisionAction
from issues.services.workflow import perform_action
from notifications import tasks
from notifications.models import Notification, Reminder
from notifications.scan import reminders_scan
from tests.conftest import next_reminder

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: dt.date, hour=9):
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=SHANGHAI)


@pytest.fixture
def run_cycle(django_capture_on_commit_callbacks):
    """One cycle, with the delivery tasks it queues after commit actually run (eager Celery)."""

    def run():
        with django_capture_on_commit_callbacks(execute=True):
            return tasks.run_cycle()

    return run


def sent(kind=None):
    qs = Reminder.objects.filter(state="sent")
    return qs.filter(kind=kind) if kind else qs


@pytest.fixture
def due_problem(make_problem):
    # Due 2026-03-20; the batch ladder: 7/3/1 days before, on the day, overdue 1 then every 3,
    # escalated at 7 days overdue.
    return make_problem(
        "in_progress",
        due_date=dt.date(2026, 3, 20),
        measures=[{"content": "措施", "due_date": dt.date(2026, 6, 30)}],
    )


@pytest.mark.parametrize(
    "day, kind, level",
    [
        (dt.date(2026, 3, 13), "due_soon", 7),
        (dt.date(2026, 3, 17), "due_soon", 3),
        (dt.date(2026, 3, 19), "due_soon", 1),
        (dt.date(2026, 3, 20), "due_today", 0),
        (dt.date(2026, 3, 21), "overdue", 1),
        (dt.date(2026, 3, 24), "overdue", 2),
        (dt.date(2026, 3, 27), "escalated", 0),
    ],
)
def test_it_fires_each_step_on_its_day_and_not_the_day_before(
    run_cycle, cast, due_problem, _today, day, kind, level
):
    _today.move_to(at(day - dt.timedelta(days=1)))
    run_cycle()
    assert not sent().filter(kind=kind, level=level).exists()
    _today.move_to(at(day))
    run_cycle()
    assert sent().filter(kind=kind, level=level).exists()


def test_it_sends_nothing_new_when_run_twice(run_cycle, cast, due_problem, _today):
    _today.move_to(at(dt.date(2026, 3, 21)))
    first = run_cycle()
    second = run_cycle()
    assert first.created > 0
    assert second.created == 0
    assert Notification.objects.filter(reminder__isnull=False).count() == sent().count()


def test_it_addresses_the_lead_units_admins_and_head_when_overdue(
    run_cycle, cast, due_problem, _today
):
    _today.move_to(at(dt.date(2026, 3, 21)))
    run_cycle()
    assert set(sent("overdue").values_list("recipient__username", flat=True)) == {
        "admin_a",
        "head_a",
    }


def test_it_catches_up_a_skipped_day_with_the_latest_reminder_only(
    run_cycle, cast, due_problem, _today
):
    _today.move_to(at(dt.date(2026, 3, 18)))  # the 3-day reminder was due yesterday
    run_cycle()
    assert list(sent().values_list("kind", "level").distinct()) == [("due_soon", 3)]


def test_it_escalates_once_with_a_listed_supervision_by_the_system(
    run_cycle, cast, due_problem, _today
):
    _today.move_to(at(dt.date(2026, 3, 27)))
    run_cycle()
    run_cycle()
    listed = SupervisionAction.objects.filter(problem=due_problem, kind="listed")
    assert listed.count() == 1
    assert listed.get().issued_by is None
    entry = due_problem.ledger_entries.filter(action="supervise").get()
    assert entry.actor is None
    assert Problem.objects.get(pk=due_problem.pk).supervision_level == "listed"
    assert set(sent("escalated").values_list("recipient__username", flat=True)) == {"rev"}


def test_it_cancels_pending_reminders_when_the_problem_is_withdrawn(cast, due_problem, _today):
    _today.move_to(at(dt.date(2026, 3, 21)))
    reminders_scan()  # materialised, not yet delivered
    assert Reminder.objects.filter(problem=due_problem, state="pending").exists()
    perform_action(
        problem_id=due_problem.pk, action="withdraw", actor=cast.oa, data={"comment": "重复"}
    )
    assert not Reminder.objects.filter(problem=due_problem, state="pending").exists()
    assert Reminder.objects.filter(problem=due_problem, state="cancelled").exists()
    assert next_reminder(due_problem) is None


def test_it_moves_future_reminders_when_an_extension_is_approved(
    run_cycle, cast, due_problem, _today
):
    _today.move_to(at(dt.date(2026, 3, 17)))
    reminders_scan()
    assert Reminder.objects.filter(kind="due_soon", level=3, state="pending").exists()
    perform_action(
        problem_id=due_problem.pk,
        action="request_extension",
        actor=cast.admin_a,
        data={"kind": "extend", "requested_due_date": "2026-04-30", "reason": "工程量大"},
    )
    perform_action(problem_id=due_problem.pk, action="approve_extension", actor=cast.head_a)
    perform_action(problem_id=due_problem.pk, action="approve_extension", actor=cast.rev)
    assert not Reminder.objects.filter(due_date=dt.date(2026, 3, 20), state="pending").exists()
    assert next_reminder(due_problem) == dt.date(2026, 4, 23)
    _today.move_to(at(dt.date(2026, 3, 20)))
    run_cycle()
    assert not sent("due_today").exists()
    _today.move_to(at(dt.date(2026, 4, 30)))
    run_cycle()
    assert sent("due_today").get(recipient=cast.admin_a).due_date == dt.date(2026, 4, 30)


def test_a_problem_whose_ladder_has_ended_is_advanced_to_no_date(
    run_cycle, cast, make_problem, _today
):
    """The close-out request waits for review: review_pending fires after 5 days, then
    nothing more is due. The scan must store "no next date" (a typed NULL on PostgreSQL)."""
    problem = make_problem("closeout_review", due_date=dt.date(2026, 6, 30))
    assert next_reminder(problem) == dt.date(2026, 3, 7)
    _today.move_to(at(dt.date(2026, 3, 7)))
    result = run_cycle()
    assert result.errors == 0
    assert sent("review_pending").get().recipient == cast.head_a
    assert next_reminder(problem) is None
