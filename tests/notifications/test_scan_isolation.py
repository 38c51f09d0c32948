"""No single problem stops the scan (issue 12 item 2): a failure is rolled back to its own
savepoint, recorded (ScanFailure, shown to superusers in /healthz and the admin), the problem is
left due and retried by the next scan, and every other problem gets its reminders and
escalation in the same run."""

import datetime as dt

import pytest
from django.db import DatabaseError
from django.test import Client

from issues.models import SupervisionAction
from issues.services.workflow import perform_action
from notifications import scan
from notifications.models import Escalation, Reminder, ScanFailure
from tests.conftest import TODAY, next_reminder

from .conftest import at

ESCALATION_DAY = dt.date(2026, 3, 27)  # 7 days after the 03-20 deadline


@pytest.fixture
def overdue(make_problem):
    """Three problems that all escalate on ESCALATION_DAY."""
    return [make_problem("in_progress", due_date=dt.date(2026, 3, 20)) for _ in range(3)]


def listed(problem):
    return SupervisionAction.objects.filter(problem=problem, kind="listed").exists()


def test_an_escalation_that_raises_leaves_the_others_escalated_and_is_retried(
    run_cycle, overdue, monkeypatch, _today
):
    _today.move_to(at(ESCALATION_DAY))
    bad = overdue[1]
    real = scan.supervise_listed_many

    def perform(*, items):
        # The chunk's bulk call fails because of `bad`; the one-by-one retry isolates it.
        if bad.pk in {problem_id for problem_id, _ in items}:
            raise RuntimeError("the workflow broke")
        return real(items=items)

    monkeypatch.setattr(scan, "supervise_listed_many", perform)
    result = run_cycle()
    assert result.escalated == 2 and result.errors == 1
    assert [listed(p) for p in overdue] == [True, False, True]
    failure = ScanFailure.objects.get()
    assert failure.problem_id == bad.pk and "the workflow broke" in failure.last_error
    escalation = Escalation.objects.get(problem=bad)
    assert (escalation.state, escalation.attempts) == ("pending", 1)
    # Its overdue reminders still went out; it stays due so the next scan retries.
    assert Reminder.objects.filter(problem=bad, kind="overdue", state="sent").exists()
    assert next_reminder(bad) == ESCALATION_DAY

    monkeypatch.setattr(scan, "supervise_listed_many", real)
    again = run_cycle()
    assert (again.escalated, again.errors) == (1, 0)
    assert all(listed(p) for p in overdue)
    assert not ScanFailure.objects.exists()
    assert next_reminder(bad) > ESCALATION_DAY


def test_a_problem_withdrawn_mid_scan_does_not_stop_the_run(
    run_cycle, cast, overdue, monkeypatch, _today
):
    _today.move_to(at(ESCALATION_DAY))
    gone = overdue[0]
    real_write = scan._write

    def write_then_withdraw(plans):
        created = real_write(plans)
        # Someone withdraws the first problem while the scan is between its two phases.
        perform_action(
            problem_id=gone.pk, action="withdraw", actor=cast.oa, data={"comment": "重复问题"}
        )
        return created

    monkeypatch.setattr(scan, "_write", write_then_withdraw)
    result = run_cycle()
    assert result.escalated == 2 and result.errors == 1
    assert [listed(p) for p in overdue] == [False, True, True]
    assert ScanFailure.objects.get().problem_id == gone.pk

    monkeypatch.setattr(scan, "_write", real_write)
    run_cycle()
    # Withdrawn: its escalation is cancelled, not applied; nothing is left failing.
    assert Escalation.objects.get(problem=gone).state == "cancelled"
    assert not listed(gone)
    assert not ScanFailure.objects.exists()
    assert next_reminder(gone) is None


def test_a_ladder_that_raises_for_one_problem_leaves_it_due_and_the_others_reminded(
    cast, overdue, monkeypatch, _today
):
    _today.move_to(at(dt.date(2026, 3, 21)))
    bad = overdue[2]
    real = scan.reminders_plan

    def plan(problem, today):
        if problem.pk == bad.pk:
            raise ValueError("a broken row")
        return real(problem, today)

    monkeypatch.setattr(scan, "reminders_plan", plan)
    result = scan.reminders_scan()
    assert (result.problems, result.errors) == (3, 1)
    assert set(Reminder.objects.values_list("problem_id", flat=True)) == {
        overdue[0].pk,
        overdue[1].pk,
    }
    assert next_reminder(bad) <= dt.date(2026, 3, 21)
    assert ScanFailure.objects.get(problem=bad).attempts == 1
    scan.reminders_scan()
    assert ScanFailure.objects.get(problem=bad).attempts == 2  # retried, still failing


def test_a_chunk_that_cannot_be_written_is_written_problem_by_problem(
    cast, overdue, monkeypatch, _today
):
    _today.move_to(at(dt.date(2026, 3, 21)))
    bad = overdue[1]
    real_write = scan._write

    def write(plans):
        if any(p.problem.pk == bad.pk for p in plans):
            # What a constraint violation in one problem's rows looks like to the scan.
            Reminder.objects.create(
                problem=bad, target="x", kind="overdue", due_date=TODAY, recipient_id=cast.oa.pk
            )
            raise DatabaseError("value too long for type character varying(40)")
        return real_write(plans)

    monkeypatch.setattr(scan, "_write", write)
    result = scan.reminders_scan()
    assert result.errors == 1
    assert set(Reminder.objects.values_list("problem_id", flat=True)) == {
        overdue[0].pk,
        overdue[2].pk,
    }
    assert ScanFailure.objects.get().problem_id == bad.pk
    assert next_reminder(bad) <= dt.date(2026, 3, 21)


def test_superusers_see_the_failure_count_in_healthz_and_nobody_else_does(cast, overdue):
    ScanFailure.objects.create(problem=overdue[0], last_error="boom")
    anonymous = Client().get("/healthz").json()
    assert "reminders" not in anonymous
    staff = Client()
    staff.force_login(cast.oa)
    assert "reminders" not in staff.get("/healthz").json()
    root = Client()
    root.force_login(cast.root)
    assert root.get("/healthz").json()["reminders"]["scan_failures"] == 1


def test_the_admin_lists_scan_failures_read_only(cast, overdue):
    ScanFailure.objects.create(problem=overdue[0], last_error="boom")
    root = Client()
    root.force_login(cast.root)
    page = root.get("/admin/notifications/scanfailure/")
    assert page.status_code == 200 and "boom" in page.content.decode()
    assert root.get("/admin/notifications/scanfailure/add/").status_code == 403
