"""When reminders fall due (SPEC §5): the ladder of one problem, as pure date arithmetic.

issues/ decides *when*; notifications/ decides *whom* and *how*, and sends. The workflow calls
`problem_reschedule` inside its transactions so the problem's `ProblemSchedule` — the indexed
date the reminder scan selects on — is always current. Dates are local calendar dates.
"""

import datetime as dt
from typing import NamedTuple

from django.utils import timezone

from issues.bounds import add_days
from issues.models import (
    ACTIVE_STATES,
    OVERDUE_STATES,
    MeasureStatus,
    Problem,
    ProblemSchedule,
    ReminderKind,
    RequestStatus,
)
from issues.selectors.ladder_rows import ladder_rows

Kind = ReminderKind  # the one enum of reminder kinds (issues/models/reminders.py)


# Who receives a reminder, resolved by notifications/ from memberships.
class Audience:
    LEAD_ADMINS = "lead_admins"  # unit_admins of the lead unit
    MEASURE_PEOPLE = "measure_people"  # owner and unit staff of the measure's unit
    LEAD_ADMINS_AND_HEAD = "lead_admins_and_head"
    ESCALATION = "escalation"  # office reviewers in scope and the responsible leader
    STEP_REVIEWERS = "step_reviewers"  # whoever may decide the pending step


class Due(NamedTuple):
    """One reminder a problem can produce. A named tuple, not a frozen dataclass: the scan
    builds ~70 000 a day (10 000 due problems), and a frozen dataclass's __init__ was a third
    of the ladder's time."""

    target: str  # "problem:1", "measure:2", "step:3", "supervision:4"
    kind: str
    level: int
    due_date: dt.date  # the deadline this reminder is about (part of its identity)
    fire_on: dt.date
    audience: str
    family: str  # within a family only the latest fired reminder is sent (catch-up)


# Overdue repeats kept before `until` when not compact: a deadline years past (or a stored
# date far outside the bounds) must not build thousands of rungs.
KEPT_OVERDUE_RUNGS = 100


def _deadline_ladder(target, due, batch, audience, *, overdue, escalate, until, compact=False):
    """The reminders of one deadline: before, on the day, overdue repeats, escalation.

    compact: of the overdue repeats fired by `until`, only the latest (all the scan needs:
    within a family only the latest is sent), computed without walking every repeat.
    Total for any stored rule and date: add_days clamps instead of overflowing (issue 11)."""
    items = [
        Due(target, Kind.DUE_SOON, days, due, add_days(due, -days), audience, target)
        for days in sorted(
            {d for d in batch.remind_days_before if isinstance(d, int) and d > 0}, reverse=True
        )
    ]
    items.append(Due(target, Kind.DUE_TODAY, 0, due, due, audience, target))
    if overdue:
        repeat = max(batch.overdue_repeat_days, 1)
        fire, level = add_days(due, 1), 1
        if fire <= until:
            # repeats before the latest fired one (compact), or all but the last hundred
            skipped = (until - fire).days // repeat - (0 if compact else KEPT_OVERDUE_RUNGS)
            if skipped > 0:
                fire, level = add_days(fire, skipped * repeat), level + skipped
        # Materialise repeats only up to `until`: the ladder is infinite while overdue.
        while fire <= until and fire < dt.date.max:
            items.append(
                Due(target, Kind.OVERDUE, level, due, fire, Audience.LEAD_ADMINS_AND_HEAD, target)
            )
            fire, level = add_days(fire, repeat), level + 1
        items.append(
            Due(target, Kind.OVERDUE, level, due, fire, Audience.LEAD_ADMINS_AND_HEAD, target)
        )
    if escalate:
        fire = add_days(due, batch.escalate_after_days)
        items.append(
            Due(target, Kind.ESCALATED, 0, due, fire, Audience.ESCALATION, f"{target}/escalation")
        )
    return items


def problem_ladder(problem: Problem, *, until: dt.date, compact: bool = False) -> list[Due]:
    """Every reminder this problem can produce up to `until` (and the next one after it).

    Needs problem.batch, problem.measures, pending requests with steps and open supervisions;
    the scan prefetches them, the workflow reads them fresh.
    """
    if problem.status not in ACTIVE_STATES:
        return []
    batch = problem.batch
    items: list[Due] = []
    if problem.status in OVERDUE_STATES and problem.due_date is not None:
        items += _deadline_ladder(
            f"problem:{problem.pk}",
            problem.due_date,
            batch,
            Audience.LEAD_ADMINS,
            overdue=True,
            escalate=True,
            until=until,
            compact=compact,
        )
    if problem.status in OVERDUE_STATES:
        for measure in problem.measures.all():
            if measure.status != MeasureStatus.DONE and measure.due_date is not None:
                items += _deadline_ladder(
                    f"measure:{measure.pk}",
                    measure.due_date,
                    batch,
                    Audience.MEASURE_PEOPLE,
                    overdue=False,
                    escalate=False,
                    until=until,
                    compact=compact,
                )
    for request in problem.requests.all():
        if request.status != RequestStatus.PENDING:
            continue
        steps = list(request.steps.all())
        current = next((s for s in steps if s.decision == ""), None)
        if current is None:
            continue
        decided = [s.decided_at for s in steps if s.decided_at is not None]
        since = (
            timezone.localdate(max(decided)) if decided else timezone.localdate(request.created_at)
        )
        fire = add_days(since, batch.review_pending_days)
        items.append(
            Due(
                f"step:{current.pk}",
                Kind.REVIEW_PENDING,
                0,
                since,
                fire,
                Audience.STEP_REVIEWERS,
                f"step:{current.pk}",
            )
        )
    for supervision in problem.supervisions.all():
        if supervision.reply_due_date is None or supervision.replied_at is not None:
            continue
        items += [
            item
            for item in _deadline_ladder(
                f"supervision:{supervision.pk}",
                supervision.reply_due_date,
                batch,
                Audience.LEAD_ADMINS_AND_HEAD,
                overdue=True,
                escalate=True,
                until=until,
                compact=compact,
            )
            if item.kind in (Kind.OVERDUE, Kind.ESCALATED)
        ]
    return items


def reminders_plan(problem: Problem, today: dt.date) -> tuple[list[Due], dt.date | None]:
    """`reminders_due` and `next_reminder_on` from one pass over the (compact) ladder."""
    latest: dict[str, Due] = {}
    upcoming = None
    for item in problem_ladder(problem, until=today, compact=True):
        if item.fire_on > today:
            if upcoming is None or item.fire_on < upcoming:
                upcoming = item.fire_on
            continue
        if item.kind in (Kind.DUE_SOON, Kind.DUE_TODAY) and item.due_date < today:
            continue  # the day has passed: "due soon" is no longer true
        held = latest.get(item.family)
        if held is None or item.fire_on > held.fire_on:
            latest[item.family] = item
    return list(latest.values()), upcoming


def reminders_due(problem: Problem, today: dt.date) -> list[Due]:
    """What should exist by `today`. A missed day is caught up, but within a family only the
    latest reminder is sent: "3 days left" is not sent once the day itself has come."""
    return reminders_plan(problem, today)[0]


def next_reminder_on(problem: Problem, today: dt.date) -> dt.date | None:
    """The earliest date after `today` on which this problem produces a reminder."""
    return reminders_plan(problem, today)[1]


def problem_reschedule(problem: Problem) -> None:
    """Recompute and store the next reminder date and open_measures_due (called inside the
    workflow's transaction and after every change to a problem's measures).

    Catch-up (SPEC §5): a rung that fell due — today or on any earlier day, say a legacy
    problem assigned 40 days after its deadline — stays due. Whenever the ladder has a rung due
    by today (the latest of each family, `reminders_due`), the problem is due today; issues/
    does not know what was sent, so notifications/ (on `schedule_changed`, in the same
    transaction) moves the date on when every such rung already has its reminder."""
    problems_reschedule([problem])


def problems_reschedule(problems: list[Problem]) -> None:
    """problem_reschedule for many problems at once: six reads and two writes in all. Each
    problem's `schedule` and the `ladder` row it was planned from (issues.selectors.
    ladder_rows) are left on it: notifications/ reads both on `schedule_changed`."""
    today = timezone.localdate()
    fresh = {row.pk: row for row in ladder_rows([p.pk for p in problems])}
    moved: list[ProblemSchedule] = []
    measures_changed: list[Problem] = []
    for problem in problems:
        row = problem.ladder = fresh[problem.pk]
        due, upcoming = reminders_plan(row, today)
        schedule = ProblemSchedule(problem=problem, next_reminder_on=today if due else upcoming)
        if schedule.next_reminder_on != row.next_reminder_on:
            moved.append(schedule)
        problem.schedule = schedule
        measures_due = open_measures_due(row.measures)
        if measures_due != problem.open_measures_due:
            problem.open_measures_due = measures_due
            measures_changed.append(problem)
    if moved:
        ProblemSchedule.objects.bulk_create(
            moved,
            update_conflicts=True,
            unique_fields=["problem"],
            update_fields=["next_reminder_on"],
        )
    if measures_changed:
        # Only the recomputed column: the rows are locked by the caller's transaction.
        Problem.objects.bulk_update(measures_changed, ["open_measures_due"])


def open_measures_due(measures) -> dt.date | None:
    """The earliest due date among unfinished measures (Problem.open_measures_due)."""
    dates = [m.due_date for m in measures if m.status != MeasureStatus.DONE and m.due_date]
    return min(dates, default=None)
