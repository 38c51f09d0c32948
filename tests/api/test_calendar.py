"""GET/POST/DELETE /api/v1/calendar/ and `due_in_working_days` (SPEC §12)."""

import datetime as dt

import pytest
import time_machine

from issues.models import CalendarDay, Problem
from tests.api.conftest import assert_error
from tests.conftest import SHANGHAI

pytestmark = pytest.mark.django_db


def at(day):
    return time_machine.travel(dt.datetime(*day, 10, 0, tzinfo=SHANGHAI), tick=False)


def test_it_shows_the_year(api, cast):
    body = api(cast.staff_a).get("/api/v1/calendar/?year=2026").json()
    assert body["year"] == 2026
    assert "2026-02-16" in body["holidays"] and "2026-10-07" in body["holidays"]
    assert "2026-02-14" in body["workdays"] and "2026-10-10" in body["workdays"]
    assert body["overrides"] == []


@pytest.mark.parametrize("year", ["1999", "2100", "abc", "4.5e16"])
def test_it_refuses_a_year_out_of_range(api, cast, year):
    assert_error(api(cast.oa).get(f"/api/v1/calendar/?year={year}"), 400, "validation_error")


def test_an_office_admin_at_the_root_overrides_a_day(api, cast):
    response = api(cast.oa).post(
        "/api/v1/calendar/", {"date": "2027-02-06", "kind": "holiday", "note": "春节"}, "json"
    )
    assert response.status_code == 201, response.json()
    entry = response.json()
    assert entry["date"] == "2027-02-06" and entry["kind"] == "holiday"
    body = api(cast.staff_a).get("/api/v1/calendar/?year=2027").json()
    assert "2027-02-06" not in body["workdays"] and body["overrides"][0]["id"] == entry["id"]
    # Setting the same day again changes it instead of failing.
    again = api(cast.oa).post(
        "/api/v1/calendar/", {"date": "2027-02-06", "kind": "workday"}, "json"
    )
    assert again.status_code == 201 and CalendarDay.objects.get().kind == "workday"
    assert api(cast.oa).delete(f"/api/v1/calendar/{entry['id']}/").status_code == 204
    assert not CalendarDay.objects.exists()


def test_it_deletes_by_date(api, cast):
    api(cast.root).post("/api/v1/calendar/", {"date": "2027-01-01", "kind": "holiday"}, "json")
    assert api(cast.root).delete("/api/v1/calendar/2027-01-01/").status_code == 204
    assert_error(api(cast.root).delete("/api/v1/calendar/2027-01-01/"), 404, "not_found")


@pytest.mark.parametrize("who", ["admin_a", "rev", "leader", "staff_a"])
def test_others_may_not_override(api, cast, who):
    response = api(getattr(cast, who)).post(
        "/api/v1/calendar/", {"date": "2027-01-01", "kind": "holiday"}, "json"
    )
    assert_error(response, 403, "permission_denied")
    CalendarDay.objects.create(date="2027-01-01", kind="holiday")
    assert_error(
        api(getattr(cast, who)).delete("/api/v1/calendar/2027-01-01/"), 403, "permission_denied"
    )
    assert CalendarDay.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"date": "2027-01-01", "kind": "party"},
        {"date": "9999-12-31", "kind": "holiday"},
        {"date": "not a date", "kind": "holiday"},
        {"kind": "holiday"},
    ],
)
def test_it_refuses_bad_overrides(api, cast, body):
    assert_error(api(cast.oa).post("/api/v1/calendar/", body, "json"), 400, "validation_error")
    assert not CalendarDay.objects.exists()


def problem_body(cast, **extra):
    return {
        "batch": cast.batch.pk,
        "title": "问题",
        "description": "具体表现",
        "lead_unit": cast.unit_a.pk,
        "source": "circuit_inspection",
        **extra,
    }


def test_it_creates_a_problem_due_in_working_days(api, cast):
    with at((2026, 9, 30)):
        response = api(cast.oa).post(
            "/api/v1/problems/", problem_body(cast, due_in_working_days=4), "json"
        )
    assert response.status_code == 201, response.json()
    assert response.json()["due_date"] == "2026-10-12"  # across 国庆 and its 调休 Saturday


def test_it_refuses_both_a_date_and_working_days(api, cast):
    response = api(cast.oa).post(
        "/api/v1/problems/",
        problem_body(cast, due_date="2026-06-30", due_in_working_days=4),
        "json",
    )
    assert_error(response, 400, "validation_error", "due_in_working_days")
    assert not Problem.objects.exists()


@pytest.mark.parametrize("count", [0, -1, 367, 33331736, "x"])
def test_it_refuses_unbounded_working_days(api, cast, count):
    response = api(cast.oa).post(
        "/api/v1/problems/", problem_body(cast, due_in_working_days=count), "json"
    )
    assert_error(response, 400, "validation_error", "due_in_working_days")


def test_assign_takes_working_days(api, cast, make_problem):
    problem = make_problem("draft")
    with at((2026, 2, 13)):
        response = api(cast.oa).post(
            f"/api/v1/problems/{problem.pk}/actions/assign/", {"due_in_working_days": 2}, "json"
        )
    assert response.status_code == 200, response.json()
    assert response.json()["due_date"] == "2026-02-24"  # over the Spring Festival


def test_approve_list_takes_working_days(api, cast, make_problem):
    problem = make_problem("list_review")
    with at((2026, 2, 13)):
        response = api(cast.rev).post(
            f"/api/v1/problems/{problem.pk}/actions/approve_list/",
            {"due_in_working_days": 1},
            "json",
        )
    assert response.status_code == 200, response.json()
    assert response.json()["due_date"] == "2026-02-14"  # the 调休 Saturday


def test_the_problem_page_shows_working_days_left(client, cast, make_problem):
    problem = make_problem("in_progress", due_date=dt.date(2026, 10, 12))
    with at((2026, 9, 30)):
        client.force_login(cast.admin_a)
        page = client.get(f"/problems/{problem.pk}/").content.decode()
    assert "还有4个工作日" in page


def test_an_extension_may_be_asked_in_working_days(api, cast, make_problem):
    problem = make_problem("in_progress", due_date=dt.date(2026, 9, 30))
    with at((2026, 9, 1)):
        response = api(cast.admin_a).post(
            f"/api/v1/problems/{problem.pk}/actions/request_extension/",
            {"kind": "extend", "reason": "汛期施工受阻", "extend_working_days": 4},
            "json",
        )
    assert response.status_code == 200, response.json()
    requests = api(cast.admin_a).get(f"/api/v1/problems/{problem.pk}/requests/").json()
    assert requests["results"][0]["requested_due_date"] == "2026-10-12"  # across 国庆


def test_an_extension_takes_a_date_or_working_days_not_both(api, cast, make_problem):
    problem = make_problem("in_progress")
    response = api(cast.admin_a).post(
        f"/api/v1/problems/{problem.pk}/actions/request_extension/",
        {
            "kind": "extend",
            "reason": "理由",
            "extend_working_days": 4,
            "requested_due_date": "2026-07-30",
        },
        "json",
    )
    assert_error(response, 400, "validation_error", "extend_working_days")


def test_a_batch_default_may_be_given_in_working_days(api, cast):
    response = api(cast.oa).patch(
        f"/api/v1/batches/{cast.batch.pk}/",
        {"default_due_date": None, "default_due_working_days": 4},
        "json",
    )
    assert response.status_code == 200, response.json()
    with at((2026, 9, 30)):
        created = api(cast.oa).post("/api/v1/problems/", problem_body(cast), "json")
    assert created.status_code == 201, created.json()
    assert created.json()["due_date"] == "2026-10-12"  # 4 working days across 国庆


@pytest.mark.parametrize("days", [0, 367, -3])
def test_a_batch_default_in_working_days_is_bounded(api, cast, days):
    response = api(cast.oa).patch(
        f"/api/v1/batches/{cast.batch.pk}/", {"default_due_working_days": days}, "json"
    )
    assert_error(response, 400, "validation_error", "default_due_working_days")
