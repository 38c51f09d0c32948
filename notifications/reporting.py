"""报送提醒 and 催报 (SPEC §12): reminders about a unit's period report.

The scan sends a 报送提醒 from the day before a period's due date while the unit has not
reported, and a 催报 the day after it if it still has not; an office's 催报 click (the
`report_chased` signal) sends one at once. Each is exactly once per (task, kind, recipient,
day) through ReportNotice's unique key; a late scan catches up, never sending twice.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from issues.models import Membership, ReportTask, Role
from issues.signals import report_chased

from .models import Notification, ReportNotice

RECIPIENT_ROLES = (Role.UNIT_ADMIN, Role.UNIT_HEAD)
LATE_HORIZON = dt.timedelta(days=31)  # a period this long overdue is left to the office's board
TITLES = {
    "report_due": "【报送提醒】{batch} {period} 整改进展请于 {due} 前报送",
    "report_late": "【催报】{batch} {period} 整改进展已逾期未报，请尽快报送",
    "report_chase": "【催报】整改办催报 {batch} {period} 整改进展，请尽快报送",
}


def _recipients(unit_ids) -> dict[int, list[int]]:
    by_unit: dict[int, list[int]] = {}
    rows = Membership.objects.filter(unit_id__in=unit_ids, role__in=RECIPIENT_ROLES)
    for unit_id, user_id in rows.values_list("unit_id", "user_id").distinct():
        by_unit.setdefault(unit_id, []).append(user_id)
    return by_unit


def _send(task: ReportTask, kind: str, on_date: dt.date, user_ids) -> int:
    """One notice per recipient, each in its own savepoint: a duplicate is skipped."""
    period = task.period
    title = TITLES[kind].format(
        batch=period.batch.name, period=period.period, due=period.due_on.isoformat()
    )
    url = reverse("web:report-submit", args=[period.pk]) + f"?unit={task.unit_id}"
    sent = 0
    for user_id in user_ids:
        try:
            with transaction.atomic():
                notice = ReportNotice.objects.create(
                    task=task, kind=kind, recipient_id=user_id, on_date=on_date
                )
                notice.notification = Notification.objects.create(
                    recipient_id=user_id, kind=kind, title=title, body=f"报送入口：{url}"
                )
                notice.save(update_fields=["notification"])
        except IntegrityError:
            continue  # already sent (another scan, or earlier today)
        sent += 1
    return sent


def report_reminders_scan(*, today: dt.date | None = None) -> int:
    """Due and late notices for every unreported task that needs one. Returns notices sent."""
    today = today or timezone.localdate()
    tasks = list(
        ReportTask.objects.filter(
            submitted_at=None,
            period__due_on__gte=today - LATE_HORIZON,
            period__due_on__lte=today + dt.timedelta(days=1),
        ).select_related("period__batch")
    )
    recipients = _recipients({t.unit_id for t in tasks})
    sent = 0
    for task in tasks:
        kind = "report_late" if task.period.due_on < today else "report_due"
        sent += _send(task, kind, task.period.due_on, recipients.get(task.unit_id, []))
    return sent


def on_report_chased(sender, period_id, unit_ids, actor_id, **kwargs):
    today = timezone.localdate()
    tasks = ReportTask.objects.filter(
        period_id=period_id, unit_id__in=unit_ids, submitted_at=None
    ).select_related("period__batch")
    recipients = _recipients(unit_ids)
    for task in tasks:
        _send(task, "report_chase", today, recipients.get(task.unit_id, []))


def connect():
    report_chased.connect(on_report_chased, dispatch_uid="notifications.reporting")
