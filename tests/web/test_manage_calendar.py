"""管理 → 工作日历: the year's holidays and 调休, and the office's overrides on the page."""

import pytest

from issues.models import CalendarDay

pytestmark = pytest.mark.django_db


def test_it_shows_the_years_holidays_and_make_up_days(cast, web):
    body = web(cast.oa).get("/manage/calendar/?year=2026").content.decode()
    assert "02-16" in body and "10-07" in body  # 春节, 国庆
    workdays = body[body.index('data-testid="workdays"') :]
    assert "02-14" in workdays and "10-10" in workdays.split("</p>")[0]


def test_a_root_office_admin_adds_and_deletes_an_override(cast, web):
    client = web(cast.oa)
    response = client.post(
        "/manage/calendar/?year=2027", {"date": "2027-02-06", "kind": "holiday", "note": "春节"}
    )
    assert response.status_code == 302
    day = CalendarDay.objects.get()
    assert (str(day.date), day.kind, day.note) == ("2027-02-06", "holiday", "春节")
    assert "2027-02-06" in client.get("/manage/calendar/?year=2027").content.decode()
    assert client.post(f"/manage/calendar/{day.pk}/delete/").status_code == 302
    assert not CalendarDay.objects.exists()


def test_it_refuses_a_bad_date_and_changes_nothing(cast, web):
    response = web(cast.oa).post("/manage/calendar/", {"date": "9999-12-31", "kind": "holiday"})
    assert response.status_code == 400
    assert not CalendarDay.objects.exists()


def test_a_township_office_admin_sees_it_but_may_not_change_it(cast, web):
    from tests.conftest import make_user

    township = make_user("oa_a", unit=cast.unit_a, role="office_admin")
    client = web(township)
    assert client.get("/manage/calendar/").status_code == 200
    response = client.post("/manage/calendar/", {"date": "2027-01-01", "kind": "holiday"})
    assert response.status_code == 403
    day = CalendarDay.objects.create(date="2027-01-02", kind="holiday")
    assert client.post(f"/manage/calendar/{day.pk}/delete/").status_code == 403
    assert CalendarDay.objects.exists()
    assert web(cast.admin_a).get("/manage/calendar/").status_code == 403
