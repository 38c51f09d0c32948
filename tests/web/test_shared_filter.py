"""The problem filter is one definition (issues.selectors.problem_filter) behind both doors."""

import datetime as dt

import pytest

from issues.selectors.problem_filter import filter_problems
from issues.selectors.problems import problem_list

pytestmark = pytest.mark.django_db

QUERIES = [
    "overdue=true",
    "overdue=false",
    "light=yellow",
    "status=closed",
    "status=assigned,in_progress",
    "q=问题",
    "due_before=2026-03-10",
    "due_after=2026-03-01",
    "ordering=due_date",
    "ordering=-code",
]


@pytest.fixture
def county(cast, make_problem):
    make_problem("in_progress", title="逾期的问题", due_date=dt.date(2026, 2, 1))
    make_problem("in_progress", title="快到期的问题", due_date=dt.date(2026, 3, 5))
    make_problem("closed", title="已销号的问题")
    make_problem("assigned", title="卫健局的问题", lead_unit=cast.unit_b)
    return cast


def _page_ids(web, user, query):
    return [p.pk for p in web(user).get(f"/problems/?{query}").context["rows"]]


def _api_ids(api, user, query):
    return [row["id"] for row in api(user).get(f"/api/v1/problems/?{query}").json()["results"]]


@pytest.mark.parametrize("query", QUERIES)
def test_it_gives_the_same_ids_from_the_page_and_the_api(county, web, api, query):
    page_ids = _page_ids(web, county.oa, query)
    assert page_ids == _api_ids(api, county.oa, query)
    assert page_ids, "a query that matches nothing proves nothing here"


def test_it_gives_the_same_ids_for_a_unit_from_both_doors(county, web, api):
    query = f"unit={county.unit_b.pk}"
    assert _page_ids(web, county.oa, query) == _api_ids(api, county.oa, query) != []


def test_it_is_the_selectors_filter_that_both_doors_use(county, web, api):
    params = {"light": "red"}
    ids = list(filter_problems(params, problem_list(county.oa)).qs.values_list("pk", flat=True))
    assert ids == _page_ids(web, county.oa, "light=red") == _api_ids(api, county.oa, "light=red")


def test_it_refuses_the_same_bad_value_at_both_doors(county, web, api):
    assert api(county.oa).get("/api/v1/problems/?overdue=maybe").status_code == 400
    assert "overdue" in web(county.oa).get("/problems/?overdue=maybe").context["filter_errors"]
