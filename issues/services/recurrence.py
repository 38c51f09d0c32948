"""重复发生问题: a problem registered while one like it, of the same lead unit, had been closed
within the past RECUR_MONTHS months. Marked once, at creation and import, and stored
(`is_recurring`, `recurs_problem`) so statistics count it with a plain filter.

The candidates are few (one unit's problems closed in two years), so they are ranked in Python
with the bigram measure of issues.selectors.similar: the same answer on SQLite and PostgreSQL,
and one query for a whole import.
"""

import datetime as dt

from django.utils import timezone

from issues.models import Problem, Status
from issues.selectors.similar import text_similarity

RECUR_MONTHS = 24
# Stricter than "similar": the same problem again, not merely the same subject.
RECUR_THRESHOLD = 0.5


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = moment.day
    while True:  # 29 February and the 31st fall back to the month's last day
        try:
            return moment.replace(year=year, month=month + 1, day=day)
        except ValueError:
            day -= 1


def recurrences(items: list[tuple[int, str, str]], now: dt.datetime | None = None) -> list:
    """For each (lead_unit_id, title, description): the id of the closed problem it repeats,
    or None. One query whatever the number of items."""
    now = now or timezone.now()
    unit_ids = {unit_id for unit_id, _, _ in items}
    if not unit_ids:
        return []
    closed = Problem.objects.filter(
        lead_unit_id__in=unit_ids,
        status=Status.CLOSED,
        closed_at__gte=months_before(now, RECUR_MONTHS),
    ).values_list("pk", "lead_unit_id", "title", "description", "closed_at")
    by_unit: dict[int, list] = {}
    for row in closed:
        by_unit.setdefault(row[1], []).append(row)
    found = []
    for unit_id, title, description in items:
        best, best_key = None, None
        for pk, _, other_title, other_description, closed_at in by_unit.get(unit_id, ()):
            score = text_similarity(title, description, other_title, other_description)
            if score >= RECUR_THRESHOLD and (best_key is None or (score, closed_at) > best_key):
                best, best_key = pk, (score, closed_at)
        found.append(best)
    return found


def mark_recurrence(problem: Problem) -> None:
    """Set `is_recurring`/`recurs_problem` on an unsaved problem (the caller saves it)."""
    (previous,) = recurrences([(problem.lead_unit_id, problem.title, problem.description)])
    problem.recurs_problem_id = previous
    problem.is_recurring = previous is not None
