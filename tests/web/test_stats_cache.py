"""The county office's counts, cached a short while (issues.selectors.stats_cache): a change
made through the workflow or a new problem shows on the very next request."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from issues.services.workflow import perform_action

pytestmark = pytest.mark.django_db


@pytest.fixture
def cached(settings):
    """The cache on for any number of problems (it is off below 20 000, hence in tests)."""
    settings.STATS_CACHE_FROM_PROBLEMS = 0
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def county(cast, make_problem):
    cast.assigned = make_problem("assigned", title="刚交办的问题")
    make_problem("in_progress", title="正常推进的问题", due_date=dt.date(2026, 2, 20))
    return cast


def _dashboard_total(client):
    return client.get("/dashboard/").context["summary"]["total"]


def _list_numbers(client):
    response = client.get("/problems/")
    return response.context["page"].paginator.count, response.context["summary"]["total"]


def test_it_serves_the_counts_from_the_cache_on_the_next_request(cached, county, web):
    client = web(county.oa)
    with CaptureQueriesContext(connection) as first:
        client.get("/dashboard/")
    with CaptureQueriesContext(connection) as again:
        client.get("/dashboard/")

    def bucket_counts(ctx):  # the statements that count the buckets (AS "completed")
        return [q["sql"] for q in ctx.captured_queries if 'AS "completed"' in q["sql"]]

    assert len(bucket_counts(first)) == 4  # the whole, by source, by category, by unit
    assert bucket_counts(again) == []
    assert len(again) == len(first) - 6  # and the two monthly counts


def test_it_shows_a_workflow_change_at_once_on_the_dashboard(cached, county, web):
    client = web(county.oa)
    assert _dashboard_total(client) == 2
    perform_action(
        problem_id=county.assigned.pk, action="withdraw", actor=county.oa, data={"comment": "重复"}
    )
    assert _dashboard_total(client) == 1


def test_it_shows_a_new_problem_at_once_on_the_dashboard(cached, county, make_problem, web):
    client = web(county.oa)
    assert _dashboard_total(client) == 2
    make_problem("in_progress", title="新登记的问题")
    assert _dashboard_total(client) == 3


def test_it_shows_a_workflow_change_at_once_on_the_problem_list(cached, county, web):
    client = web(county.oa)
    assert _list_numbers(client) == (2, 2)
    perform_action(
        problem_id=county.assigned.pk, action="withdraw", actor=county.oa, data={"comment": "重复"}
    )
    assert _list_numbers(client) == (2, 1)  # a withdrawn problem is listed, not counted


def test_it_keeps_the_counts_of_each_filter_apart(cached, county, web):
    client = web(county.oa)
    assert client.get("/problems/").context["page"].paginator.count == 2
    filtered = client.get("/problems/", {"status": "assigned"})
    assert filtered.context["page"].paginator.count == 1
    assert client.get("/dashboard/", {"source": "audit"}).context["summary"]["total"] == 0


def test_it_shares_nothing_with_a_scoped_user(cached, county, make_problem, web):
    make_problem("in_progress", title="卫健局的问题", lead_unit=county.unit_b)
    assert _dashboard_total(web(county.oa)) == 3
    assert _dashboard_total(web(county.admin_a)) == 2


def test_it_costs_a_constant_number_of_queries_when_cached(cached, county, make_problem, web):
    client = web(county.oa)
    for url in ("/dashboard/", "/problems/"):
        client.get(url)
        with CaptureQueriesContext(connection) as before:
            client.get(url)
        for n in range(4):
            make_problem("in_progress", title=f"又一个问题{n}", lead_unit=county.unit_b)
        client.get(url)  # new problems: counted afresh once
        with CaptureQueriesContext(connection) as after:
            client.get(url)
        assert len(after) == len(before), "\n".join(q["sql"] for q in after.captured_queries)


def test_it_counts_the_api_list_afresh_after_a_change(cached, county, make_problem, api):
    client = api(county.oa)
    assert client.get("/api/v1/problems/").json()["count"] == 2
    assert client.get("/api/v1/problems/", {"status": "assigned"}).json()["count"] == 1
    make_problem("in_progress", title="新登记的问题")
    assert client.get("/api/v1/problems/").json()["count"] == 3
    assert client.get("/api/v1/problems/", {"status": "assigned"}).json()["count"] == 1
