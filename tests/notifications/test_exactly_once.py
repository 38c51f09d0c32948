"""Exactly once (SPEC §5): a reminder is created once and delivered once — when the cycle runs
twice, when a delivery task runs twice, after a crash between claim and send, after a skipped
day, after a lost broker message, and (PostgreSQL) with two workers at the same moment.

"Delivered" is counted on every channel: the in-app Notification, the e-mail (escalations go
out at once) and the webhook delivery row / the POST a real local receiver got.
"""

import datetime as dt
from collections import Counter
from unittest import mock

import pytest
from django.core import mail
from django.db.models import Count

from issues.models import SupervisionAction
from notifications import delivery, tasks
from notifications.delivery import LEASE, reminders_dispatch
from notifications.models import (
    Escalation,
    Notification,
    Reminder,
    WebhookDelivery,
    WebhookEndpoint,
)
from notifications.scan import reminders_scan

from .conftest import at, run_in_threads

DUE = dt.date(2026, 3, 20)
# Default ladder: due_soon 7/3/1, due_today, overdue on day 1 then every 3, escalated at day 7.
ESCALATION_DAY = DUE + dt.timedelta(days=7)  # overdue level 3 and escalated fall due together


def give_emails(cast):
    for name in ("oa", "rev", "leader", "admin_a", "head_a", "staff_a", "admin_b", "head_b"):
        user = getattr(cast, name)
        user.email = f"{name}@example.org"
        user.save(update_fields=["email"])


@pytest.fixture
def problem(cast, make_problem):
    give_emails(cast)
    return make_problem(
        "in_progress",
        due_date=DUE,
        measures=[{"content": "措施", "due_date": dt.date(2026, 6, 30)}],
    )


@pytest.fixture
def endpoint(cast, receiver):
    return WebhookEndpoint.objects.create(unit=cast.unit_a, url=receiver.url, secret="s3cret")


def reminder_notifications(reminder):
    return Notification.objects.filter(reminder=reminder)


def snapshot(receiver=None):
    """Everything the outside world has seen so far."""
    return {
        "reminders": sorted(
            Reminder.objects.values_list("target", "kind", "level", "recipient_id", "state")
        ),
        "notifications": Notification.objects.count(),
        "reminder_notifications": Notification.objects.filter(reminder__isnull=False).count(),
        "mails": len(mail.outbox),
        "webhook_rows": WebhookDelivery.objects.count(),
        "posts": len(receiver.received) if receiver is not None else 0,
    }


def escalated_reminder(problem):
    return Reminder.objects.get(problem=problem, kind="escalated")


# --- the whole cycle, twice ------------------------------------------------------------------


def test_the_cycle_run_again_sends_nothing_new_on_any_channel(
    run_cycle, cast, problem, endpoint, receiver, _today
):
    _today.move_to(at(ESCALATION_DAY))
    first = run_cycle()
    assert first.created == 3  # overdue/3 to admin_a and head_a, escalated to rev
    assert first.escalated == 1
    after_first = snapshot(receiver)
    assert after_first["reminder_notifications"] == 3
    assert {m.to[0] for m in mail.outbox} == {"rev@example.org"}  # the escalation, at once
    assert after_first["webhook_rows"] == 2  # one per event: overdue/3 and escalated

    second = run_cycle()  # webhooks queued by the first cycle's deliveries go out now
    assert (second.created, second.escalated, second.queued, second.recovered) == (0, 0, 0, 0)
    after_second = snapshot(receiver)
    assert after_second["posts"] == 2
    assert {k: v for k, v in after_second.items() if k != "posts"} == {
        k: v for k, v in after_first.items() if k != "posts"
    }
    assert WebhookDelivery.objects.filter(state="sent").count() == 2

    for _ in range(2):
        again = run_cycle()
        assert (again.created, again.queued, again.webhooks_queued) == (0, 0, 0)
        assert snapshot(receiver) == after_second
    assert SupervisionAction.objects.filter(problem=problem, kind="listed").count() == 1


def test_the_cycle_run_again_later_the_same_day_sends_nothing_new(
    run_cycle, cast, problem, endpoint, receiver, _today
):
    _today.move_to(at(ESCALATION_DAY, 0, 5))
    run_cycle()
    run_cycle()
    settled = snapshot(receiver)
    for hour in (9, 15, 23):
        _today.move_to(at(ESCALATION_DAY, hour, 59))
        run_cycle()
        assert snapshot(receiver) == settled


# --- one delivery task, twice ----------------------------------------------------------------


def _direct_task(rid):
    return tasks.deliver_reminder(rid)


def _eager_delay(rid):
    return tasks.deliver_reminder.delay(rid).get()


def _eager_apply(rid):
    return tasks.deliver_reminder.apply(args=(rid,)).get()


def _service(rid):
    return delivery.reminder_deliver(rid)


@pytest.mark.parametrize(
    "deliver",
    [_direct_task, _eager_delay, _eager_apply, _service],
    ids=["task-call", "task-delay", "task-apply", "reminder_deliver"],
)
def test_a_delivery_task_run_twice_sends_once(cast, problem, endpoint, _today, deliver):
    _today.move_to(at(ESCALATION_DAY))
    reminders_scan()
    reminder = escalated_reminder(problem)

    assert deliver(reminder.pk) is True
    assert deliver(reminder.pk) is False
    assert deliver(reminder.pk) is False

    reminder.refresh_from_db()
    assert (reminder.state, reminder.attempts) == ("sent", 1)
    assert reminder_notifications(reminder).count() == 1
    assert [m.to for m in mail.outbox] == [["rev@example.org"]]
    assert WebhookDelivery.objects.filter(event_key=reminder.event_key).count() == 1


def test_delivering_every_recipient_of_one_event_makes_one_webhook_row(
    cast, problem, endpoint, _today
):
    _today.move_to(at(ESCALATION_DAY))
    reminders_scan()
    overdue = list(Reminder.objects.filter(problem=problem, kind="overdue"))
    assert len(overdue) == 2  # admin_a and head_a
    for reminder in overdue * 2:
        delivery.reminder_deliver(reminder.pk)
    assert WebhookDelivery.objects.filter(event_key=overdue[0].event_key).count() == 1
    assert Notification.objects.filter(reminder__in=overdue).count() == 2


# --- a crash between the claim and the send --------------------------------------------------


def _claim_and_die(reminder, crash_at):
    """Deliver like a worker that is killed at `crash_at` (SystemExit is not an Exception:
    nothing in the delivery code may swallow it, as nothing survives a SIGKILL)."""
    if crash_at == "after-claim":
        # Exactly the claim reminder_deliver makes, then the process is gone.
        from django.db.models import F
        from django.utils import timezone

        claimed = Reminder.objects.filter(pk=reminder.pk, state="pending").update(
            state="sending", claimed_at=timezone.now(), attempts=F("attempts") + 1
        )
        assert claimed == 1
        return
    target = {
        "in-recheck": "notifications.delivery.still_applies",
        "creating-notification": "notifications.models.Notification.objects.get_or_create",
        "before-mail": "notifications.email.send_immediately",
        "before-webhook": "notifications.webhooks.queue_for_reminder",
    }[crash_at]
    with mock.patch(target, side_effect=SystemExit("worker killed")):
        with pytest.raises(SystemExit):
            tasks.deliver_reminder(reminder.pk)


@pytest.mark.parametrize(
    "crash_at",
    ["after-claim", "in-recheck", "creating-notification", "before-mail", "before-webhook"],
)
def test_a_crash_after_the_claim_is_recovered_after_the_lease_and_delivered_once(
    run_cycle, cast, problem, endpoint, _today, crash_at
):
    crashed_at = at(ESCALATION_DAY)
    _today.move_to(crashed_at)
    reminders_scan()
    reminder = escalated_reminder(problem)
    _claim_and_die(reminder, crash_at)

    reminder.refresh_from_db()
    assert reminder.state == "sending"
    assert reminder.claimed_at == crashed_at
    mails_at_crash = len(mail.outbox)
    # The webhook row is recorded first, the mail (which never raises) last.
    assert mails_at_crash == 0

    # Within the lease nothing touches it: the crashed worker might still be alive.
    for offset in (dt.timedelta(0), dt.timedelta(minutes=5), LEASE - dt.timedelta(seconds=1)):
        _today.move_to(crashed_at + offset)
        result = run_cycle()
        assert result.recovered == 0
        reminder.refresh_from_db()
        assert reminder.state == "sending"
        assert len(mail.outbox) == mails_at_crash

    # After the lease the next cycle takes it back and delivers it — once.
    _today.move_to(crashed_at + LEASE + dt.timedelta(seconds=1))
    result = run_cycle()
    assert result.recovered == 1
    reminder.refresh_from_db()
    assert reminder.state == "sent"
    assert reminder_notifications(reminder).count() == 1
    assert [m.to for m in mail.outbox] == [["rev@example.org"]]
    assert WebhookDelivery.objects.filter(event_key=reminder.event_key).count() == 1

    _today.move_to(crashed_at + 3 * LEASE)
    result = run_cycle()
    assert (result.recovered, result.created, result.queued) == (0, 0, 0)
    assert reminder_notifications(reminder).count() == 1
    assert len(mail.outbox) == 1


def test_a_reminder_that_kills_its_worker_every_time_is_given_up_and_stops_blocking_the_rest(
    run_cycle, cast, problem, _today
):
    """A poison reminder (its delivery crashes the process each time) must hit the attempt
    cap like any failing one. In the embedded mode deliveries run inline, in id order: while
    the poison row keeps coming back, every reminder queued after it starves with it."""
    start = at(ESCALATION_DAY)
    _today.move_to(start)
    reminders_scan()
    ids = list(Reminder.objects.order_by("pk").values_list("pk", flat=True))
    poison, others = ids[0], ids[1:]
    real_still_applies = delivery.still_applies

    def crash_on_poison(reminder, today):
        if reminder.pk == poison:
            raise SystemExit("worker killed")
        return real_still_applies(reminder, today)

    crashes = 0
    with mock.patch("notifications.delivery.still_applies", side_effect=crash_on_poison):
        for n in range(delivery.MAX_ATTEMPTS + 3):
            _today.move_to(start + n * (LEASE + dt.timedelta(seconds=1)))
            try:
                run_cycle()
            except SystemExit:
                crashes += 1
    reminder = Reminder.objects.get(pk=poison)
    assert crashes == delivery.MAX_ATTEMPTS
    assert (reminder.state, reminder.attempts) == ("failed", delivery.MAX_ATTEMPTS)
    assert reminder.last_error
    assert set(Reminder.objects.filter(pk__in=others).values_list("state", flat=True)) == {"sent"}
    assert not reminder_notifications(reminder).exists()


def test_an_error_while_sending_returns_the_reminder_to_pending_and_it_is_retried(
    run_cycle, cast, problem, _today
):
    _today.move_to(at(ESCALATION_DAY))
    reminders_scan()
    reminder = escalated_reminder(problem)
    with mock.patch(
        "notifications.email.send_immediately", side_effect=ConnectionError("smtp down")
    ):
        assert delivery.reminder_deliver(reminder.pk) is False
    reminder.refresh_from_db()
    assert (reminder.state, reminder.attempts) == ("pending", 1)
    assert "smtp down" in reminder.last_error
    run_cycle()
    reminder.refresh_from_db()
    assert (reminder.state, reminder.attempts) == ("sent", 2)
    assert reminder_notifications(reminder).count() == 1
    assert len(mail.outbox) == 1


# --- a skipped day ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ran_on, skipped_to, expected",
    [
        # The 3-day reminder fell due on a day nobody ran the scan.
        (DUE - dt.timedelta(7), DUE - dt.timedelta(2), {("due_soon", 3)}),
        # Two overdue repeats passed unsent: only the latest goes out.
        (DUE + dt.timedelta(1), DUE + dt.timedelta(5), {("overdue", 2)}),
        # The escalation day passed unsent: it still escalates, once.
        (DUE + dt.timedelta(1), DUE + dt.timedelta(9), {("overdue", 3), ("escalated", 0)}),
    ],
)
def test_a_skipped_day_is_caught_up_once(
    run_cycle, cast, problem, _today, ran_on, skipped_to, expected
):
    _today.move_to(at(ran_on))
    run_cycle()
    before = set(Reminder.objects.values_list("pk", flat=True))
    _today.move_to(at(skipped_to))
    run_cycle()
    new = Reminder.objects.exclude(pk__in=before)
    assert set(new.values_list("kind", "level")) == expected
    assert set(new.values_list("state", flat=True)) == {"sent"}
    settled = snapshot()
    run_cycle()
    assert snapshot() == settled
    assert Escalation.objects.count() == (1 if ("escalated", 0) in expected else 0)


# --- a lost broker message -------------------------------------------------------------------


def test_a_lost_broker_message_is_queued_again_after_the_lease_and_delivered_once(
    run_cycle, cast, problem, _today
):
    queued_at = at(ESCALATION_DAY)
    _today.move_to(queued_at)
    reminders_scan()
    lost = reminders_dispatch()  # on_commit never runs: the messages are lost with Redis
    assert len(lost) == 3
    assert set(Reminder.objects.values_list("state", flat=True)) == {"pending"}

    _today.move_to(queued_at + LEASE - dt.timedelta(seconds=1))
    result = run_cycle()
    assert result.queued == 0  # maybe the messages are only late: do not queue twice yet
    assert Notification.objects.filter(reminder__isnull=False).count() == 0

    _today.move_to(queued_at + LEASE + dt.timedelta(seconds=1))
    result = run_cycle()
    assert result.queued == 3
    assert set(Reminder.objects.values_list("state", flat=True)) == {"sent"}
    counts = Counter(
        Notification.objects.filter(reminder__isnull=False).values_list("reminder_id", flat=True)
    )
    assert sorted(counts.values()) == [1, 1, 1]
    assert len(mail.outbox) == 1

    _today.move_to(queued_at + 3 * LEASE)
    assert run_cycle().queued == 0
    assert Notification.objects.filter(reminder__isnull=False).count() == 3


def test_a_late_message_after_requeue_does_not_deliver_twice(cast, problem, _today):
    """The lost message was only late: both the old and the new one arrive. One sends."""
    queued_at = at(ESCALATION_DAY)
    _today.move_to(queued_at)
    reminders_scan()
    first = reminders_dispatch()
    _today.move_to(queued_at + LEASE + dt.timedelta(seconds=1))
    second = reminders_dispatch()
    assert first == second
    sent = [tasks.deliver_reminder(rid) for rid in first + second]
    assert sent.count(True) == 3
    assert Notification.objects.filter(reminder__isnull=False).count() == 3
    assert len(mail.outbox) == 1


# --- PostgreSQL: two workers at the same moment ----------------------------------------------


def _concurrent_problems(make_problem):
    """On CYCLE_DAY: due_soon/3 (+ its measure), overdue/1, and escalation day, twice each."""
    problems = []
    for due in (CYCLE_DAY + dt.timedelta(3), CYCLE_DAY - dt.timedelta(1)) * 2:
        problems.append(make_problem("in_progress", due_date=due))
    for _ in range(2):
        problems.append(
            make_problem(
                "in_progress",
                due_date=CYCLE_DAY - dt.timedelta(7),
                measures=[{"content": "措施", "due_date": dt.date(2026, 6, 30)}],
            )
        )
    return problems


CYCLE_DAY = dt.date(2026, 3, 20)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("workers", [2, 4])
def test_concurrent_cycles_create_and_deliver_each_reminder_once(
    cast, make_problem, receiver, _today, workers
):
    give_emails(cast)
    WebhookEndpoint.objects.create(unit=cast.unit_a, url=receiver.url, secret="s3cret")
    problems = _concurrent_problems(make_problem)
    _today.move_to(at(CYCLE_DAY))

    for _round in range(2):  # the second round sends the webhooks the first one queued
        run_in_threads(workers, lambda i: tasks.run_cycle())

    reminders = Reminder.objects.all()
    # due_soon/3 → admin_a, and its measure → staff_a: 2 × 2; overdue/1 → admin_a, head_a:
    # 2 × 2; escalation day → overdue/3 to admin_a, head_a and escalated to rev: 2 × 3.
    assert reminders.count() == 14
    assert set(reminders.values_list("state", flat=True)) == {"sent"}
    per_reminder = (
        Notification.objects.filter(reminder__isnull=False)
        .values("reminder")
        .annotate(n=Count("id"))
    )
    assert len(per_reminder) == 14
    assert {row["n"] for row in per_reminder} == {1}
    # Escalations are e-mailed at once: one mail per escalated reminder, no more.
    assert sorted(m.to[0] for m in mail.outbox) == ["rev@example.org"] * 2
    assert Escalation.objects.count() == 2
    for p in problems[-2:]:
        assert SupervisionAction.objects.filter(problem=p, kind="listed").count() == 1
    # One webhook delivery per event (not per recipient, not per worker), each POSTed once.
    events = set(reminders.values_list("target", "kind", "level", "due_date"))
    assert WebhookDelivery.objects.count() == len(events) == 10
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"sent"}
    posted = Counter(r.headers["Idempotency-Key"] for r in receiver.received)
    assert len(posted) == 10 and set(posted.values()) == {1}, posted


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_the_same_reminders_at_once_send_each_once(
    cast, make_problem, _today
):
    give_emails(cast)
    _concurrent_problems(make_problem)
    _today.move_to(at(CYCLE_DAY))
    reminders_scan()
    ids = list(Reminder.objects.order_by("pk").values_list("pk", flat=True))
    assert len(ids) == 14

    results = run_in_threads(2, lambda i: [delivery.reminder_deliver(rid) for rid in ids])

    for n, rid in enumerate(ids):
        assert [results[0][n], results[1][n]].count(True) == 1, rid
    assert Notification.objects.filter(reminder__isnull=False).count() == 14
    assert set(Reminder.objects.values_list("state", flat=True)) == {"sent"}
    assert set(Reminder.objects.values_list("attempts", flat=True)) == {1}
    assert len(mail.outbox) == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_one_reminder_exactly_one_returns_true(cast, problem, _today):
    _today.move_to(at(ESCALATION_DAY))
    reminders_scan()
    reminder = escalated_reminder(problem)
    results = run_in_threads(2, lambda i: delivery.reminder_deliver(reminder.pk))
    assert sorted(results) == [False, True]
    assert reminder_notifications(reminder).count() == 1
    assert len(mail.outbox) == 1
