"""The reminder scan (SPEC §5): find due problems, materialise their reminders, escalate.

Set-based: problems are selected by their schedule's indexed `next_reminder_on <= today`
(issues.models.ProblemSchedule; never equality,
so a missed day is caught up) in chunks, and each chunk costs a constant number of queries
whatever its size: read the problems (5 queries with their measures, requests, steps and
supervisions) and their recipients (2), insert every reminder and escalation with ON CONFLICT
DO NOTHING against their unique keys (so two scans at once, or one run twice, create each
once), and advance `next_reminder_on` of the whole chunk in one UPDATE by compare-and-set.

A chunk's escalations go through the workflow's bulk form of the system's `supervise`
action (supervise_listed_many: the `listed` supervisions, their ledger entries, reschedule and
announcement), claimed in one UPDATE … RETURNING, all in one savepoint. No single problem stops
the run: if that savepoint fails, each escalation is retried alone in its own; a problem whose
ladder raises, whose rows cannot be written or whose escalation fails is rolled back to its
savepoint, recorded as a ScanFailure and left due, so the next scan retries it.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone

from issues.lookups import AnyOf
from issues.models import Problem, ProblemSchedule
from issues.selectors.ladder_rows import ladder_rows
from issues.services.schedule import Kind, reminders_plan
from issues.services.workflow import supervise_listed_many

from .models import Escalation, EscalationState, ScanFailure
from .recipients import Directory
from .scan_rows import advance_dates, insert_reminders

logger = logging.getLogger(__name__)

# Due problems per chunk. Each chunk costs a constant ~14 queries plus, when it escalates,
# one bulk supervise (~27); at 1 000 those fixed costs were a quarter of a 10 000-problem scan
# (bench/bench_scan.py). A chunk of 5 000 holds ~10 000 plain reminder rows in memory.
CHUNK_SIZE = 5000
ESCALATION_ATTEMPTS = 5


@dataclass
class ScanResult:
    problems: int = 0
    created: int = 0
    escalated: int = 0
    errors: int = 0


@dataclass
class _Planned:
    """What one problem needs written: its reminders, escalations and next date."""

    problem: Problem
    reminders: list = field(default_factory=list)
    escalations: list = field(default_factory=list)
    new: dt.date | None = None


def _plan(problem, directory: Directory, today: dt.date) -> _Planned:
    planned = _Planned(problem)
    due, planned.new = reminders_plan(problem, today)
    for item in due:
        if item.kind == Kind.ESCALATED:
            planned.escalations.append(
                Escalation(problem_id=problem.pk, target=item.target, due_date=item.due_date)
            )
        for user_id in directory.recipients(problem, item):
            planned.reminders.append(
                (problem.pk, item.target, item.kind, item.level, item.due_date, user_id)
            )
    return planned


def _write(plans: list[_Planned]) -> int:
    """Insert the reminders and escalations of `plans` and advance their problems. Returns
    how many reminders were new."""
    created = insert_reminders([r for p in plans for r in p.reminders])
    escalations = [e for p in plans for e in p.escalations]
    if escalations:
        Escalation.objects.bulk_create(escalations, ignore_conflicts=True)
    advance_dates([(p.problem.pk, p.problem.next_reminder_on, p.new) for p in plans])
    return created


def scan_failed(problem_id: int, error: str) -> None:
    """Record a failure (the caller leaves the problem due, so the next scan retries it)."""
    updated = ScanFailure.objects.filter(problem_id=problem_id).update(
        attempts=F("attempts") + 1, last_error=error[:2000], last_failed_at=timezone.now()
    )
    if not updated:
        ScanFailure.objects.create(problem_id=problem_id, last_error=error[:2000])


def _failed(result: ScanResult, problem_id: int, exc: Exception, what: str) -> None:
    logger.exception("reminder scan: %s failed for problem %s", what, problem_id)
    result.errors += 1
    scan_failed(problem_id, f"{what}: {type(exc).__name__}: {exc}")


def scan_chunk(ids, today: dt.date) -> ScanResult:
    result = ScanResult()
    problems = ladder_rows(ids)
    directory = Directory(problems)
    plans, failed = [], set()
    for problem in problems:
        result.problems += 1
        try:
            plans.append(_plan(problem, directory, today))
        except Exception as exc:  # its ladder raised: the others go on; it stays due
            _failed(result, problem.pk, exc, "ladder")
            failed.add(problem.pk)
    try:
        with transaction.atomic():
            result.created += _write(plans)
    except DatabaseError:
        # Something in the chunk cannot be written (say a recipient deleted meanwhile): write
        # problem by problem, each in its own savepoint, so only the culprit is left out.
        for plan in plans:
            try:
                with transaction.atomic():
                    result.created += _write([plan])
            except DatabaseError as exc:
                _failed(result, plan.problem.pk, exc, "write")
                failed.add(plan.problem.pk)
    escalated, escalation_failed = escalations_apply(
        [p for p in plans if p.problem.pk not in failed], today
    )
    result.escalated += escalated
    result.errors += len(escalation_failed)
    failed |= escalation_failed
    ScanFailure.objects.filter(
        AnyOf(F("problem_id"), [pk for pk in ids if pk not in failed])
    ).delete()
    return result


def escalations_apply(plans: list[_Planned], today: dt.date) -> tuple[int, set[int]]:
    """Apply the chunk's pending escalations (new ones and earlier failures): all at once in
    one savepoint (claim, lock, supervise, ledger, reschedule — a constant number of queries);
    if that raises, one by one, each in its own savepoint, so only the culprit fails. One
    query when there is nothing to apply."""
    wanted = {(e.target, e.due_date) for p in plans for e in p.escalations}
    pending = list(
        Escalation.objects.filter(
            AnyOf(F("problem_id"), [p.problem.pk for p in plans]), state=EscalationState.PENDING
        ).order_by("pk")
    )
    # Withdrawn, closed, extended or answered since it was recorded: not escalated.
    stale = [e.pk for e in pending if (e.target, e.due_date) not in wanted]
    if stale:
        Escalation.objects.filter(pk__in=stale).update(state=EscalationState.CANCELLED)
    pending = [e for e in pending if (e.target, e.due_date) in wanted]
    if not pending:
        return 0, set()
    try:
        with transaction.atomic():
            return _escalate(pending), set()
    except Exception:
        logger.warning("bulk escalation of %s failed; one by one", len(pending), exc_info=True)
    done, failed = 0, set()
    for escalation in pending:
        try:
            with transaction.atomic():
                done += _escalate([escalation])
        except Exception as exc:
            _escalation_failed(escalation, exc, today)
            failed.add(escalation.problem_id)
    return done, failed


def _escalation_failed(escalation: Escalation, exc: Exception, today: dt.date) -> None:
    attempts = escalation.attempts + 1
    state = EscalationState.FAILED if attempts >= ESCALATION_ATTEMPTS else EscalationState.PENDING
    Escalation.objects.filter(pk=escalation.pk).update(
        state=state, attempts=attempts, last_error=f"{type(exc).__name__}: {exc}"[:2000]
    )
    if state == EscalationState.PENDING:  # due again, so the next scan retries it
        ProblemSchedule.objects.filter(problem_id=escalation.problem_id).update(
            next_reminder_on=today
        )
    scan_failed(escalation.problem_id, f"escalation: {type(exc).__name__}: {exc}")
    logger.exception("escalating problem %s failed", escalation.problem_id)


def _escalate(escalations: list[Escalation]) -> int:
    """The system's `listed` supervision for each escalation this scan claims (another scan
    may have claimed some first): one workflow call for all. Returns how many it applied."""
    claimed = _claim([e.pk for e in escalations])
    items = [
        (e.problem_id, _content(e.due_date))
        for e in escalations
        if e.pk in claimed  # in the order given (pk order)
    ]
    if items:
        supervise_listed_many(items=items)
    return len(items)


def _content(due_date: dt.date) -> str:
    return f"逾期超过规定天数（整改时限 {due_date:%Y-%m-%d}），系统自动挂牌督办。"


def _claim(ids: list[int]) -> set[int]:
    """Mark pending escalations done in one UPDATE … RETURNING; returns the ids this call
    changed. A concurrent scan waits on the rows, then finds them done and claims none."""
    table = connection.ops.quote_name(Escalation._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    done, pending = EscalationState.DONE.value, EscalationState.PENDING.value
    if connection.vendor == "postgresql":
        where, params = "id = ANY(%s)", [ids]
    else:
        where, params = f"id IN ({', '.join(['%s'] * len(ids))})", ids
    with connection.cursor() as cursor:
        # Quoted names and placeholders are formatted in (S608); values are parameters.
        cursor.execute(
            f"UPDATE {table} SET state = %s, done_at = %s, attempts = attempts + 1 "  # noqa: S608
            f"WHERE {where} AND state = %s RETURNING id",
            [done, now, *params, pending],
        )
        return {row[0] for row in cursor.fetchall()}


def reminders_scan(*, today: dt.date | None = None, chunk_size: int = CHUNK_SIZE) -> ScanResult:
    today = today or timezone.localdate()
    total = ScanResult()
    # The ids of every due problem in one query, then chunks in pk order. Without LIMIT the
    # planner reads the partial index schedule_next_reminder (only the due rows); a keyset loop
    # `pk > last ORDER BY pk LIMIT 500` let it walk the primary key and filter instead, ~50 000
    # rows per chunk at 1 000 000 problems and the whole table when nothing was due.
    due = sorted(
        ProblemSchedule.objects.filter(next_reminder_on__lte=today).values_list(
            "problem_id", flat=True
        )
    )
    for start in range(0, len(due), chunk_size):
        part = scan_chunk(due[start : start + chunk_size], today)
        total.problems += part.problems
        total.created += part.created
        total.escalated += part.escalated
        total.errors += part.errors
    return total
