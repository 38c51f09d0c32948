"""The reminder scan (SPEC §5): find due problems, materialise their reminders, escalate.

Set-based: problems are selected by the indexed `next_reminder_on <= today` (never equality,
so a missed day is caught up) in chunks, each chunk loaded with a constant number of queries.
Reminders are inserted with ON CONFLICT DO NOTHING against their unique key, so two scans at
once, or one run twice, create each reminder once. One bad problem is logged and pushed to
tomorrow; it never stops the others.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Case, DateField, Prefetch, Q, Value, When
from django.utils import timezone

from issues.models import Problem, RequestStatus, ReviewRequest, SupervisionAction, SupervisionKind
from issues.services.schedule import Kind, next_reminder_on, reminders_due
from issues.services.workflow import perform_action

from .models import Escalation, Reminder
from .recipients import Directory

logger = logging.getLogger(__name__)


@dataclass
class ScanResult:
    problems: int = 0
    created: int = 0
    escalated: int = 0
    errors: int = 0


def due_problems(ids):
    """Everything the ladder and the directory need, for one chunk, in a fixed number of queries."""
    return (
        Problem.objects.filter(pk__in=ids)
        .select_related("batch", "lead_unit")
        .prefetch_related(
            "measures",
            Prefetch(
                "requests",
                queryset=ReviewRequest.objects.filter(
                    status=RequestStatus.PENDING
                ).prefetch_related("steps"),
            ),
            Prefetch("supervisions", queryset=SupervisionAction.objects.filter(replied_at=None)),
        )
        .order_by("pk")
    )


def _advance(rows: list[tuple[int, dt.date, dt.date | None]]):
    """Move next_reminder_on forward by compare-and-set: a row that a workflow action
    rescheduled meanwhile no longer matches its old value and is left alone. At most two
    UPDATEs per chunk: rows with a next date (one CASE), and rows whose ladder has ended (NULL;
    kept apart because PostgreSQL types a CASE of NULLs as text)."""

    def matching(part):
        match = Q(pk__in=[])
        for pk, old, _new in part:
            match |= Q(pk=pk, next_reminder_on=old)
        return Problem.objects.filter(match)

    dated = [row for row in rows if row[2] is not None]
    ended = [row for row in rows if row[2] is None]
    if dated:
        when = (When(pk=pk, then=Value(new)) for pk, _old, new in dated)
        matching(dated).update(next_reminder_on=Case(*when, output_field=DateField()))
    if ended:
        matching(ended).update(next_reminder_on=None)


def _escalate(problem_id: int, target: str, due_date: dt.date) -> bool:
    """Record the system's `listed` supervision once per escalated deadline."""
    try:
        with transaction.atomic():
            Escalation.objects.create(target=target, due_date=due_date, problem_id=problem_id)
            perform_action(
                problem_id=problem_id,
                action="supervise",
                actor=None,
                data={
                    "kind": SupervisionKind.LISTED,
                    "content": f"逾期超过规定天数（整改时限 {due_date:%Y-%m-%d}），系统自动挂牌督办。",
                },
            )
    except IntegrityError:
        return False  # another scan escalated it first
    return True


def scan_chunk(ids, today: dt.date) -> ScanResult:
    result = ScanResult()
    problems = list(due_problems(ids))
    directory = Directory(problems)
    reminders, advances, escalations = [], [], []
    for problem in problems:
        result.problems += 1
        try:
            for due in reminders_due(problem, today):
                if due.kind == Kind.ESCALATED:
                    escalations.append((problem.pk, due.target.split("/")[0], due.due_date))
                for user_id in directory.recipients(problem, due):
                    reminders.append(
                        Reminder(
                            problem_id=problem.pk,
                            target=due.target,
                            kind=due.kind,
                            level=due.level,
                            due_date=due.due_date,
                            recipient_id=user_id,
                        )
                    )
            new = next_reminder_on(problem, today)
        except Exception:
            # A poison row: log it and look again tomorrow rather than crash-looping the scan.
            logger.exception("reminder scan failed for problem %s", problem.pk)
            result.errors += 1
            new = today + dt.timedelta(days=1)
        advances.append((problem.pk, problem.next_reminder_on, new))
    if reminders:
        # ON CONFLICT DO NOTHING returns no ids; count this chunk's rows instead (indexed).
        mine = Reminder.objects.filter(problem_id__in=ids)
        before = mine.count()
        Reminder.objects.bulk_create(reminders, ignore_conflicts=True, batch_size=1000)
        result.created = mine.count() - before
    _advance(advances)
    for problem_id, target, due_date in escalations:
        result.escalated += _escalate(problem_id, target, due_date)
    if escalations:
        # The escalation's own workflow action rescheduled the problem, counting today's rungs
        # (sent just above) as upcoming, i.e. back to today: advance those rows once more, or
        # the next scan selects every escalated problem again.
        new = {pk: value for pk, _old, value in advances}
        current = Problem.objects.filter(pk__in={pk for pk, _, _ in escalations})
        _advance(
            [
                (pk, value, new[pk])
                for pk, value in current.values_list("pk", "next_reminder_on")
                if value is not None and value <= today and value != new[pk]
            ]
        )
    return result


def reminders_scan(*, today: dt.date | None = None, chunk_size: int = 500) -> ScanResult:
    today = today or timezone.localdate()
    total = ScanResult()
    # The ids of every due problem in one query, then chunks in pk order. Without LIMIT the
    # planner reads the partial index problem_next_reminder (only the due rows); a keyset loop
    # `pk > last ORDER BY pk LIMIT 500` let it walk the primary key and filter instead, ~50 000
    # rows per chunk at 1 000 000 problems and the whole table when nothing was due.
    # .order_by(): no ORDER BY from Meta.ordering (a sort of every due row, for nothing).
    due = sorted(
        Problem.objects.filter(next_reminder_on__lte=today).order_by().values_list("pk", flat=True)
    )
    for start in range(0, len(due), chunk_size):
        part = scan_chunk(due[start : start + chunk_size], today)
        total.problems += part.problems
        total.created += part.created
        total.escalated += part.escalated
        total.errors += part.errors
    return total
