"""Delivering reminders: claim by compare-and-set, re-check, send, mark.

A reminder moves pending → sending (claimed) → sent. Only the caller whose UPDATE changed the
row proceeds, so a task delivered twice, or two workers, send once. A crash after the claim
leaves the row `sending`; `reminders_recover` returns it to `pending` after a lease, so a
crash delays a reminder but never loses it. The in-app notification is unique per reminder,
which closes the remaining window (crash after sending, before marking) for that channel.
"""

import datetime as dt
import logging
from collections import defaultdict

from django.db.models import F, Q
from django.utils import timezone

from issues.lookups import AnyOf
from issues.models import scheduled_on
from issues.selectors.ladder_rows import ladder_rows
from issues.services.schedule import reminders_due, reminders_plan

from . import email, webhooks
from .models import Escalation, Notification, Reminder, ReminderKind, ReminderState
from .scan_rows import advance_dates

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
LEASE = dt.timedelta(minutes=10)

TITLES = {
    ReminderKind.DUE_SOON: "【即将到期】{code} 距整改时限还有 {days} 天",
    ReminderKind.DUE_TODAY: "【今日到期】{code} 今天到达整改时限",
    ReminderKind.OVERDUE: "【已逾期】{code} 已超过整改时限 {days} 天",
    ReminderKind.ESCALATED: "【逾期升级】{code} 逾期未改，已挂牌督办",
    ReminderKind.REVIEW_PENDING: "【待审核】{code} 有审核事项已等待 {days} 天",
}


def reminder_title(reminder: Reminder, code: str, today: dt.date) -> str:
    days = abs((reminder.due_date - today).days)
    what = "督办回复" if reminder.target.startswith("supervision:") else ""
    title = TITLES[reminder.kind].format(code=code, days=days)
    if reminder.target.startswith("measure:"):
        title += "（整改措施）"
    return title + (f"（{what}）" if what else "")


def still_applies(reminder: Reminder, today: dt.date) -> bool:
    """Re-check after claiming: closed, withdrawn or extended since the scan → do not send."""
    problem = next(iter(ladder_rows([reminder.problem_id])), None)
    if problem is None:
        return False
    key = (reminder.target, reminder.kind, reminder.level, reminder.due_date)
    return any(
        (d.target, d.kind, d.level, d.due_date) == key for d in reminders_due(problem, today)
    )


def reminder_deliver(reminder_id: int) -> bool:
    """Deliver one reminder if it is still pending. Returns True if this call sent it."""
    now = timezone.now()
    claimed = Reminder.objects.filter(pk=reminder_id, state=ReminderState.PENDING).update(
        state=ReminderState.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if claimed != 1:
        return False  # someone else has it, or it is already sent or cancelled
    reminder = Reminder.objects.select_related("problem", "recipient").get(pk=reminder_id)
    today = timezone.localdate()
    try:
        if not still_applies(reminder, today):
            Reminder.objects.filter(pk=reminder_id, state=ReminderState.SENDING).update(
                state=ReminderState.CANCELLED
            )
            return False
        problem = reminder.problem
        notification, _ = Notification.objects.get_or_create(
            reminder=reminder,
            defaults={
                "recipient": reminder.recipient,
                "kind": reminder.kind,
                "problem": problem,
                "title": reminder_title(reminder, problem.code, today),
                "body": f"{problem.code} {problem.title}",
            },
        )
        webhooks.queue_for_reminder(reminder, notification)
        if reminder.kind == ReminderKind.ESCALATED:
            # Never raises: a mail outage is recorded on the notification and retried, and
            # the in-app notification and the webhook above do not wait for it.
            email.send_immediately(notification)
    except Exception as exc:
        logger.exception("delivering reminder %s failed", reminder_id)
        state = ReminderState.FAILED if reminder.attempts >= MAX_ATTEMPTS else ReminderState.PENDING
        Reminder.objects.filter(pk=reminder_id, state=ReminderState.SENDING).update(
            state=state, last_error=str(exc)[:2000], enqueued_at=None
        )
        return False
    Reminder.objects.filter(pk=reminder_id, state=ReminderState.SENDING).update(
        state=ReminderState.SENT, sent_at=timezone.now(), last_error=""
    )
    return True


def reminders_recover(now=None) -> int:
    """Rows left `sending` by a crashed worker go back to `pending` once their lease expires.

    A crash counts as an attempt: a row whose delivery killed its worker MAX_ATTEMPTS times
    is `failed`, not retried forever (inline delivery would starve every row queued after it).
    """
    now = now or timezone.now()
    stale = Reminder.objects.filter(state=ReminderState.SENDING, claimed_at__lt=now - LEASE)
    stale.filter(attempts__gte=MAX_ATTEMPTS).update(
        state=ReminderState.FAILED, last_error="delivery did not finish (worker lost)"
    )
    return stale.update(state=ReminderState.PENDING, enqueued_at=None)


def reminders_dispatch(now=None, limit: int = 5000) -> list[int]:
    """The pending reminders to deliver now, marked as queued: those not queued within the
    lease (a lost broker message is queued again by a later cycle; the claim makes the
    duplicate harmless). Records only: tasks.py queues or runs their deliveries."""
    now = now or timezone.now()
    ids = list(
        Reminder.objects.filter(state=ReminderState.PENDING)
        .filter(Q(enqueued_at=None) | Q(enqueued_at__lt=now - LEASE))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    if ids:
        Reminder.objects.filter(AnyOf(F("pk"), ids)).update(enqueued_at=now)
    return ids


def reminders_resync_many(problems) -> int:
    """After a workflow change (in its transaction): cancel the problems' pending reminders
    that their ladders no longer produce, and finish the catch-up `problem_reschedule` began.

    problem_reschedule leaves a problem due today whenever a rung has fallen due (it cannot
    know what was sent); if every such rung already has its reminder (or, for an escalation,
    its Escalation row), the date moves on to the next rung, so the scan does not look at the
    problem again for nothing. A constant number of queries for any number of problems (one
    when none has a pending reminder or is due). Returns the number of reminders cancelled."""
    today = timezone.localdate()
    by_id = {p.pk: p for p in problems}
    pending = defaultdict(list)
    for pk, problem_id, *key in Reminder.objects.filter(
        problem_id__in=by_id, state=ReminderState.PENDING
    ).values_list("pk", "problem_id", "target", "kind", "level", "due_date"):
        pending[problem_id].append((pk, tuple(key)))
    due_now = {pk for pk, p in by_id.items() if (on := scheduled_on(p)) is not None and on <= today}
    if not pending and not due_now:
        return 0
    wanted = pending.keys() | due_now
    # The rows problems_reschedule has just planned from, in this transaction; read the rest.
    fresh = {pk: by_id[pk].ladder for pk in wanted if hasattr(by_id[pk], "ladder")}
    missing = sorted(wanted - fresh.keys())
    if missing:
        fresh |= {p.pk: p for p in ladder_rows(missing)}
    stale, plans = [], {}
    for problem_id, row in fresh.items():
        plans[problem_id] = due, _ = reminders_plan(row, today)
        valid = {(d.target, d.kind, d.level, d.due_date) for d in due}
        stale += [pk for pk, key in pending.get(problem_id, []) if key not in valid]
    cancelled = (
        Reminder.objects.filter(pk__in=stale, state=ReminderState.PENDING).update(
            state=ReminderState.CANCELLED
        )
        if stale
        else 0
    )
    recorded = _recorded([pk for pk in due_now if pk in fresh and plans[pk][0]])
    moves = []
    for problem_id in sorted(due_now & fresh.keys()):
        due, upcoming = plans[problem_id]
        if _all_recorded(problem_id, due, *recorded):
            schedule = by_id[problem_id].schedule
            moves.append((problem_id, schedule.next_reminder_on, upcoming))
            schedule.next_reminder_on = upcoming
    advance_dates(moves)
    return cancelled


def _recorded(problem_ids) -> tuple[set, set]:
    """The (problem, target, kind, level, due_date) that have a reminder row (any recipient,
    any state) and the (problem, target, due_date) that have an escalation."""
    if not problem_ids:
        return set(), set()
    made = set(
        Reminder.objects.filter(problem_id__in=problem_ids)
        .values_list("problem_id", "target", "kind", "level", "due_date")
        .distinct()
    )
    escalated = set(
        Escalation.objects.filter(problem_id__in=problem_ids).values_list(
            "problem_id", "target", "due_date"
        )
    )
    return made, escalated


def _all_recorded(problem_id, due, made, escalated) -> bool:
    """Has every rung in `due` its reminder row (or, for an escalation, its Escalation)?"""
    for d in due:
        if d.kind == ReminderKind.ESCALATED:
            if (problem_id, d.target, d.due_date) not in escalated:
                return False
        elif (problem_id, d.target, d.kind, d.level, d.due_date) not in made:
            return False
    return True
