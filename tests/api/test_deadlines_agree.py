"""Deadlines that agree, through the API: measures due after their problem are refused and an
earlier 退回/反弹 date needs `confirm_earlier` (issue 16 item 5)."""

import datetime as dt

from issues.models import Problem
from tests.api.conftest import assert_error


def test_it_refuses_a_measure_due_after_its_problem(cast, api, make_problem):
    problem = make_problem("in_progress", due_date=dt.date(2026, 6, 30))
    client = api(cast.admin_a)
    r = client.post(
        f"/api/v1/problems/{problem.pk}/measures/",
        {"content": "晚的措施", "due_date": "2026-07-01"},
        format="json",
    )
    body = assert_error(r, 400, "validation_error", "due_date")
    assert "不能晚于问题的整改时限" in body["detail"]
    measure = problem.measures.get()
    r = client.patch(f"/api/v1/measures/{measure.pk}/", {"due_date": "2026-07-01"}, format="json")
    assert_error(r, 400, "validation_error", "due_date")
    assert problem.measures.get().due_date == dt.date(2026, 6, 30)


def test_it_asks_to_confirm_an_earlier_rejection_date(cast, api, make_problem):
    problem = make_problem("closeout_review", due_date=dt.date(2026, 6, 30))
    r = api(cast.head_a).post(
        f"/api/v1/problems/{problem.pk}/actions/approve_closeout/", {}, format="json"
    )
    assert r.status_code == 200, r.json()
    url = f"/api/v1/problems/{problem.pk}/actions/reject_closeout/"
    body = {"comment": "补充照片", "new_due_date": "2026-05-31"}
    r = api(cast.rev).post(url, body, format="json")
    assert_error(r, 400, "validation_error", "confirm_earlier")
    assert Problem.objects.get(pk=problem.pk).status == "closeout_review"
    r = api(cast.rev).post(url, {**body, "confirm_earlier": True}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["due_date"] == "2026-05-31"
