"""/api/v1/report-periods/ (SPEC §12), the batch's rhythm fields, and on_time_report_rate."""

import datetime as dt
import io

import pytest
import time_machine
from openpyxl import load_workbook

from issues.models import ProgressReport
from tests.api.conftest import assert_error
from tests.conftest import SHANGHAI

pytestmark = pytest.mark.django_db


def at(day, hour=10):
    return time_machine.travel(dt.datetime(*day, hour, 0, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def weekly(api, cast, make_problem):
    response = api(cast.oa).patch(
        f"/api/v1/batches/{cast.batch.pk}/",
        {"report_cycle": "weekly", "report_due_day": 5},
        "json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["report_cycle"] == "weekly"
    return make_problem("in_progress"), make_problem("in_progress", lead_unit=cast.unit_b)


def periods(api, user, batch):
    response = api(user).get(f"/api/v1/report-periods/?batch={batch.pk}")
    assert response.status_code == 200, response.json()
    return response.json()


def test_it_lists_the_periods_with_each_units_status(api, cast, weekly):
    body = periods(api, cast.oa, cast.batch)
    assert body["count"] == 1
    period = body["results"][0]
    assert {k: period[k] for k in ("batch", "period", "starts_on", "due_on")} == {
        "batch": cast.batch.pk,
        "period": "2026-W10",
        "starts_on": "2026-03-02",
        "due_on": "2026-03-06",
    }
    assert sorted((u["unit"]["name"], u["status"]) for u in period["units"]) == [
        ("卫健局", "pending"),
        ("教育局", "pending"),
    ]
    assert all(u["submitted_at"] is None for u in period["units"])


def test_a_unit_sees_its_own_status_only(api, cast, weekly):
    units = periods(api, cast.admin_a, cast.batch)["results"][0]["units"]
    assert [u["unit"]["name"] for u in units] == ["教育局"]


def submit(api, user, period_id, problem, **extra):
    body = {"entries": [{"problem": problem.pk, "content": "本期完成调研", "percent": 40}]}
    return api(user).post(f"/api/v1/report-periods/{period_id}/submit/", {**body, **extra}, "json")


def test_a_liaison_submits_once(api, cast, weekly):
    a, _ = weekly
    period_id = periods(api, cast.oa, cast.batch)["results"][0]["id"]
    response = submit(api, cast.admin_a, period_id, a)
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "submitted"
    assert ProgressReport.objects.get().period == "2026-W10"
    assert_error(submit(api, cast.head_a, period_id, a), 409, "invalid_transition")
    assert ProgressReport.objects.count() == 1
    units = {u["unit"]["name"]: u for u in periods(api, cast.oa, cast.batch)["results"][0]["units"]}
    assert units["教育局"]["status"] == "submitted" and units["教育局"]["submitted_at"]


def test_after_the_due_date_it_is_late_and_the_missing_show(api, cast, weekly):
    a, _ = weekly
    period_id = periods(api, cast.oa, cast.batch)["results"][0]["id"]
    with at((2026, 3, 7)):
        response = submit(api, cast.admin_a, period_id, a)
        assert response.status_code == 201 and response.json()["status"] == "late"
        units = periods(api, cast.oa, cast.batch)["results"][0]["units"]
    assert {u["unit"]["name"]: u["status"] for u in units} == {
        "教育局": "late",
        "卫健局": "missing",
    }


@pytest.mark.parametrize(
    "who, status, code",
    [("staff_a", 403, "permission_denied"), ("admin_b", 400, "validation_error")],
)
def test_others_cannot_submit_for_a_unit(api, cast, weekly, who, status, code):
    a, _ = weekly
    period_id = periods(api, cast.oa, cast.batch)["results"][0]["id"]
    response = submit(api, getattr(cast, who), period_id, a)
    assert_error(response, status, code)
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"entries": []},
        {"entries": [{"problem": 1}]},
        {"entries": [{"problem": "x", "content": "c"}]},
        {"entries": [{"problem": 1, "content": "c", "percent": 101}]},
        {"entries": "nope"},
    ],
)
def test_it_refuses_bad_bodies(api, cast, weekly, body):
    period_id = periods(api, cast.oa, cast.batch)["results"][0]["id"]
    response = api(cast.admin_a).post(f"/api/v1/report-periods/{period_id}/submit/", body, "json")
    assert_error(response, 400, "validation_error")


def test_an_unknown_period_is_404(api, cast, weekly):
    a, _ = weekly
    assert_error(submit(api, cast.admin_a, 999999, a), 404, "not_found")


@pytest.mark.parametrize(
    "body",
    [
        {"report_cycle": "daily"},
        {"report_cycle": "weekly", "report_due_day": 8},
        {"report_cycle": "monthly", "report_due_day": 29},
        {"report_cycle": "monthly", "report_due_day": 0},
    ],
)
def test_it_refuses_a_bad_rhythm(api, cast, body):
    response = api(cast.oa).patch(f"/api/v1/batches/{cast.batch.pk}/", body, "json")
    assert_error(response, 400, "validation_error")
    cast.batch.refresh_from_db()
    assert cast.batch.report_cycle == "none"


@pytest.mark.parametrize("query", ["?batch=abc", "?batch=4.5e16", "?batch=0"])
def test_it_refuses_bad_filters(api, cast, query):
    assert_error(api(cast.oa).get(f"/api/v1/report-periods/{query}"), 400, "validation_error")


def test_stats_summary_has_the_on_time_report_rate(api, cast, weekly):
    a, _ = weekly
    summary = api(cast.oa).get("/api/v1/stats/summary/").json()
    assert summary["on_time_report_rate"] is None  # nothing due yet
    period_id = periods(api, cast.oa, cast.batch)["results"][0]["id"]
    submit(api, cast.admin_a, period_id, a)
    with at((2026, 3, 7)):
        summary = api(cast.oa).get("/api/v1/stats/summary/").json()
        assert summary["on_time_report_rate"] == 50.0  # 教育局 on time, 卫健局 missing
        mine = api(cast.admin_a).get("/api/v1/stats/summary/").json()
        assert mine["on_time_report_rate"] == 100.0


def test_the_rollup_is_a_workbook(api, cast, weekly):
    a, _ = weekly
    period_id = periods(api, cast.oa, cast.batch)["results"][0]["id"]
    submit(api, cast.admin_a, period_id, a)
    response = api(cast.oa).get(f"/api/v1/report-periods/{period_id}/rollup.xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[1][:3] == ("序号", "单位", "报送状态")
    by_unit = {row[1]: row for row in rows[2:]}
    assert by_unit["教育局"][2] == "已报" and by_unit["教育局"][6] == "本期完成调研"
    assert by_unit["卫健局"][2] == "待报"


def test_the_ranking_and_dashboard_show_each_units_report_rate(api, cast, weekly, client):
    a, _ = weekly
    period_id = periods(api, cast.oa, cast.batch)["results"][0]["id"]
    submit(api, cast.admin_a, period_id, a)
    with at((2026, 3, 7)):
        rows = api(cast.oa).get("/api/v1/stats/ranking/").json()
        client.force_login(cast.oa)
        response = client.get("/dashboard/")
        page = response.content.decode()
    rates = {row["unit"]["name"]: row["on_time_report_rate"] for row in rows}
    assert rates == {"教育局": 100.0, "卫健局": 0.0}
    assert 'data-testid="kpi-report-rate"' in page and "50%" in page
