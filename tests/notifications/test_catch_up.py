"""Catch-up that always catches up (SPEC §5, issue 12 item 1): a problem that reaches an
overdue state after its rungs fell due — legacy (存量) problems imported long after their
deadline — gets the latest rung of each family on the next scan, and its escalation with the
system's `listed` supervision and ledger entry if the threshold has passed. Time is frozen on
TODAY (2026-03-02, 10:00 Asia/Shanghai); the batch: overdue on day 1 then every 3 days,
escalated at 7 days overdue."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from books.services.importer import problems_import
from issues.models import Problem, ProblemSchedule, SupervisionAction
from issues.services.workflow import perform_action
from notifications.models import Reminder
from tests.conftest import TODAY, next_reminder


def days_ago(n):
    return TODAY - dt.timedelta(days=n)


def workbook(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["问题描述", "整改措施", "牵头单位", "整改时限", "增量/存量"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("存量问题.xlsx", out.getvalue())


@pytest.fixture
def legacy(cast):
    """Three legacy problems imported 3, 8 and 40 days after their deadline, then assigned."""
    upload = workbook(
        [
            [f"逾期{n}天的存量问题", "1. 整改", "教育局", days_ago(n).isoformat(), "存量"]
            for n in (3, 8, 40)
        ]
    )
    result = problems_import(actor=cast.oa, batch=cast.batch, upload=upload, dry_run=False)
    problems = {}
    for n, pk in zip((3, 8, 40), result.problem_ids, strict=True):
        problems[n] = perform_action(problem_id=pk, action="assign", actor=cast.oa)
        assert problems[n].origin == "legacy"
    return problems


def sent_reminders():
    return set(
        Reminder.objects.filter(state="sent").values_list(
            "problem_id", "kind", "level", "recipient__username"
        )
    )


def test_it_keeps_a_problem_due_when_its_rungs_fell_due_before_it_was_assigned(legacy):
    for problem in legacy.values():
        assert next_reminder(problem) == TODAY


def test_the_first_scan_sends_the_latest_rung_of_each_family_and_escalates_past_the_threshold(
    run_cycle, cast, legacy
):
    result = run_cycle()
    p3, p8, p40 = legacy[3].pk, legacy[8].pk, legacy[40].pk
    assert sent_reminders() == {
        # 3 days overdue: overdue/1 fired on 02-28; overdue/2 comes on 03-03; no escalation.
        (p3, "overdue", 1, "admin_a"),
        (p3, "overdue", 1, "head_a"),
        # 8 days overdue: overdue/3 fired on 03-01 (not /1 and /2 as well); escalated on 03-01.
        (p8, "overdue", 3, "admin_a"),
        (p8, "overdue", 3, "head_a"),
        (p8, "escalated", 0, "rev"),
        # 40 days overdue: overdue/14 fires today; escalated since 01-28.
        (p40, "overdue", 14, "admin_a"),
        (p40, "overdue", 14, "head_a"),
        (p40, "escalated", 0, "rev"),
    }
    assert result.escalated == 2 and result.errors == 0
    for pk in (p8, p40):
        listed = SupervisionAction.objects.get(problem_id=pk, kind="listed")
        assert listed.issued_by is None
        entry = Problem.objects.get(pk=pk).ledger_entries.get(action="supervise")
        assert entry.actor is None
        assert Problem.objects.get(pk=pk).supervision_level == "listed"
    assert not SupervisionAction.objects.filter(problem_id=p3).exists()
    # The next rungs: overdue/2 of the 3-day problem tomorrow, overdue/4 of the 8-day one on
    # 03-04, overdue/15 of the 40-day one on 03-05.
    assert dict(
        ProblemSchedule.objects.filter(problem__in=(p3, p8, p40)).values_list(
            "problem_id", "next_reminder_on"
        )
    ) == {
        p3: TODAY + dt.timedelta(days=1),
        p8: TODAY + dt.timedelta(days=2),
        p40: TODAY + dt.timedelta(days=3),
    }


def test_the_second_scan_after_acknowledging_sends_nothing_more(run_cycle, cast, legacy):
    run_cycle()
    before = sent_reminders()
    for problem in legacy.values():
        perform_action(problem_id=problem.pk, action="acknowledge", actor=cast.admin_a)
    second = run_cycle()
    assert second.created == 0 and second.escalated == 0
    assert sent_reminders() == before
    assert SupervisionAction.objects.filter(kind="listed").count() == 2
    # Acknowledging did not make them due again: every rung due today is already recorded.
    assert second.problems == 0


def test_a_problem_acknowledged_late_catches_up_without_any_earlier_scan(
    run_cycle, cast, make_problem, _today
):
    """Assigned on time; nobody scanned for 8 days (the server was off); a measure edit
    reschedules it on the 9th day: the scan that finally runs still escalates."""
    problem = make_problem("in_progress", due_date=days_ago(0))
    _today.move_to(_today_at(TODAY + dt.timedelta(days=9)))
    perform_action(
        problem_id=problem.pk,
        action="supervise",
        actor=cast.oa,
        data={"kind": "urge", "content": "请抓紧整改"},
    )
    assert next_reminder(problem) == TODAY + dt.timedelta(days=9)
    run_cycle()
    assert set(Reminder.objects.filter(state="sent").values_list("kind", "level").distinct()) == {
        ("overdue", 3),
        ("escalated", 0),
    }


def _today_at(day):
    from .conftest import at

    return at(day, hour=10)
