"""`q` on PostgreSQL: the trigram GIN indexes of migration 0012 match the very SQL the list's
filter generates (UPPER(col) LIKE UPPER('%…%')), so a 3+ character search can use them."""

import pytest
from django.db import connection

from issues.api.filters import ProblemFilter
from issues.models import Problem


@pytest.mark.postgres
@pytest.mark.django_db
def test_it_can_answer_q_from_the_trigram_indexes():
    qs = (
        ProblemFilter({"q": "食堂食品安全"}, queryset=Problem.objects.all())
        .qs.only("pk")
        .order_by()
    )
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # an empty table: make it choose
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    for index in ("problem_code_trgm", "problem_title_trgm", "problem_description_trgm"):
        assert index in plan, plan
