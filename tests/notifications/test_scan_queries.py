"""The scan is set-based (SPEC §5): its cost grows with the number of due reminders, not with
the number of problems. The number of queries reminders_scan makes is the same for 5 and for
50 due problems, and problems that are not due cost nothing at all.

Each measurement runs inside a savepoint that is rolled back, so the same rows can be scanned
again with more problems added. On failure the captured SQL is printed.
"""

import datetime as dt
import math

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from notifications.models import Reminder
from notifications.scan import reminders_scan
from notifications.scan_rows import INSERT_ROWS

DUE = dt.date(2026, 3, 10)
LATER = dt.date(2026, 6, 30)
# On DUE_SOON_DAY one reminder per problem (due_soon/3 → admin_a); on OVERDUE_DAY two
# (overdue/1 → admin_a and head_a). Neither is an escalation day.
DUE_SOON_DAY = DUE - dt.timedelta(days=3)
OVERDUE_DAY = DUE + dt.timedelta(days=1)
REMINDER_TABLE = Reminder._meta.db_table


def measured_scan(today):
    with transaction.atomic():
        with CaptureQueriesContext(connection) as ctx:
            result = reminders_scan(today=today)
        transaction.set_rollback(True)  # scan the same rows again next time
    return result, [q["sql"] for q in ctx.captured_queries]


def is_reminder_insert(sql):
    return sql.lstrip().upper().startswith("INSERT") and REMINDER_TABLE in sql


def show(label, queries):
    return f"--- {label}: {len(queries)} queries\n" + "\n".join(
        f"{n:3}. {sql[:300]}" for n, sql in enumerate(queries, 1)
    )


def insert_batches(rows):
    """How many INSERT statements the scan needs for `rows` reminders (one per INSERT_ROWS)."""
    return math.ceil(rows / INSERT_ROWS)


def add_problems(make_problem, n, due, state="assigned"):
    measures = [{"content": "措施", "due_date": LATER}]
    return [make_problem(state, due_date=due, measures=measures) for _ in range(n)]


@pytest.fixture
def many(cast, make_problem):
    return lambda n, due, state="assigned": add_problems(make_problem, n, due, state)


def test_the_scan_costs_the_same_for_5_and_50_due_problems(many):
    many(5, DUE)
    few = {day: measured_scan(day) for day in (DUE_SOON_DAY, OVERDUE_DAY)}

    # Problems that are not due: far-off due dates, drafts, closed ones.
    many(40, LATER)
    many(5, LATER, "in_progress")
    many(5, DUE, "draft")
    many(3, DUE, "closed")
    for day, (result, queries) in few.items():
        again, again_queries = measured_scan(day)
        assert again.problems == result.problems == 5
        assert len(again_queries) == len(queries), (
            f"non-due problems changed the scan on {day}\n"
            + show("5 due", queries)
            + "\n"
            + show("5 due + 53 not due", again_queries)
        )

    many(45, DUE)
    for day, per_problem in ((DUE_SOON_DAY, 1), (OVERDUE_DAY, 2)):
        result5, q5 = few[day]
        result50, q50 = measured_scan(day)
        assert (result5.problems, result50.problems) == (5, 50)
        assert (result5.created, result50.created) == (5 * per_problem, 50 * per_problem)
        failure = f"on {day}\n" + show("5 due", q5) + "\n" + show("50 due", q50)
        inserts5 = sum(map(is_reminder_insert, q5))
        inserts50 = sum(map(is_reminder_insert, q50))
        assert inserts5 == insert_batches(5 * per_problem) == 1, failure
        assert inserts50 == insert_batches(50 * per_problem), failure
        # Everything but the backend's INSERT batching is identical.
        assert len(q50) - inserts50 == len(q5) - inserts5, failure
        assert len(q50) == len(q5) <= 15, failure


def test_a_scan_with_nothing_due_is_one_query(many):
    many(30, DUE)  # their first reminder (due_soon/7) falls on 03-03
    many(10, LATER, "in_progress")
    many(5, DUE, "draft")
    result, queries = measured_scan(dt.date(2026, 3, 2))
    assert result.problems == 0
    assert len(queries) == 1, show("nothing due", queries)
    assert "next_reminder_on" in queries[0]


def test_chunks_cost_a_fixed_number_of_queries_each(many):
    many(12, DUE)
    one_chunk = len(measured_scan_chunked(OVERDUE_DAY, 500))
    three_chunks = len(measured_scan_chunked(OVERDUE_DAY, 5))
    # Three chunks (5 + 5 + 2) cost three times one chunk's work, plus nothing per problem.
    per_chunk = one_chunk - 1  # the final empty id query
    assert three_chunks == 3 * per_chunk + 1


def measured_scan_chunked(today, chunk_size):
    with transaction.atomic():
        with CaptureQueriesContext(connection) as ctx:
            result = reminders_scan(today=today, chunk_size=chunk_size)
        transaction.set_rollback(True)
    assert result.problems == 12
    return ctx.captured_queries


def test_the_scan_advances_the_narrow_schedule_table_not_the_problem_rows(many):
    """Moving 10 000 dates a day on issues_problem rewrote every index of that wide table; the
    dates live in issues_problemschedule, and a scan without escalations writes no problem."""
    many(5, DUE)
    result, queries = measured_scan(OVERDUE_DAY)
    problem_table = connection.ops.quote_name("issues_problem")
    schedule_table = connection.ops.quote_name("issues_problemschedule")

    assert (result.problems, result.escalated) == (5, 0)
    assert [sql for sql in queries if f"UPDATE {schedule_table}" in sql], show("scan", queries)
    assert not [sql for sql in queries if f"UPDATE {problem_table}" in sql], show("scan", queries)
