"""驾驶舱: the statistics of the user's scope, filtered like the list, drawn as SVG."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from issues.models import Category

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(cast, make_problem):
    """教育局: 1 overdue + 1 in progress + 1 assigned, 1 closed, 1 long-term, a draft and a
    withdrawn one (outside the totals); 卫健局: 1 closed (audit). 8 problems, 6 counted."""
    c = cast
    theory = Category.objects.get(name="理论学习")
    c.late = make_problem("in_progress", title="逾期的问题", due_date=dt.date(2026, 2, 20))
    make_problem("in_progress", title="正常推进的问题", category=theory)
    make_problem("assigned", title="刚交办的问题", category=theory)
    make_problem("closed", title="已销号的问题")
    make_problem("long_term", title="长期坚持的问题")
    make_problem("draft", title="草稿")
    make_problem("withdrawn", title="撤销的问题")
    c.audit = make_problem("closed", title="卫健局审计问题", lead_unit=c.unit_b, source="audit")
    return c


def _svg(body, testid):
    start = body.index(f'data-testid="{testid}"')
    return body[body.index("<svg", start) : body.index("</svg>", start)]


def test_it_shows_the_rates_and_buckets_of_the_whole_scope(county, web):
    response = web(county.oa).get("/dashboard/")
    assert response.status_code == 200
    summary = response.context["summary"]
    assert (summary["total"], summary["completed"], summary["in_progress"]) == (6, 2, 3)
    assert (summary["long_term"], summary["overdue"]) == (1, 1)
    assert (summary["completion_rate"], summary["on_time_rate"]) == (33.3, 100.0)
    body = response.content.decode()
    assert "33.3%" in body and "100%" in body
    donut = _svg(body, "chart-buckets")
    assert re.findall(r'class="legend-value" data-series="(\w+)"[^>]*>(\d+)<', donut) == [
        ("completed", "2"),
        ("on_track", "2"),
        ("overdue", "1"),
        ("long_term", "1"),
    ]
    assert "<title" in donut and "<desc" in donut


def test_it_draws_one_bar_per_source_with_its_numbers(county, web):
    body = web(county.oa).get("/dashboard/").content.decode()
    bars = _svg(body, "chart-source")
    assert re.findall(r'data-total="(\d+)"', bars) == ["5", "1"]  # 巡察, then 审计监督
    assert re.findall(r'data-series="(\w+)" data-value="(\d+)"', bars) == [
        ("completed", "1"),
        ("on_track", "2"),
        ("overdue", "1"),
        ("long_term", "1"),
        ("completed", "1"),
    ]
    assert "巡察" in bars and "审计监督" in bars and "共 5 · 完成率 20%" in bars
    category = _svg(body, "chart-category")
    assert re.findall(r'data-total="(\d+)"', category) == ["4", "2"]  # 未分类, 理论学习
    assert "理论学习" in category


def test_it_trends_by_month_and_ranks_the_units(county, web):
    response = web(county.oa).get("/dashboard/")
    trend = _svg(response.content.decode(), "chart-trend")
    assert len(re.findall(r'<circle class="dot', trend)) == 24  # 12 months × 2 lines
    assert 'data-series="created" data-value="6"' in trend
    assert 'data-series="closed" data-value="2"' in trend
    ranking = response.context["ranking_top"]
    assert [(r["unit"]["name"], r["rank"], r["completion_rate"]) for r in ranking] == [
        ("卫健局", 1, 100.0),
        ("教育局", 2, 20.0),
    ]
    assert [p.title for p in response.context["overdue"]] == ["逾期的问题"]


def test_it_narrows_by_the_lists_filters(county, web):
    client = web(county.oa)
    response = client.get(f"/dashboard/?batch={county.reviewed_batch.pk}")
    assert response.context["summary"]["total"] == 0
    assert "暂无数据" in response.content.decode()
    response = client.get("/dashboard/?source=audit")
    assert response.context["summary"]["total"] == 1
    response = client.get(f"/dashboard/?unit={county.unit_a.pk}")
    assert response.context["summary"]["total"] == 5
    body = response.content.decode()
    assert f"/problems/?unit={county.unit_a.pk}&amp;overdue=true" in body


def test_it_shows_a_unit_only_its_own_and_an_outsider_nothing(county, web):
    response = web(county.admin_b).get("/dashboard/")
    assert response.context["summary"]["total"] == 1
    assert "逾期的问题" not in response.content.decode()
    response = web(county.outsider).get("/dashboard/")
    body = response.content.decode()
    assert response.context["summary"]["total"] == 0
    assert response.context["ranking_top"] == []
    for title in ("逾期的问题", "卫健局审计问题", "教育局", "卫健局"):
        assert title not in body


def test_it_costs_a_constant_number_of_queries(county, make_problem, web):
    client = web(county.oa)
    client.get("/dashboard/")  # warm the session and the content types
    with CaptureQueriesContext(connection) as before:
        client.get("/dashboard/")
    for n in range(6):
        make_problem("in_progress", title=f"又一个问题{n}", lead_unit=county.unit_b)
    with CaptureQueriesContext(connection) as after:
        client.get("/dashboard/")
    assert len(after) == len(before), "\n".join(q["sql"] for q in after.captured_queries)
    assert len(before) <= 25


def test_it_needs_a_sign_in(web):
    response = web().get("/dashboard/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
