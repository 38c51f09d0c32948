"""issues.lookups.CompiledByIds: a values query over ids compiled once per key (PostgreSQL)
and run with each new list — the problem list's rows (issues/api/problem_rows.py)."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from issues.lookups import AnyOf, CompiledByIds, rows_together
from issues.models import Batch, Measure, Problem
from tests.conftest import SHANGHAI, TODAY

pytestmark = pytest.mark.django_db


def test_it_gives_what_the_queryset_gives_for_each_new_list_of_ids(cast, make_problem):
    made = [make_problem("in_progress", title=f"问题{n}") for n in range(4)]
    titles = CompiledByIds(
        lambda ids, prefix: (
            Problem.objects.filter(AnyOf(F("pk"), ids), title__startswith=prefix)
            .order_by("pk")
            .values_list("pk", "title", "due_date", "created_at")
        )
    )
    for ids in ([made[0].pk], [made[1].pk, made[3].pk], [p.pk for p in made], [-1]):
        expected = list(
            Problem.objects.filter(pk__in=ids, title__startswith="问题")
            .order_by("pk")
            .values_list("pk", "title", "due_date", "created_at")
        )
        with CaptureQueriesContext(connection) as ctx:
            assert titles.rows(ids, "问题") == expected
        assert len(ctx.captured_queries) == 1
    assert titles.rows([p.pk for p in made], "无此前缀") == []
    if connection.vendor == "postgresql":  # compiled once per key, the ids one parameter
        assert set(titles.compiled) == {("问题",), ("无此前缀",)}
        assert "= ANY(" in ctx.captured_queries[0]["sql"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="compiled on PostgreSQL only")
def test_it_refuses_a_query_that_does_not_filter_by_the_ids_it_is_given(cast):
    unfiltered = CompiledByIds(lambda ids: Measure.objects.values_list("pk"))
    with pytest.raises(ValueError, match="AnyOf"):
        unfiltered.rows([1])


def test_the_light_follows_a_changed_threshold_and_a_new_day_at_once(
    cast, make_problem, api, _today
):
    """The list's row statement is compiled per day and per batch thresholds: a changed
    yellow_days, or the next day, shows on the very next request."""
    make_problem("in_progress", due_date=TODAY + dt.timedelta(days=10))

    def light():
        (row,) = api(cast.oa).get("/api/v1/problems/").json()["results"]
        return row["light"]

    assert light() == "green"
    Batch.objects.filter(pk=cast.batch.pk).update(yellow_days=15)
    assert light() == "yellow"
    Batch.objects.filter(pk=cast.batch.pk).update(yellow_days=3)
    assert light() == "green"
    _today.move_to(dt.datetime(2026, 3, 13, 10, 0, tzinfo=SHANGHAI))  # the day after it
    assert light() == "red"


def _statements():
    titles = CompiledByIds(
        lambda ids, prefix: (
            Problem.objects.filter(AnyOf(F("pk"), ids), title__startswith=prefix)
            .order_by("pk")
            .values_list("pk", "title", "created_at")
        )
    )
    measures = CompiledByIds(
        lambda ids: (
            Measure.objects.filter(AnyOf(F("problem_id"), ids))
            .order_by("problem_id", "seq")
            .values_list("problem_id", "seq", "due_date")
        )
    )
    return titles, measures


def test_several_statements_over_the_same_ids_in_one_round_trip(cast, make_problem):
    """rows_together: what each statement gives alone, in the order asked; on PostgreSQL one
    query sent for all of them (an empty result in the middle included)."""
    made = [make_problem("in_progress", title=f"问题{n}") for n in range(3)]
    ids = [p.pk for p in made]
    titles, measures = _statements()
    alone = [titles.rows(ids, "问题"), titles.rows(ids, "无此前缀"), measures.rows(ids)]
    assert alone[0] and not alone[1] and alone[2]  # rows, none, rows
    with CaptureQueriesContext(connection) as ctx:
        together = rows_together(ids, (titles, ("问题",)), (titles, ("无此前缀",)), (measures, ()))
    assert together == alone
    if connection.vendor == "postgresql":
        (query,) = ctx.captured_queries
        assert query["sql"].count("SELECT") == 3
    else:
        assert len(ctx.captured_queries) == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's cursors")
def test_a_server_side_binding_cursor_gets_the_statements_one_at_a_time(
    cast, make_problem, monkeypatch
):
    """Server-side binding (the backend's `server_side_binding` option) refuses several
    commands in one statement: rows_together then sends them one by one, with the same rows."""
    from django.db.backends.postgresql.base import ServerBindingCursor

    made = [make_problem("in_progress", title=f"问题{n}") for n in range(2)]
    ids = [p.pk for p in made]
    titles, measures = _statements()
    expected = rows_together(ids, (titles, ("问题",)), (measures, ()))
    connection.ensure_connection()
    monkeypatch.setattr(connection.connection, "cursor_factory", ServerBindingCursor)
    with CaptureQueriesContext(connection) as ctx:
        assert rows_together(ids, (titles, ("问题",)), (measures, ())) == expected
    assert len(ctx.captured_queries) == 2
