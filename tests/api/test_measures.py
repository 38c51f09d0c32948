"""Measures: GET/POST /api/v1/problems/{id}/measures/, GET/PATCH /api/v1/measures/{id}/."""

import datetime as dt

from tests.api.conftest import assert_error


def test_it_lists_a_problems_measures(cast, api, make_problem):
    problem = make_problem(
        "in_progress",
        cooperating_units=[cast.unit_b],
        measures=[
            {"content": "一", "unit": cast.unit_a},
            {"content": "二", "unit": cast.unit_b, "due_date": dt.date(2026, 2, 1)},
        ],
    )
    r = api(cast.admin_b).get(f"/api/v1/problems/{problem.pk}/measures/")
    assert r.status_code == 200
    rows = r.json()["results"]
    assert [(m["seq"], m["content"], m["is_overdue"]) for m in rows] == [
        (1, "一", False),
        (2, "二", True),
    ]
    assert rows[1] == {
        "id": rows[1]["id"],
        "problem": problem.pk,
        "seq": 2,
        "content": "二",
        "unit": cast.unit_b.pk,
        "owner": None,
        "due_date": "2026-02-01",
        "status": "not_started",
        "done_at": None,
        "done_note": "",
        "is_overdue": True,
    }


def test_it_hides_measures_outside_scope(cast, api, make_problem):
    problem = make_problem("in_progress")
    measure = problem.measures.get()
    assert_error(
        api(cast.outsider).get(f"/api/v1/problems/{problem.pk}/measures/"), 404, "not_found"
    )
    assert_error(api(cast.outsider).get(f"/api/v1/measures/{measure.pk}/"), 404, "not_found")
    r = api(cast.admin_b).patch(
        f"/api/v1/measures/{measure.pk}/", {"status": "done"}, format="json"
    )
    assert_error(r, 404, "not_found")
    r = api(cast.outsider).post(
        f"/api/v1/problems/{problem.pk}/measures/", {"content": "x"}, format="json"
    )
    assert_error(r, 404, "not_found")


def test_it_adds_a_measure(cast, api, make_problem):
    problem = make_problem("in_progress", cooperating_units=[cast.unit_b])
    r = api(cast.staff_a).post(
        f"/api/v1/problems/{problem.pk}/measures/",
        {"content": "建立长效机制", "unit": cast.unit_b.pk, "due_date": "2026-05-01"},
        format="json",
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    assert (body["seq"], body["unit"], body["due_date"]) == (2, cast.unit_b.pk, "2026-05-01")
    assert body["is_overdue"] is False
    assert problem.ledger_entries.last().action == "measure_add"


def test_it_defaults_a_measure_to_the_lead_unit_and_due_date(cast, api, make_problem):
    problem = make_problem("assigned")
    r = api(cast.admin_a).post(
        f"/api/v1/problems/{problem.pk}/measures/", {"content": "整改"}, format="json"
    )
    assert r.status_code == 201, r.json()
    assert (r.json()["unit"], r.json()["due_date"]) == (cast.unit_a.pk, "2026-06-30")


def test_it_refuses_measures_to_other_roles_and_states(cast, api, make_problem):
    problem = make_problem("in_progress")
    url = f"/api/v1/problems/{problem.pk}/measures/"
    assert_error(
        api(cast.viewer_a).post(url, {"content": "x"}, format="json"), 403, "permission_denied"
    )
    assert_error(api(cast.admin_a).post(url, {}, format="json"), 400, "validation_error", "content")
    r = api(cast.admin_a).post(url, {"content": "x", "unit": cast.unit_c.pk}, format="json")
    assert_error(r, 400, "validation_error", "unit")
    closed = make_problem("closed")
    r = api(cast.admin_a).post(
        f"/api/v1/problems/{closed.pk}/measures/", {"content": "x"}, format="json"
    )
    assert_error(r, 409, "invalid_transition")


def test_it_completes_a_measure(cast, api, make_problem):
    problem = make_problem("in_progress")
    measure = problem.measures.get()
    r = api(cast.staff_a).patch(
        f"/api/v1/measures/{measure.pk}/", {"status": "done", "done_note": "已完成"}, format="json"
    )
    assert r.status_code == 200, r.json()
    body = r.json()
    assert (body["status"], body["done_note"]) == ("done", "已完成")
    assert body["done_at"] == "2026-03-02T10:00:00+08:00"
    assert api(cast.viewer_a).get(f"/api/v1/measures/{measure.pk}/").json()["status"] == "done"


def test_it_lets_a_cooperating_unit_edit_only_its_own_measures(cast, api, make_problem):
    problem = make_problem(
        "in_progress",
        cooperating_units=[cast.unit_b],
        measures=[{"content": "一", "unit": cast.unit_a}, {"content": "二", "unit": cast.unit_b}],
    )
    own, lead = problem.measures.get(unit=cast.unit_b), problem.measures.get(unit=cast.unit_a)
    staff = api(cast.staff_b)
    assert (
        staff.patch(
            f"/api/v1/measures/{own.pk}/", {"status": "in_progress"}, format="json"
        ).status_code
        == 200
    )
    r = staff.patch(f"/api/v1/measures/{lead.pk}/", {"status": "done"}, format="json")
    assert_error(r, 403, "permission_denied")


def test_it_validates_measure_edits(cast, api, make_problem):
    measure = make_problem("in_progress").measures.get()
    r = api(cast.admin_a).patch(
        f"/api/v1/measures/{measure.pk}/", {"status": "finished"}, format="json"
    )
    assert_error(r, 400, "validation_error", "status")
    r = api(cast.admin_a).patch(f"/api/v1/measures/{measure.pk}/", {"unit": None}, format="json")
    assert_error(r, 400, "validation_error", "unit")
