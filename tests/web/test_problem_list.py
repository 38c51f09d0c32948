"""问题台账: the API's filters as a form, sorting, pagination, counts, export link, scope."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def _codes(response):
    return [p.code for p in response.context["rows"]]


@pytest.fixture
def county(cast, make_problem):
    cast.late = make_problem("in_progress", title="逾期的问题", due_date=dt.date(2026, 2, 1))
    cast.soon = make_problem("in_progress", title="快到期的问题", due_date=dt.date(2026, 3, 5))
    cast.done = make_problem("closed", title="已销号的问题")
    cast.other = make_problem("assigned", title="卫健局的问题", lead_unit=cast.unit_b)
    return cast


def test_it_lists_what_the_user_may_see(county, web):
    c = county
    assert set(_codes(web(c.oa).get("/problems/"))) == {
        c.late.code,
        c.soon.code,
        c.done.code,
        c.other.code,
    }
    assert c.other.code not in _codes(web(c.admin_a).get("/problems/"))
    assert _codes(web(c.outsider).get("/problems/")) == []


def test_it_filters_like_the_api(county, web):
    c = county
    client = web(c.oa)
    assert _codes(client.get("/problems/?overdue=true")) == [c.late.code]
    assert _codes(client.get("/problems/?light=yellow")) == [c.soon.code]
    assert _codes(client.get("/problems/?status=closed")) == [c.done.code]
    assert _codes(client.get(f"/problems/?unit={c.unit_b.pk}")) == [c.other.code]
    assert _codes(client.get("/problems/?q=快到期")) == [c.soon.code]
    # Two characters, the county office: on PostgreSQL from the pairs index (issues 0022).
    assert _codes(client.get("/problems/?q=逾期")) == [c.late.code]
    assert _codes(client.get("/problems/?q=卫健")) == [c.other.code]
    assert len(_codes(client.get("/problems/?q=问题"))) == 4
    assert set(_codes(client.get("/problems/?due_before=2026-03-10"))) == {c.late.code, c.soon.code}
    assert _codes(client.get(f"/problems/?batch={c.reviewed_batch.pk}")) == []


def test_it_sorts_by_the_chosen_column(county, web):
    c = county
    codes = _codes(web(c.oa).get("/problems/?ordering=due_date"))
    assert codes[:2] == [c.late.code, c.soon.code]
    body = web(c.oa).get("/problems/?ordering=due_date").content.decode()
    assert 'aria-sort="ascending"' in body


def test_it_shows_the_light_as_a_dot_with_its_label(county, web):
    body = web(county.oa).get("/problems/").content.decode()
    assert 'class="light light-red"' in body and "红灯" in body
    assert 'class="light light-blue"' in body and "蓝灯" in body


def test_it_counts_the_buckets_of_the_filtered_rows(county, web):
    summary = web(county.oa).get("/problems/").context["summary"]
    assert (summary["total"], summary["completed"], summary["overdue"]) == (4, 1, 1)
    summary = web(county.oa).get("/problems/?status=closed").context["summary"]
    assert (summary["total"], summary["completed"]) == (1, 1)


def test_it_links_the_export_with_the_same_filters(county, web):
    response = web(county.oa).get("/problems/?status=closed&q=%E9%97%AE&page=1")
    assert response.context["export_xlsx"] == (
        "/api/v1/exports/ledger.xlsx?status=closed&q=%E9%97%AE"
    )


def test_it_paginates_by_fifty(county, web, monkeypatch):
    monkeypatch.setattr("issues.views.problems.PAGE_SIZE", 2)
    response = web(county.oa).get("/problems/?ordering=code&page=2")
    assert len(response.context["rows"]) == 2
    assert response.context["page"].number == 2
    # The page's ids come from the ordered list, its rows are then read by id: same order.
    first = web(county.oa).get("/problems/?ordering=code&page=1").context["rows"]
    codes = [p.code for p in [*first, *response.context["rows"]]]
    assert codes == sorted(codes) and len(set(codes)) == 4


def test_it_runs_a_constant_number_of_queries(cast, make_problem, web):
    client = web(cast.oa)
    # One of each prefetch's kind, so the small page already runs every query.
    make_problem("closeout_review", cooperating_units=[cast.unit_b])
    client.get("/problems/")  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        client.get("/problems/")
    for _ in range(4):
        make_problem("closeout_review", cooperating_units=[cast.unit_b])
        make_problem("assigned", lead_unit=cast.unit_b)
    with CaptureQueriesContext(connection) as many:
        client.get("/problems/")
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)
