"""The reminder ladder with a batch's own settings (SPEC §5 "each step configurable per batch").

The batch here: remind 5 and 2 days before, overdue repeats every 2 days, escalated after 3
days overdue, a review step undecided for 5 days → review_pending.

First the pure functions of issues.services.schedule on plain objects (no database), then the
same rules through the real cycle: who receives what, supervision replies, measures, and the
local-date boundary (Asia/Shanghai midnight is 16:00 UTC the day before).
"""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from issues.models import Batch, Problem, Role, SupervisionAction
from issues.services.problems import measure_update
from issues.services.schedule import (
    Audience,
    next_reminder_on,
    problem_ladder,
    reminders_due,
)
from issues.services.workflow import allowed_actions, perform_action
from notifications.models import Escalation, Reminder
from tests.conftest import make_user

from .conftest import SHANGHAI, UTC, at

D = dt.date(2026, 3, 20)  # the due date of the table-driven cases


def day(offset: int) -> dt.date:
    return D + dt.timedelta(days=offset)


def custom_batch(**overrides):
    fields = {
        "remind_days_before": [5, 2],
        "overdue_repeat_days": 2,
        "escalate_after_days": 3,
        "review_pending_days": 5,
    }
    fields.update(overrides)
    return Batch(name="批次", code_prefix="T", **fields)  # never saved: the ladder is pure


class Rel(list):
    def all(self):
        return self


def fake_problem(status="in_progress", due=D, *, measures=(), requests=(), supervisions=(), **kw):
    return SimpleNamespace(
        pk=1,
        status=status,
        due_date=due,
        batch=kw.pop("batch", None) or custom_batch(),
        measures=Rel(measures),
        requests=Rel(requests),
        supervisions=Rel(supervisions),
        **kw,
    )


def fake_measure(pk=11, due=None, status="in_progress"):
    return SimpleNamespace(pk=pk, due_date=due, status=status)


def fake_request(created_at, steps, status="pending"):
    return SimpleNamespace(status=status, created_at=created_at, steps=Rel(steps))


def fake_step(pk, decided_at=None):
    return SimpleNamespace(pk=pk, decision="approve" if decided_at else "", decided_at=decided_at)


def fake_supervision(pk=31, reply_due=None, replied_at=None):
    return SimpleNamespace(pk=pk, reply_due_date=reply_due, replied_at=replied_at)


def keys(dues):
    return sorted((d.target, d.kind, d.level) for d in dues)


# --- pure: the problem's own deadline --------------------------------------------------------


@pytest.mark.parametrize(
    "today, due, upcoming",
    [
        (day(-30), [], day(-5)),
        (day(-6), [], day(-5)),
        (day(-5), [("due_soon", 5)], day(-2)),
        (day(-4), [("due_soon", 5)], day(-2)),  # the same key again: no new reminder
        (day(-3), [("due_soon", 5)], day(-2)),
        (day(-2), [("due_soon", 2)], day(0)),
        (day(-1), [("due_soon", 2)], day(0)),
        (day(0), [("due_today", 0)], day(1)),
        (day(1), [("overdue", 1)], day(3)),
        (day(2), [("overdue", 1)], day(3)),
        (day(3), [("escalated", 0), ("overdue", 2)], day(5)),
        (day(4), [("escalated", 0), ("overdue", 2)], day(5)),
        (day(5), [("escalated", 0), ("overdue", 3)], day(7)),
        (day(31), [("escalated", 0), ("overdue", 16)], day(33)),  # every 2 days, forever
    ],
)
def test_the_problem_ladder_follows_the_batch_settings(today, due, upcoming):
    problem = fake_problem()
    assert keys(reminders_due(problem, today)) == sorted(("problem:1", k, lv) for k, lv in due)
    assert next_reminder_on(problem, today) == upcoming


def test_every_step_of_the_ladder_has_its_fire_date_and_audience():
    ladder = {(d.kind, d.level): d for d in problem_ladder(fake_problem(), until=day(5))}
    assert {k: (d.fire_on, d.audience) for k, d in ladder.items()} == {
        ("due_soon", 5): (day(-5), Audience.LEAD_ADMINS),
        ("due_soon", 2): (day(-2), Audience.LEAD_ADMINS),
        ("due_today", 0): (day(0), Audience.LEAD_ADMINS),
        ("overdue", 1): (day(1), Audience.LEAD_ADMINS_AND_HEAD),
        ("overdue", 2): (day(3), Audience.LEAD_ADMINS_AND_HEAD),
        ("overdue", 3): (day(5), Audience.LEAD_ADMINS_AND_HEAD),
        ("overdue", 4): (day(7), Audience.LEAD_ADMINS_AND_HEAD),  # the next one, for scheduling
        ("escalated", 0): (day(3), Audience.ESCALATION),
    }
    assert {d.due_date for d in ladder.values()} == {D}


@pytest.mark.parametrize(
    "batch, today, expected",
    [
        (custom_batch(remind_days_before=[10]), day(-10), [("due_soon", 10)]),
        (custom_batch(remind_days_before=[]), day(-1), []),
        (custom_batch(remind_days_before=[2, 5, 5, 0]), day(-3), [("due_soon", 5)]),
        (custom_batch(overdue_repeat_days=1), day(4), [("escalated", 0), ("overdue", 4)]),
        (custom_batch(escalate_after_days=10), day(9), [("overdue", 5)]),
        (custom_batch(escalate_after_days=10), day(10), [("escalated", 0), ("overdue", 5)]),
    ],
)
def test_other_batch_settings_move_the_steps(batch, today, expected):
    problem = fake_problem(batch=batch)
    assert keys(reminders_due(problem, today)) == sorted(("problem:1", k, lv) for k, lv in expected)


@pytest.mark.parametrize(
    "status", ["draft", "list_review", "closed", "routine", "withdrawn", "long_term"]
)
def test_problems_that_cannot_be_overdue_have_no_deadline_reminders(status):
    problem = fake_problem(status, measures=[fake_measure(due=D)])
    assert reminders_due(problem, day(10)) == []


def test_closeout_review_stops_the_deadline_ladder():
    assert reminders_due(fake_problem("closeout_review"), day(10)) == []


def test_a_problem_without_a_due_date_is_never_due():
    problem = fake_problem(due=None)
    assert reminders_due(problem, day(100)) == []
    assert next_reminder_on(problem, day(100)) is None


# --- pure: measures, review steps, supervision ----------------------------------------------


@pytest.mark.parametrize(
    "today, expected",
    [
        (dt.date(2026, 3, 19), []),
        (dt.date(2026, 3, 20), [("due_soon", 5)]),
        (dt.date(2026, 3, 23), [("due_soon", 2)]),
        (dt.date(2026, 3, 25), [("due_today", 0)]),
        (dt.date(2026, 3, 26), []),  # measures have no overdue reminders of their own
    ],
)
def test_a_measure_has_its_own_due_soon_and_due_today(today, expected):
    measure = fake_measure(due=dt.date(2026, 3, 25))
    problem = fake_problem(due=dt.date(2026, 6, 30), measures=[measure])
    due = [d for d in reminders_due(problem, today) if d.target == "measure:11"]
    assert keys(due) == sorted(("measure:11", k, lv) for k, lv in expected)
    assert {d.audience for d in due} <= {Audience.MEASURE_PEOPLE}


def test_a_done_measure_is_not_reminded():
    measure = fake_measure(due=dt.date(2026, 3, 25), status="done")
    problem = fake_problem(due=dt.date(2026, 6, 30), measures=[measure])
    assert reminders_due(problem, dt.date(2026, 3, 25)) == []


def _created(local_day, hour=10):
    return at(local_day, hour)


@pytest.mark.parametrize(
    "steps, today, expected_step",
    [
        # Filed on 03-02 (local): undecided for 5 days on 03-07.
        ([fake_step(21), fake_step(22)], dt.date(2026, 3, 6), None),
        ([fake_step(21), fake_step(22)], dt.date(2026, 3, 7), 21),
        # The first step was decided on 03-05: the second has waited 5 days on 03-10.
        ([fake_step(21, at(dt.date(2026, 3, 5), 23)), fake_step(22)], dt.date(2026, 3, 9), None),
        ([fake_step(21, at(dt.date(2026, 3, 5), 23)), fake_step(22)], dt.date(2026, 3, 10), 22),
        # Decided 03-05 16:30 UTC, which is already 03-06 in Shanghai.
        (
            [fake_step(21, dt.datetime(2026, 3, 5, 16, 30, tzinfo=UTC)), fake_step(22)],
            dt.date(2026, 3, 10),
            None,
        ),
        (
            [fake_step(21, dt.datetime(2026, 3, 5, 16, 30, tzinfo=UTC)), fake_step(22)],
            dt.date(2026, 3, 11),
            22,
        ),
    ],
)
def test_a_review_step_undecided_for_the_batch_days_is_review_pending(steps, today, expected_step):
    request = fake_request(_created(dt.date(2026, 3, 2)), steps)
    problem = fake_problem("closeout_review", requests=[request])
    due = reminders_due(problem, today)
    if expected_step is None:
        assert due == []
    else:
        assert [(d.target, d.kind, d.audience) for d in due] == [
            (f"step:{expected_step}", "review_pending", Audience.STEP_REVIEWERS)
        ]


def test_a_decided_request_is_not_review_pending():
    request = fake_request(_created(dt.date(2026, 3, 2)), [fake_step(21)], status="approved")
    assert reminders_due(fake_problem("closeout_review", requests=[request]), day(0)) == []


R = dt.date(2026, 3, 10)  # a supervision's reply due date


@pytest.mark.parametrize(
    "today, expected",
    [
        (R - dt.timedelta(1), []),
        (R, []),  # no due_soon / due_today for a reply: only overdue and escalation
        (R + dt.timedelta(1), [("overdue", 1)]),
        (R + dt.timedelta(2), [("overdue", 1)]),
        (R + dt.timedelta(3), [("escalated", 0), ("overdue", 2)]),
        (R + dt.timedelta(5), [("escalated", 0), ("overdue", 3)]),
    ],
)
def test_an_unanswered_supervision_escalates_like_an_overdue_problem(today, expected):
    problem = fake_problem(due=dt.date(2026, 6, 30), supervisions=[fake_supervision(reply_due=R)])
    due = [d for d in reminders_due(problem, today) if d.target == "supervision:31"]
    assert keys(due) == sorted(("supervision:31", k, lv) for k, lv in expected)
    audiences = {d.kind: d.audience for d in due}
    assert audiences.get("overdue", Audience.LEAD_ADMINS_AND_HEAD) == Audience.LEAD_ADMINS_AND_HEAD
    assert audiences.get("escalated", Audience.ESCALATION) == Audience.ESCALATION


@pytest.mark.parametrize("status", ["in_progress", "closeout_review", "long_term"])
def test_an_answered_supervision_stops(status):
    replied = fake_supervision(reply_due=R, replied_at=at(R + dt.timedelta(1)))
    problem = fake_problem(status, due=dt.date(2026, 6, 30), supervisions=[replied])
    assert reminders_due(problem, R + dt.timedelta(5)) == []


def test_a_supervision_without_a_reply_date_never_escalates():
    problem = fake_problem(due=dt.date(2026, 6, 30), supervisions=[fake_supervision()])
    assert reminders_due(problem, dt.date(2026, 6, 1)) == []


# --- through the cycle: the batch's ladder, addressed ----------------------------------------


@pytest.fixture
def batch(cast):
    b = cast.batch
    b.remind_days_before = [5, 2]
    b.overdue_repeat_days = 2
    b.escalate_after_days = 3
    b.review_pending_days = 5
    b.save()
    return b


def recipients(**filters):
    return set(Reminder.objects.filter(**filters).values_list("recipient__username", flat=True))


def sent_keys():
    return set(Reminder.objects.filter(state="sent").values_list("target", "kind", "level"))


@pytest.fixture
def more_people(cast):
    """People who must NOT be addressed by mistake, and one who holds two roles."""
    cast.head_school = make_user("head_school", unit=cast.school_a, role=Role.UNIT_HEAD)
    cast.rev_b = make_user("rev_b", unit=cast.unit_b, role=Role.OFFICE_REVIEWER)
    cast.dual = make_user("dual", unit=cast.unit_a, role=Role.UNIT_HEAD)
    cast.dual.memberships.create(unit=cast.county, role=Role.OFFICE_REVIEWER)
    return cast


def may_decide(problem_id, users):
    problem = Problem.objects.get(pk=problem_id)
    return {
        u.username
        for u in users
        if not u.is_superuser and "approve_closeout" in allowed_actions(problem, u)
    }


def test_review_pending_goes_to_exactly_who_may_decide_the_step(
    run_cycle, cast, more_people, batch, make_problem, _today
):
    from django.contrib.auth import get_user_model

    everyone = list(get_user_model().objects.all())
    problem = make_problem("closeout_review", due_date=dt.date(2026, 6, 30))  # filed 03-02
    _today.move_to(at(dt.date(2026, 3, 6)))
    run_cycle()
    assert not Reminder.objects.filter(kind="review_pending").exists()

    _today.move_to(at(dt.date(2026, 3, 7)))
    run_cycle()
    first = recipients(kind="review_pending")
    assert first == {"head_a", "dual"}  # unit_head step: unit heads of 教育局 only
    assert first == may_decide(problem.pk, everyone)
    assert "admin_a" not in first  # the applicant never reviews their own request

    # dual decides the first step on 03-08; the office step has then waited 5 days on 03-13.
    _today.move_to(at(dt.date(2026, 3, 8)))
    perform_action(problem_id=problem.pk, action="approve_closeout", actor=cast.dual)
    _today.move_to(at(dt.date(2026, 3, 12)))
    run_cycle()
    assert recipients(kind="review_pending") == first
    _today.move_to(at(dt.date(2026, 3, 13)))
    run_cycle()
    second = recipients(kind="review_pending") - first
    assert second == {"rev", "oa"}  # office roles over 教育局; not dual, who decided step 1
    assert second == may_decide(problem.pk, everyone)
    assert set(Reminder.objects.values_list("state", flat=True)) == {"sent"}


def test_review_pending_never_goes_to_the_applicant_even_when_they_hold_the_role(
    run_cycle, cast, more_people, batch, make_problem, _today
):
    from django.contrib.auth import get_user_model

    from tests.conftest import _finish_measures_and_upload

    # admin_head is unit_admin (may file the close-out) and unit_head (may decide step 1).
    applicant = make_user("admin_head", unit=cast.unit_a, role=Role.UNIT_ADMIN)
    applicant.memberships.create(unit=cast.unit_a, role=Role.UNIT_HEAD)
    problem = make_problem("in_progress", due_date=dt.date(2026, 6, 30))
    _finish_measures_and_upload(cast, problem, applicant)
    perform_action(
        problem_id=problem.pk,
        action="request_closeout",
        actor=applicant,
        data={"summary": "已整改完成"},
    )
    _today.move_to(at(dt.date(2026, 3, 7)))
    run_cycle()
    reviewers = recipients(kind="review_pending")
    assert "admin_head" not in reviewers
    assert reviewers == {"head_a", "dual"}
    assert reviewers == may_decide(problem.pk, list(get_user_model().objects.all()))


def test_an_unanswered_supervision_is_reminded_escalated_and_stops_once_replied(
    run_cycle, cast, batch, make_problem, _today
):
    problem = make_problem("in_progress", due_date=dt.date(2026, 6, 30))
    perform_action(
        problem_id=problem.pk,
        action="supervise",
        actor=cast.oa,
        data={"kind": "letter", "content": "请于3月10日前书面回复", "reply_due_date": "2026-03-10"},
    )
    letter = SupervisionAction.objects.get(problem=problem, kind="letter")
    target = f"supervision:{letter.pk}"

    _today.move_to(at(dt.date(2026, 3, 10)))
    run_cycle()
    assert not Reminder.objects.filter(target=target).exists()

    _today.move_to(at(dt.date(2026, 3, 11)))
    run_cycle()
    assert recipients(target=target, kind="overdue", level=1) == {"admin_a", "head_a"}

    _today.move_to(at(dt.date(2026, 3, 13)))
    run_cycle()
    assert recipients(target=target, kind="overdue", level=2) == {"admin_a", "head_a"}
    assert recipients(target=target, kind="escalated") == {"rev"}
    assert Escalation.objects.filter(target=target, due_date=dt.date(2026, 3, 10)).count() == 1
    listed = SupervisionAction.objects.filter(problem=problem, kind="listed")
    assert listed.count() == 1 and listed.get().issued_by is None

    # The unit replies (the reply API is not there yet: set it on the model).
    _today.move_to(at(dt.date(2026, 3, 14)))
    letter.reply, letter.replied_at, letter.replied_by = (
        "已整改并回复",
        timezone.now(),
        cast.admin_a,
    )
    letter.save()
    before = Reminder.objects.filter(target=target).count()
    for d in (15, 17, 19):
        _today.move_to(at(dt.date(2026, 3, d)))
        run_cycle()
    assert Reminder.objects.filter(target=target).count() == before
    assert Escalation.objects.count() == 1


def test_a_supervision_reminder_pending_when_the_reply_comes_is_cancelled(
    run_cycle, cast, batch, make_problem, _today
):
    from notifications.scan import reminders_scan

    problem = make_problem("in_progress", due_date=dt.date(2026, 6, 30))
    perform_action(
        problem_id=problem.pk,
        action="supervise",
        actor=cast.oa,
        data={"kind": "urge", "content": "催办", "reply_due_date": "2026-03-10"},
    )
    letter = SupervisionAction.objects.get(problem=problem, kind="urge")
    _today.move_to(at(dt.date(2026, 3, 11)))
    reminders_scan()  # materialised, not yet delivered
    assert Reminder.objects.filter(target=f"supervision:{letter.pk}", state="pending").count() == 2
    letter.reply, letter.replied_at = "已回复", timezone.now()
    letter.save()
    run_cycle()
    assert not Reminder.objects.filter(state="sent").exists()
    assert set(Reminder.objects.values_list("state", flat=True)) == {"cancelled"}


def test_measure_reminders_go_to_the_owner_and_the_unit_staff_of_the_measures_unit(
    run_cycle, cast, batch, make_problem, _today
):
    owner = make_user("owner_b", unit=cast.unit_b, role=Role.VIEWER)
    problem = make_problem(
        "in_progress",
        due_date=dt.date(2026, 6, 30),
        cooperating_units=[cast.unit_b],
        measures=[
            {"content": "卫健局的措施", "unit": cast.unit_b, "owner": owner, "due_date": D},
            {"content": "教育局的措施", "unit": cast.unit_a, "due_date": dt.date(2026, 6, 30)},
        ],
    )
    measure = problem.measures.get(unit=cast.unit_b)
    target = f"measure:{measure.pk}"

    _today.move_to(at(day(-5)))
    run_cycle()
    assert sent_keys() == {(target, "due_soon", 5)}
    assert recipients(target=target) == {"owner_b", "staff_b"}

    _today.move_to(at(day(0)))
    run_cycle()
    assert recipients(target=target, kind="due_today") == {"owner_b", "staff_b"}
    assert not Reminder.objects.exclude(target=target).exists()  # the problem is not due

    _today.move_to(at(day(1)))
    run_cycle()
    assert not Reminder.objects.filter(kind="overdue").exists()


def test_a_measure_done_before_its_day_is_not_reminded(
    run_cycle, cast, batch, make_problem, _today
):
    problem = make_problem(
        "in_progress",
        due_date=dt.date(2026, 6, 30),
        measures=[{"content": "措施", "unit": cast.unit_a, "due_date": D}],
    )
    _today.move_to(at(day(-5)))
    run_cycle()
    assert recipients(kind="due_soon", level=5) == {"staff_a"}
    measure_update(
        actor=cast.admin_a,
        measure_id=problem.measures.get().pk,
        status="done",
        done_note="完成",
    )
    for offset in (-2, 0):
        _today.move_to(at(day(offset)))
        run_cycle()
    assert set(Reminder.objects.values_list("kind", "level")) == {("due_soon", 5)}


# --- the local-date boundary -----------------------------------------------------------------


def utc(day_, hour, minute, second=0):
    return dt.datetime(day_.year, day_.month, day_.day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    "instant, kind, level, fires",
    [
        # Local midnight of the due day is 16:00 UTC the day before.
        (utc(day(-1), 15, 59), "due_today", 0, False),
        (utc(day(-1), 15, 59, 59), "due_today", 0, False),
        (utc(day(-1), 16, 0, 0), "due_today", 0, True),
        (utc(day(-1), 16, 1), "due_today", 0, True),
        # The first instant overdue is local midnight after the due day.
        (utc(day(0), 15, 59), "overdue", 1, False),
        (utc(day(0), 16, 1), "overdue", 1, True),
        # And 5 days before, in the batch's ladder.
        (utc(day(-6), 15, 59), "due_soon", 5, False),
        (utc(day(-6), 16, 1), "due_soon", 5, True),
    ],
)
def test_reminders_fall_due_at_local_midnight_not_utc_midnight(
    run_cycle, cast, batch, make_problem, _today, instant, kind, level, fires
):
    make_problem(
        "in_progress", due_date=D, measures=[{"content": "措施", "due_date": dt.date(2026, 6, 30)}]
    )
    _today.move_to(instant)
    assert timezone.localdate() == instant.astimezone(SHANGHAI).date()
    run_cycle()
    assert Reminder.objects.filter(kind=kind, level=level, state="sent").exists() is fires


def test_the_due_today_reminder_is_not_sent_the_evening_before_and_is_sent_after_midnight(
    run_cycle, cast, batch, make_problem, _today
):
    problem = make_problem(
        "in_progress", due_date=D, measures=[{"content": "措施", "due_date": dt.date(2026, 6, 30)}]
    )
    _today.move_to(utc(day(-1), 15, 59))  # 23:59 on 03-19 in Shanghai
    run_cycle()
    assert sent_keys() == {(f"problem:{problem.pk}", "due_soon", 2)}
    _today.move_to(utc(day(-1), 16, 1))  # 00:01 on 03-20 in Shanghai
    run_cycle()
    assert {kind for _t, kind, _l in sent_keys()} == {"due_soon", "due_today"}


# --- a batch whose ladder changes ------------------------------------------------------------


def test_changing_a_batchs_ladder_applies_to_its_problems_at_once(
    run_cycle, cast, make_problem, _today
):
    from issues.services.batches import batch_update

    make_problem(
        "in_progress",
        due_date=dt.date(2026, 6, 30),
        measures=[{"content": "措施", "due_date": dt.date(2026, 12, 31)}],
    )
    batch_update(actor=cast.oa, batch_id=cast.batch.pk, remind_days_before=[30])
    _today.move_to(at(dt.date(2026, 5, 31)))
    run_cycle()
    assert Reminder.objects.filter(kind="due_soon", level=30, state="sent").exists()
