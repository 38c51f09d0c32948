"""The next reminder date of a generated problem, in closed form.

Same rules as issues.services.schedule.problem_ladder
(tests/devdata/test_generate_data.py checks the two agree), without building every rung: a problem a year overdue has ~120 materialised
overdue repeats there, and the generator computes this for up to a million problems.
Only what generated data contains is covered: the problem's own deadline, its measures'
deadlines and one pending review step (no open supervisions with reply dates).
"""

import datetime as dt

from issues.models import ACTIVE_STATES, OVERDUE_STATES, MeasureStatus


def deadline_next(
    due: dt.date, today: dt.date, batch, *, overdue: bool, escalate: bool
) -> dt.date | None:
    """The earliest rung on or after `today` of one deadline's ladder (_deadline_ladder)."""
    best = None
    for days in batch.remind_days_before:
        if days > 0:
            fire = due - dt.timedelta(days)
            if fire >= today and (best is None or fire < best):
                best = fire
    if due >= today and (best is None or due < best):
        best = due
    if overdue:
        repeat = max(batch.overdue_repeat_days, 1)
        first = due + dt.timedelta(1)
        if first >= today:
            fire = first
        else:
            behind = (today - first).days
            fire = first + dt.timedelta(-(-behind // repeat) * repeat)
        if best is None or fire < best:
            best = fire
    if escalate:
        fire = due + dt.timedelta(batch.escalate_after_days)
        if fire >= today and (best is None or fire < best):
            best = fire
    return best


def problem_next(
    *,
    status: str,
    due_date: dt.date | None,
    measures: list[tuple[str, dt.date | None]],
    review_since: dt.date | None,
    batch,
    today: dt.date,
) -> dt.date | None:
    """min(fire_on >= today) over the ladder, as issues.services.schedule.problem_reschedule.

    measures: (status, due_date) pairs; review_since: the local date the current step of a
    pending request started waiting (None: no pending request).
    """
    if status not in ACTIVE_STATES:
        return None
    dates = []
    if status in OVERDUE_STATES:
        if due_date is not None:
            dates.append(deadline_next(due_date, today, batch, overdue=True, escalate=True))
        for measure_status, measure_due in measures:
            if measure_status != MeasureStatus.DONE and measure_due is not None:
                dates.append(
                    deadline_next(measure_due, today, batch, overdue=False, escalate=False)
                )
    if review_since is not None:
        fire = review_since + dt.timedelta(batch.review_pending_days)
        if fire >= today:
            dates.append(fire)
    return min((d for d in dates if d is not None), default=None)
