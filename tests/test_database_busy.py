"""A lock error that outlasts SQLite's busy timeout is 503 "try again", never a 500: the
§9 error shape in the API, a plain Chinese page on the web. (The real thing, many writers
over HTTP against the embedded default, is tests/test_embedded_server.py.)"""

import pytest
from django.db import OperationalError
from django.test import Client

from tests.api.conftest import assert_error


@pytest.fixture
def locked(monkeypatch):
    """Progress reports fail as SQLite does when another writer held the lock too long."""

    def busy(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr("issues.api.reports.progress_report_create", busy)
    monkeypatch.setattr("issues.views.problem_posts.progress_report_create", busy)


def test_it_answers_503_in_the_error_shape_in_the_api(cast, api, make_problem, locked):
    problem = make_problem("in_progress")
    r = api(cast.admin_a).post(
        f"/api/v1/problems/{problem.pk}/progress/",
        {"period": "2026-03", "content": "进展"},
        format="json",
    )
    assert_error(r, 503, "service_unavailable")
    assert r["Retry-After"] == "2"


def test_it_shows_a_chinese_page_on_the_web(cast, make_problem, locked):
    problem = make_problem("in_progress")
    client = Client(raise_request_exception=False)
    client.force_login(cast.admin_a)
    form = {"period": "2026-03", "content": "进展", "percent": 50}
    r = client.post(f"/problems/{problem.pk}/progress/", form)
    assert r.status_code == 503
    assert r["Retry-After"] == "2"
    body = r.content.decode()
    assert "系统正忙" in body and "没有保存" in body


def test_other_database_errors_stay_server_errors(cast, api, make_problem, monkeypatch):
    def broken(**kwargs):
        raise OperationalError("no such table: issues_progressreport")

    monkeypatch.setattr("issues.api.reports.progress_report_create", broken)
    problem = make_problem("in_progress")
    client = api(cast.admin_a)
    client.raise_request_exception = False
    r = client.post(
        f"/api/v1/problems/{problem.pk}/progress/",
        {"period": "2026-03", "content": "进展"},
        format="json",
    )
    assert r.status_code == 500
