"""issues_problemreach (issues.models.ProblemReach) for writers that bypass its triggers.

The triggers of issues 0021 keep the table for every ordinary write. A bulk loader that runs
with `session_replication_role = replica` (the data generator, to skip millions of deferred
foreign-key checks) skips them too, and calls `problem_reach_fill` for what it wrote.
"""

from django.db import connection

from issues.models import Measure, Problem, ProblemReach


def problem_reach_fill(first_problem_id: int) -> None:
    """Add the rows of every problem with id >= `first_problem_id` from its three sources
    (lead unit, cooperating units, measures' units) in one statement; rows already there stay.
    PostgreSQL only (elsewhere nothing reads the table)."""
    if connection.vendor != "postgresql":
        return
    reach, problems = ProblemReach._meta.db_table, Problem._meta.db_table
    cooperating = Problem.cooperating_units.through._meta.db_table
    measures = Measure._meta.db_table
    with connection.cursor() as cursor:
        # Table names only are formatted in; the id is a parameter.
        cursor.execute(
            f"INSERT INTO {reach} (problem_id, unit_id, created_at) "  # noqa: S608
            f"SELECT id, lead_unit_id, created_at FROM {problems} WHERE id >= %s "
            f"UNION SELECT c.problem_id, c.unit_id, p.created_at FROM {cooperating} c "
            f"JOIN {problems} p ON p.id = c.problem_id WHERE c.problem_id >= %s "
            f"UNION SELECT m.problem_id, m.unit_id, p.created_at FROM {measures} m "
            f"JOIN {problems} p ON p.id = m.problem_id WHERE m.problem_id >= %s "
            "ON CONFLICT DO NOTHING",
            [first_problem_id] * 3,
        )
