"""报送提醒 and 催报 from the scan: exactly once, only to units that have not reported."""

import datetime as dt

import pytest

from issues.models import ReportPeriod
from issues.services.reporting import period_report_submit, report_periods_open
from notifications.models import Notification
from notifications.reporting import report_reminders_scan

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def weekly(cast, make_problem):
    cast.batch.report_cycle, cast.batch.report_due_day = "weekly", 5  # W10 due Friday 6 March
    cast.batch.save()
    a = make_problem("in_progress")
    make_problem("in_progress", lead_unit=cast.unit_b)
    report_periods_open()
    return ReportPeriod.objects.get(), a


def kinds():
    return sorted(Notification.objects.values_list("kind", "recipient__username"))


def test_nothing_before_the_day_before_the_due_date(weekly):
    assert report_reminders_scan(today=D(2026, 3, 4)) == 0


def test_a_due_notice_once_then_a_late_notice_once(cast, weekly):
    period, a = weekly
    period_report_submit(
        actor=cast.admin_a, period_id=period.pk, entries=[{"problem": a.pk, "content": "x"}]
    )
    assert report_reminders_scan(today=D(2026, 3, 5)) == 2  # unit_b's admin and head
    assert report_reminders_scan(today=D(2026, 3, 6)) == 0  # the due day: already reminded
    assert kinds() == [("report_due", "admin_b"), ("report_due", "head_b")]
    assert report_reminders_scan(today=D(2026, 3, 9)) == 2
    assert report_reminders_scan(today=D(2026, 3, 10)) == 0
    assert kinds() == [
        ("report_due", "admin_b"),
        ("report_due", "head_b"),
        ("report_late", "admin_b"),
        ("report_late", "head_b"),
    ]
    late = Notification.objects.filter(kind="report_late").first()
    assert "2026-W10" in late.title and f"/reports/periods/{period.pk}/submit/" in late.body
