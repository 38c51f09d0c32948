"""The scan's reads and writes for a whole chunk, as plain rows (no model instances: at 10 000
due problems building and saving Django objects cost more than the database did).

The chunk's problems are read by issues.selectors.ladder_rows (six queries, whatever its size);
`insert_reminders(rows)` writes every reminder of a chunk with one INSERT … ON CONFLICT DO
NOTHING RETURNING (PostgreSQL, SQLite ≥ 3.35), and counts the new ones from what it returns.
"""

import datetime as dt

from django.db import connection
from django.utils import timezone

from issues.lookups import pg_array
from issues.models import (
    ProblemSchedule,
)

from .models import Reminder, ReminderState

INSERT_ROWS = 2000  # rows per INSERT: 2 000 × 8 parameters stays under SQLite's 32 766


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
            # The ids again, as a condition on the table: joined to the list alone, PostgreSQL
            # hashed the whole schedule table (a sequential scan, 40 ms per chunk of 1 000 at
            # 100 000 problems); so it probes the primary key for just these rows (12 ms).
            cursor.execute(
                update.format(source=source) + f" AND {table}.problem_id = ANY(%s::bigint[])",
                [*columns, columns[0]],
            )
            return
        adapt = connection.ops.adapt_datefield_value
        values = ", ".join(["(%s, %s, %s)"] * len(rows))
        params = [p for pk, old, new in rows for p in (pk, adapt(old), adapt(new))]
        cursor.execute(
            f"WITH v(id, old, new) AS (VALUES {values}) " + update.format(source="v"), params
        )
