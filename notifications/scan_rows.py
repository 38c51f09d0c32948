"""The scan's reads and writes for a whole chunk, as plain rows (no model instances: at 10 000
due problems building and saving Django objects cost more than the database did).

`chunk_problems(ids)` returns light objects with just what the ladder
(issues/services/schedule.py) and the Directory read, in 5 queries whatever the chunk's size;
`insert_reminders(rows)` writes every reminder of a chunk with one INSERT … ON CONFLICT DO
NOTHING RETURNING (PostgreSQL, SQLite ≥ 3.35), and counts the new ones from what it returns.
"""

import datetime as dt
from types import SimpleNamespace

from django.db import connection
from django.db.models import F
from django.utils import timezone

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

from .models import Reminder, ReminderState

INSERT_ROWS = 2000  # rows per INSERT: 2 000 × 8 parameters stays under SQLite's 32 766


class _Rows(list):
    """A list that answers .all(), as a related manager does."""

    def all(self):
        return self


def _row(**fields):
    return SimpleNamespace(**fields)


def chunk_problems(ids) -> list:
    """The chunk's problems with batch, lead unit, measures, pending requests with their steps
    and open supervisions: 5 queries."""
    problems = {}
    batch_ids = set()
    for row in (
        Problem.objects.filter(AnyOf(F("pk"), ids))
        .order_by("pk")
        .values(
            "pk",
            "status",
            "due_date",
            "schedule__next_reminder_on",
            "batch_id",
            "lead_unit_id",
            "lead_unit__path",
            "responsible_leader_id",
        )
    ):
        problems[row["pk"]] = _row(
            pk=row["pk"],
            status=row["status"],
            due_date=row["due_date"],
            next_reminder_on=row["schedule__next_reminder_on"],
            batch_id=row["batch_id"],
            lead_unit_id=row["lead_unit_id"],
            lead_unit=_row(pk=row["lead_unit_id"], path=row["lead_unit__path"]),
            responsible_leader_id=row["responsible_leader_id"],
            measures=_Rows(),
            requests=_Rows(),
            supervisions=_Rows(),
        )
        batch_ids.add(row["batch_id"])
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
    for m in Measure.objects.filter(AnyOf(F("problem_id"), problems)).values(
        "pk", "problem_id", "status", "due_date", "unit_id", "owner_id"
    ):
        problems[m["problem_id"]].measures.append(_row(**m))
    requests = {}
    for r in ReviewRequest.objects.filter(
        AnyOf(F("problem_id"), problems), status=RequestStatus.PENDING
    ).values("pk", "problem_id", "status", "created_at", "applicant_id"):
        requests[r["pk"]] = request = _row(**r, steps=_Rows())
        problems[r["problem_id"]].requests.append(request)
    for s in (
        ReviewStep.objects.filter(AnyOf(F("request_id"), requests))
        .order_by("request_id", "position")
        .values("pk", "request_id", "step_kind", "decision", "decided_at", "reviewer_id")
    ):
        requests[s["request_id"]].steps.append(_row(**s))
    for s in SupervisionAction.objects.filter(
        AnyOf(F("problem_id"), problems), replied_at=None
    ).values("pk", "problem_id", "reply_due_date", "replied_at"):
        problems[s["problem_id"]].supervisions.append(_row(**s))
    return list(problems.values())


def insert_reminders(rows: list[tuple]) -> int:
    """rows: (problem_id, target, kind, level, due_date, recipient_id). Inserts the ones not
    there yet (the unique key decides, so concurrent scans insert each once); returns how
    many were new. On PostgreSQL the rows travel as six arrays (unnest): a statement of a few
    parameters, not one of 16 000 for the driver to parse."""
    if not rows:
        return 0
    table = connection.ops.quote_name(Reminder._meta.db_table)
    columns = (
        "problem_id, target, kind, level, due_date, recipient_id, state, created_at, attempts, "
        "last_error"
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    pending = ReminderState.PENDING.value
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            problem, target, kind, level, due, recipient = zip(*rows, strict=True)
            # Quoted names are formatted in (S608); every value is a query parameter.
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT p, t, k, l, d, r, %s, %s, 0, '' "  # noqa: S608
                "FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::int[], %s::date[], "
                "%s::int[]) AS v(p, t, k, l, d, r) ON CONFLICT DO NOTHING RETURNING id",
                [pending, now, *map(pg_array, (problem, target, kind, level, due, recipient))],
            )
            return len(cursor.fetchall())
        adapt = connection.ops.adapt_datefield_value
        created = 0
        for start in range(0, len(rows), INSERT_ROWS):
            part = rows[start : start + INSERT_ROWS]
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, 0, '')"] * len(part))
            params = [
                p
                for problem_id, target, kind, level, due_date, recipient_id in part
                for p in (
                    problem_id,
                    target,
                    str(kind),
                    level,
                    adapt(due_date),
                    recipient_id,
                    pending,
                    now,
                )
            ]
            # Quoted names and placeholders are formatted in (S608); values are parameters.
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values} "  # noqa: S608
                "ON CONFLICT DO NOTHING RETURNING id",
                params,
            )
            created += len(cursor.fetchall())
    return created


def advance_dates(rows: list[tuple[int, dt.date, dt.date | None]]) -> None:
    """Move the schedules' next_reminder_on forward for every row (problem id, old date, new
    date) in one UPDATE, by compare-and-set: a row that a workflow action rescheduled meanwhile
    no longer matches its old value and is left alone. `UPDATE … FROM` the list: arrays on
    PostgreSQL, VALUES on SQLite."""
    if not rows:
        return
    table = connection.ops.quote_name(ProblemSchedule._meta.db_table)
    # Only the quoted table name is formatted in; every value is a query parameter.
    update = (
        f"UPDATE {table} SET next_reminder_on = v.new FROM {{source}} "  # noqa: S608
        f"WHERE {table}.problem_id = v.id AND {table}.next_reminder_on = v.old"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            columns = [pg_array(column) for column in zip(*rows, strict=True)]
            source = "unnest(%s::bigint[], %s::date[], %s::date[]) AS v(id, old, new)"
            cursor.execute(update.format(source=source), columns)
            return
        adapt = connection.ops.adapt_datefield_value
        values = ", ".join(["(%s, %s, %s)"] * len(rows))
        params = [p for pk, old, new in rows for p in (pk, adapt(old), adapt(new))]
        cursor.execute(
            f"WITH v(id, old, new) AS (VALUES {values}) " + update.format(source="v"), params
        )


def pg_array(values) -> str:
    """A PostgreSQL array literal ('{1,"a",2026-12-02,NULL}') to pass as one text parameter
    and cast (`%s::date[]`). psycopg adapts a Python list element by element in Python: for
    the scan's arrays of 20 000 values that was 4× slower than joining this string."""
    return "{" + ",".join(_element(v) for v in values) + "}"


def _element(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'
