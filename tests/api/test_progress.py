"""GET/POST /api/v1/problems/{id}/progress/."""

import pytest

from tests.api.conftest import assert_error

FIELDS = {
    "id", "period", "content", "difficulties", "next_steps", "percent", "measure", "reporter",
    "submitted_at",
}  # fmt: skip


def test_it_reports_progress(cast, api, make_problem):
    problem = make_problem("in_progress")
    measure = problem.measures.get()
    r = api(cast.staff_a).post(
        f"/api/v1/problems/{problem.pk}/progress/",
        {
            "period": "2026-W10",
            "content": "已完成采购台账",
            "difficulties": "资金不足",
            "next_steps": "申请专项资金",
            "percent": 60,
            "measure": measure.pk,
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    assert set(body) == FIELDS
    assert (body["percent"], body["measure"], body["reporter"]) == (60, measure.pk, cast.staff_a.pk)
    assert body["submitted_at"] == "2026-03-02T10:00:00+08:00"
    shown = api(cast.oa).get(f"/api/v1/problems/{problem.pk}/").json()
    assert shown["latest_progress"] == "2026-W10：已完成采购台账"


def test_it_lists_progress_newest_first(cast, api, make_problem):
    problem = make_problem("in_progress")
    url = f"/api/v1/problems/{problem.pk}/progress/"
    for period in ("2026-01", "2026-02"):
        assert (
            api(cast.admin_a)
            .post(url, {"period": period, "content": period}, format="json")
            .status_code
            == 201
        )
    rows = api(cast.viewer_a).get(url).json()["results"]
    assert [row["period"] for row in rows] == ["2026-02", "2026-01"]


@pytest.mark.parametrize(
    "field, value",
    [("period", "2026-3"), ("period", "2026-W54"), ("period", "2026-13"), ("period", "三月"),
     ("percent", 101), ("percent", -1), ("percent", "lots")],
)  # fmt: skip
def test_it_validates_a_report(cast, api, make_problem, field, value):
    problem = make_problem("in_progress")
    payload = {"period": "2026-03", "content": "进展", field: value}
    r = api(cast.admin_a).post(f"/api/v1/problems/{problem.pk}/progress/", payload, format="json")
    assert_error(r, 400, "validation_error", field)


def test_it_refuses_a_measure_of_another_problem(cast, api, make_problem):
    problem, other = make_problem("in_progress"), make_problem("in_progress")
    r = api(cast.admin_a).post(
        f"/api/v1/problems/{problem.pk}/progress/",
        {"period": "2026-03", "content": "x", "measure": other.measures.get().pk},
        format="json",
    )
    assert_error(r, 400, "validation_error", "measure")


def test_it_keeps_progress_within_scope_and_role(cast, api, make_problem):
    problem = make_problem("in_progress")
    url = f"/api/v1/problems/{problem.pk}/progress/"
    assert_error(api(cast.outsider).get(url), 404, "not_found")
    payload = {"period": "2026-03", "content": "x"}
    assert_error(api(cast.outsider).post(url, payload, format="json"), 404, "not_found")
    assert_error(api(cast.viewer_a).post(url, payload, format="json"), 403, "permission_denied")
    draft = make_problem("draft")
    r = api(cast.admin_a).post(f"/api/v1/problems/{draft.pk}/progress/", payload, format="json")
    assert_error(r, 409, "invalid_transition")
