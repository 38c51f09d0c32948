"""A problem as the reminder ladder reads it (issues/services/schedule.py), from plain rows.

`ladder_rows(ids)` returns light objects with just what `problem_ladder` and the scan's
Directory read — status, due date, next reminder date, batch rules, lead unit, measures,
pending requests with their steps, open supervisions — in six queries whatever the number of
problems. Building model instances with prefetches for the same cost ~2.5x the Python time
(the reminder scan at 10 000 due problems, its 500 escalations' reschedule; bench/README.md).
"""

import datetime as dt
from types import SimpleNamespace
from typing import NamedTuple

from django.db.models import F, OuterRef, Subquery

from issues.lookups import AnyOf
from issues.models import (
    Batch,
    Measure,
    Problem,
    ProblemSchedule,
    RequestStatus,
    ReviewRequest,
    ReviewStep,
    SupervisionAction,
)


class _Rows(list):
    """A list that answers .all(), as a related manager does."""

    def all(self):
        return self


def _row(**fields):
    return SimpleNamespace(**fields)


class _Measure(NamedTuple):
    pk: int
    problem_id: int
    status: str
    due_date: dt.date | None
    unit_id: int
    owner_id: int | None


class _Step(NamedTuple):
    pk: int
    request_id: int
    step_kind: str
    decision: str
    decided_at: dt.datetime | None
    reviewer_id: int | None


class _Supervision(NamedTuple):
    pk: int
    problem_id: int
    reply_due_date: dt.date | None
    replied_at: dt.datetime | None


_NEXT_ON = ProblemSchedule.objects.filter(problem_id=OuterRef("pk")).values("next_reminder_on")


def ladder_rows(ids) -> list:
    """The problems with batch, lead unit, measures, pending requests with their steps
    and open supervisions: six queries. Rows that are only read are named tuples (built
    straight from the database's tuples, ~3x faster than a namespace from a dict)."""
    problems = {}
    batch_ids = set()
    for pk, status, due_date, next_on, batch_id, unit_id, unit_path, leader_id in (
        Problem.objects.filter(AnyOf(F("pk"), ids))
        # A subquery, not the schedule's LEFT JOIN: PostgreSQL hashed the whole schedule
        # table for that join (a sequential scan of every problem's schedule per chunk).
        .annotate(next_on=Subquery(_NEXT_ON))
        .order_by("pk")
        .values_list(
            "pk",
            "status",
            "due_date",
            "next_on",
            "batch_id",
            "lead_unit_id",
            "lead_unit__path",
            "responsible_leader_id",
        )
    ):
        problems[pk] = _row(
            pk=pk,
            status=status,
            due_date=due_date,
            next_reminder_on=next_on,
            batch_id=batch_id,
            lead_unit_id=unit_id,
            lead_unit=_row(pk=unit_id, path=unit_path),
            responsible_leader_id=leader_id,
            measures=_Rows(),
            requests=_Rows(),
            supervisions=_Rows(),
        )
        batch_ids.add(batch_id)
    batches = {
        b["pk"]: _row(**b)
        for b in Batch.objects.filter(pk__in=batch_ids).values(
            "pk",
            "remind_days_before",
            "overdue_repeat_days",
            "escalate_after_days",
            "review_pending_days",
        )
    }
    for problem in problems.values():
        problem.batch = batches[problem.batch_id]
    for m in Measure.objects.filter(AnyOf(F("problem_id"), list(problems))).values_list(
        *_Measure._fields
    ):
        problems[m[1]].measures.append(_Measure._make(m))
    requests = {}
    for r in ReviewRequest.objects.filter(
        AnyOf(F("problem_id"), list(problems)), status=RequestStatus.PENDING
    ).values("pk", "problem_id", "status", "created_at", "applicant_id"):
        requests[r["pk"]] = request = _row(**r, steps=_Rows())
        problems[r["problem_id"]].requests.append(request)
    for s in (
        ReviewStep.objects.filter(AnyOf(F("request_id"), list(requests)))
        .order_by("request_id", "position")
        .values_list(*_Step._fields)
    ):
        requests[s[1]].steps.append(_Step._make(s))
    for s in SupervisionAction.objects.filter(
        AnyOf(F("problem_id"), list(problems)), replied_at=None
    ).values_list(*_Supervision._fields):
        problems[s[1]].supervisions.append(_Supervision._make(s))
    return list(problems.values())
