"""`q` on PostgreSQL: the trigram GIN indexes of migration 0012 match the very SQL the list's
filter generates (UPPER(col) LIKE UPPER('%…%')), so a 3+ character search can use them; a
two-character search of every problem reads the pairs index of 0022, planned serially (0023),
restated as strpos only where the query returns rows."""

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext

from issues.api.filters import ProblemFilter
from issues.models import Problem
from issues.selectors.problem_filter import text_q


def _plan(qs, *, a_worker_if_it_can=False) -> str:
    """The plan of `qs`, sequential scans off (the tables are nearly empty: make it choose).
    `a_worker_if_it_can`: a worker under every query PostgreSQL may run in one (PostgreSQL 15:
    force_parallel_mode; renamed debug_parallel_query in 16)."""
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        if a_worker_if_it_can:
            name = (
                "debug_parallel_query" if connection.pg_version >= 160000 else "force_parallel_mode"
            )
            cursor.execute(f"SET LOCAL {name} = on")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres
@pytest.mark.django_db
def test_it_can_answer_q_from_the_trigram_indexes():
    qs = (
        ProblemFilter({"q": "食堂食品安全"}, queryset=Problem.objects.all())
        .qs.only("pk")
        .order_by()
    )
    plan = _plan(qs)

    for index in ("problem_code_trgm", "problem_title_trgm", "problem_description_trgm"):
        assert index in plan, plan


@pytest.mark.postgres
@pytest.mark.django_db
def test_text_pairs_are_the_overlapping_pairs_of_the_text():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT text_pairs('台账记录'), text_pairs('台'), text_pairs(''), text_pairs('a台b')"
        )
        assert cursor.fetchone() == (["台账", "账记", "记录"], [], [], ["a台", "台b"])


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_two_character_search_of_every_problem_uses_the_pairs_index(cast, api):
    """The office that sees every problem: 台账 is looked up in problem_text_pairs (migration
    0022), not read from every row. A unit's search stays the LIKE over its own problems."""
    with CaptureQueriesContext(connection) as office:
        assert api(cast.oa).get("/api/v1/problems/?q=台账").status_code == 200
    with CaptureQueriesContext(connection) as unit:
        assert api(cast.admin_a).get("/api/v1/problems/?q=台账").status_code == 200
    assert any("text_pairs" in q["sql"] for q in office.captured_queries)
    assert not any("text_pairs" in q["sql"] for q in unit.captured_queries)

    plan = _plan(Problem.objects.filter(text_q("台账", every_problem=True)).only("pk").order_by())
    assert "problem_text_pairs" in plan, plan


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_search_through_the_pairs_plans_without_workers():
    """text_pairs is PARALLEL RESTRICTED (migration 0023): a parallel count of a common word's
    matches cost twice the serial one at 1 000 000. The LIKE search shows the forcing works."""
    pairs = Problem.objects.filter(text_q("台账", every_problem=True)).only("pk").order_by()
    like = Problem.objects.filter(text_q("台账")).only("pk").order_by()

    assert "Gather" in _plan(like, a_worker_if_it_can=True)
    plan = _plan(pairs, a_worker_if_it_can=True)
    assert "text_pairs" in plan, plan  # by the index or row by row: either way, no worker
    assert "Gather" not in plan, plan


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_pairs_search_restates_the_pairs_as_strpos_only_where_it_returns_rows(
    cast, api, make_problem
):
    """strpos is for the planner of a query that returns rows (ForRows): the page's ids and an
    export's cursor may walk the newest problems on it; the count and the summary's totals read
    the pairs alone, each row once."""
    make_problem("in_progress", title="台账缺失")
    make_problem("assigned", description="没有建立台账")
    with CaptureQueriesContext(connection) as office:
        response = api(cast.oa).get("/api/v1/problems/?q=台账")
    assert response.status_code == 200
    assert response.json()["count"] == len(response.json()["results"]) >= 2
    searches = [q["sql"] for q in office.captured_queries if "text_pairs" in q["sql"]]
    page = [sql for sql in searches if "LIMIT" in sql]
    count = [sql for sql in searches if "COUNT(" in sql]
    assert len(page) == len(count) == 1, searches
    assert "STRPOS" in page[0]
    assert "STRPOS" not in count[0]

    found = Problem.objects.filter(text_q("台账", every_problem=True)).order_by("-created_at")
    with CaptureQueriesContext(connection) as other:
        totals = found.aggregate(n=Count("pk"), closed=Count("pk", filter=Q(status="closed")))
        by_status = dict(found.order_by().values_list("status").annotate(n=Count("pk")))
        exported = list(found.values_list("pk", flat=True).iterator(chunk_size=100))
    total_sql, grouped_sql, *cursor_sql = [q["sql"] for q in other.captured_queries]
    assert totals == {"n": 2, "closed": 0}
    assert by_status == {"in_progress": 1, "assigned": 1}
    assert len(exported) == 2
    assert "STRPOS" not in total_sql
    assert "STRPOS" in grouped_sql  # rows, one per status
    assert any("CURSOR" in sql and "STRPOS" in sql for sql in cursor_sql), cursor_sql
