"""报送 pages: the unit's period report (pre-filled from last period), the office's board with
催报 and the roll-up, and the 待办 section."""

import datetime as dt

import pytest
import time_machine

from issues.models import ProgressReport, ReportPeriod, ReportTask
from issues.services.reporting import period_report_submit, report_periods_open
from notifications.models import Notification
from tests.conftest import SHANGHAI

pytestmark = pytest.mark.django_db


@pytest.fixture
def weekly(cast, make_problem):
    cast.batch.report_cycle, cast.batch.report_due_day = "weekly", 5
    cast.batch.save()
    a = make_problem("in_progress", title="食堂管理不规范")
    b = make_problem("in_progress", lead_unit=cast.unit_b)
    report_periods_open()
    return ReportPeriod.objects.get(), a, b


def form_data(problem, content, percent=30):
    p = f"p{problem.pk}"
    return {f"{p}-content": content, f"{p}-difficulties": "", f"{p}-next_steps": "继续推进",
            f"{p}-percent": percent}  # fmt: skip


def test_a_liaison_reports_on_the_page(cast, weekly, web):
    period, a, _ = weekly
    client = web(cast.admin_a)
    page = client.get(f"/reports/periods/{period.pk}/submit/")
    assert page.status_code == 200 and "食堂管理不规范" in page.content.decode()
    response = client.post(f"/reports/periods/{period.pk}/submit/", form_data(a, "已完成排查"))
    assert response.status_code == 302
    assert ProgressReport.objects.get().content == "已完成排查"
    # A second post changes nothing.
    client.post(f"/reports/periods/{period.pk}/submit/", form_data(a, "再报一次"))
    assert ProgressReport.objects.count() == 1
    assert "不能重复报送" in client.get(f"/reports/periods/{period.pk}/submit/").content.decode()


def test_the_next_period_is_prefilled_with_the_last_report(cast, weekly, web):
    period, a, _ = weekly
    period_report_submit(
        actor=cast.admin_a,
        period_id=period.pk,
        entries=[{"problem": a.pk, "content": "上周完成排查", "percent": 40}],
    )
    with time_machine.travel(dt.datetime(2026, 3, 9, 10, tzinfo=SHANGHAI), tick=False):
        report_periods_open()
        nxt = ReportPeriod.objects.get(period="2026-W11")
        client = web(cast.admin_a)
        body = client.get(f"/reports/periods/{nxt.pk}/submit/").content.decode()
    assert "上周完成排查" in body and "已预填最近一次（2026-W10）" in body


def test_an_empty_entry_is_refused_with_a_message(cast, weekly, web):
    period, a, _ = weekly
    response = web(cast.admin_a).post(f"/reports/periods/{period.pk}/submit/", form_data(a, ""))
    assert response.status_code == 400
    assert not ProgressReport.objects.exists()


def test_staff_and_other_units_cannot_open_the_form(cast, weekly, web):
    period, _, _ = weekly
    assert web(cast.staff_a).get(f"/reports/periods/{period.pk}/submit/").status_code == 403
    assert web(cast.outsider).get(f"/reports/periods/{period.pk}/submit/").status_code == 403


def test_the_office_board_and_chase(cast, weekly, web, django_capture_on_commit_callbacks):
    period, a, _ = weekly
    period_report_submit(
        actor=cast.admin_a, period_id=period.pk, entries=[{"problem": a.pk, "content": "进展"}]
    )
    client = web(cast.oa)
    body = client.get(f"/reports/periods/{period.pk}/").content.decode()
    assert 'data-status="submitted"' in body and 'data-status="pending"' in body
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/reports/periods/{period.pk}/chase/").status_code == 302
    chased = Notification.objects.filter(kind="report_chase")
    assert set(chased.values_list("recipient__username", flat=True)) == {"admin_b", "head_b"}
    assert ReportTask.objects.get(unit=cast.unit_b).chase_count == 1
    # Clicking again the same day sends nothing twice.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/reports/periods/{period.pk}/chase/")
    assert chased.count() == 2
    assert web(cast.admin_a).post(f"/reports/periods/{period.pk}/chase/").status_code == 403


def test_home_lists_the_units_open_reports(cast, weekly, web):
    period, _, _ = weekly
    body = web(cast.admin_b).get("/").content.decode()
    assert f"/reports/periods/{period.pk}/submit/?unit={cast.unit_b.pk}" in body
    assert "待报送的整改进展" in body


def test_the_index_lists_periods(cast, weekly, web):
    period, _, _ = weekly
    body = web(cast.oa).get("/reports/").content.decode()
    assert "2026-W10" in body and f"/reports/periods/{period.pk}/" in body
    body = web(cast.admin_a).get("/reports/").content.decode()
    assert f"/reports/periods/{period.pk}/submit/?unit={cast.unit_a.pk}" in body
