"""A list's counts beside its page (issues.selectors.beside): on a second PostgreSQL connection,
started before the page's reads and awaited after them; on the request's own connection inside
a transaction, on SQLite, when switched off, or when every counter is busy."""

import contextlib
import threading
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from issues.models import Problem
from issues.pagination import IdsFirstPaginator
from issues.selectors.beside import beside

LOCK = 731_006  # an advisory lock key no other code takes


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def waiting_on_lock() -> int:
    """How many other backends wait for LOCK now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s "
            "AND NOT granted",
            [LOCK],
        )
        return cursor.fetchone()[0]


@contextlib.contextmanager
def holding_lock():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK])


def blocked_until_released() -> str:
    """Waits for LOCK (held by the test), then gives it back."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s), pg_advisory_unlock(%s)", [LOCK, LOCK])
    return "counted"


def eventually(condition, seconds=10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


@pytest.mark.django_db
def test_inside_a_transaction_the_request_counts_for_itself():
    """A test's transaction (or any atomic block): a second connection would not see its rows."""

    def compute():
        return 1

    assert beside("default", compute) is compute


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_runs_on_another_connection_started_at_once():
    with holding_lock():
        wait = beside("default", blocked_until_released)
        # Under way before anyone waits for it: its backend is queued behind the test's lock.
        assert eventually(lambda: waiting_on_lock() == 1)
        assert backend_pid() > 0  # the request's own connection is free meanwhile
    assert wait() == "counted"
    assert beside("default", backend_pid)() != backend_pid()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_when_every_counter_is_busy_or_none_is_allowed_the_request_counts(settings):
    settings.LIST_COUNT_CONNECTIONS = 1
    with holding_lock():
        busy = beside("default", blocked_until_released)
        assert beside("default", backend_pid) is backend_pid
    assert busy() == "counted"
    assert beside("default", backend_pid)() != backend_pid()  # free again
    settings.LIST_COUNT_CONNECTIONS = 0
    assert beside("default", backend_pid) is backend_pid


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_counter_whose_connection_the_server_closed_connects_again(settings):
    settings.LIST_COUNT_CONNECTIONS = 1
    first = beside("default", backend_pid)()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [first])

    def gone():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [first])
            return cursor.fetchone()[0] == 0

    assert eventually(gone)
    second = beside("default", backend_pid)()  # the same counter thread, a new backend
    assert second not in (first, backend_pid())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_error_reaches_the_waiting_request_and_the_counter_goes_on(settings):
    settings.LIST_COUNT_CONNECTIONS = 1

    def fails():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")

    wait = beside("default", fails)
    with pytest.raises(Exception, match="division by zero"):
        wait()
    assert beside("default", backend_pid)() != backend_pid()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_counters_serve_requests_at_once(settings):
    """Two requests' counts in flight together, each on a counter of its own."""
    settings.LIST_COUNT_CONNECTIONS = 2
    waits = []
    with holding_lock():
        threads = [
            threading.Thread(target=lambda: waits.append(beside("default", blocked_until_released)))
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert all(wait is not blocked_until_released for wait in waits)
        assert eventually(lambda: waiting_on_lock() == 2)
    results = [wait() for wait in waits]
    assert results == ["counted", "counted"]


@pytest.mark.django_db
def test_the_paginator_reads_the_page_before_it_waits_for_the_count(cast, make_problem):
    for _ in range(3):
        make_problem()
    problems = Problem.objects.order_by("-pk")
    with CaptureQueriesContext(connection) as queries:
        seen_when_counted = []

        def count():
            seen_when_counted.append(len(queries.captured_queries))
            return 3

        paginator = IdsFirstPaginator(
            problems, 2, rows_for_ids=lambda ids: Problem.objects.filter(pk__in=ids), count=count
        )
        page = paginator.page(1)
    # The ids, then the rows, were read before the count was asked for.
    assert seen_when_counted == [2]
    assert [p.pk for p in page.object_list] == list(problems.values_list("pk", flat=True)[:2])
    assert paginator.count == 3 and page.has_next()


@pytest.mark.django_db
def test_a_page_past_the_end_still_fails_and_get_page_still_forgives(cast, make_problem):
    from django.core.paginator import EmptyPage

    for _ in range(3):
        make_problem()
    problems = Problem.objects.order_by("-pk")

    def paginator():
        return IdsFirstPaginator(
            problems,
            2,
            rows_for_ids=lambda ids: Problem.objects.filter(pk__in=ids),
            count=problems.count,
        )

    with pytest.raises(EmptyPage):
        paginator().page(3)
    last = list(problems.values_list("pk", flat=True))[2:]
    assert [p.pk for p in paginator().get_page(9).object_list] == last
    assert paginator().get_page("x").number == 1
    assert [p.pk for p in paginator().get_page(2).object_list] == last


def _three_canteen_problems(make_problem):
    for number in range(3):
        make_problem("in_progress", title=f"食堂问题{number}")
    make_problem(title="别的问题")


def _list_counts_in(queries) -> list[str]:
    """The list's count and its summary's buckets among the queries (not, say, the count of
    regulations the summary reads by itself)."""
    marks = ('AS "__count" FROM "issues_problem"', 'AS "completed"')
    return [q["sql"] for q in queries.captured_queries if any(m in q["sql"] for m in marks)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_office_api_list_counts_beside_its_page(cast, make_problem, api):
    _three_canteen_problems(make_problem)
    with CaptureQueriesContext(connection) as queries:
        response = api(cast.oa).get("/api/v1/problems/", {"q": "食堂", "page_size": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3 and len(body["results"]) == 2
    assert _list_counts_in(queries) == []  # counted on a counter's connection
    past_the_end = api(cast.oa).get("/api/v1/problems/", {"q": "食堂", "page_size": 2, "page": 3})
    assert past_the_end.status_code == 404


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_office_problem_page_counts_beside_its_page(cast, make_problem, client):
    _three_canteen_problems(make_problem)
    client.force_login(cast.oa)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/problems/", {"q": "食堂"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 3
    assert response.context["summary"]["total"] == 3
    assert _list_counts_in(queries) == []  # the count and the summary's buckets: a counter's
