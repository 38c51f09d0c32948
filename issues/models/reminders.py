import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReminderKind(models.TextChoices):
    """The kinds of reminder the ladder produces (SPEC §5). One enum for the schedule
    (issues/services/schedule.py), the Reminder model, e-mail labels and the e-mail
    preferences; it lives in issues/ because issues/ never imports notifications/."""

    DUE_SOON = "due_soon", _("即将到期")
    DUE_TODAY = "due_today", _("今日到期")
    OVERDUE = "overdue", _("已逾期")
    ESCALATED = "escalated", _("逾期升级")
    REVIEW_PENDING = "review_pending", _("待审核超时")


class ProblemSchedule(models.Model):
    """The earliest local date on which a problem produces a reminder, kept current by the
    workflow (issues/services/schedule.py) so that the reminder scan is one indexed range
    query. No row, or a null date: nothing to remind.

    A narrow table of its own, not a column of issues_problem: the scan advances the date of
    every due problem (10 000 a day at a city's scale), and a changed indexed column makes each
    update non-HOT, so on the problem row it wrote every one of that table's indexes (three of
    them trigram GIN indexes re-tokenising the text); here it writes two."""

    problem = models.OneToOneField(
        "issues.Problem", on_delete=models.CASCADE, primary_key=True, related_name="schedule"
    )
    next_reminder_on = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [
            # The reminder scan: next_reminder_on <= today, over rows that have one.
            models.Index(
                fields=["next_reminder_on"],
                name="schedule_next_reminder",
                condition=models.Q(next_reminder_on__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.problem_id}: {self.next_reminder_on}"


def scheduled_on(problem) -> dt.date | None:
    """A problem's stored next reminder date (its schedule row, read once and cached)."""
    try:
        return problem.schedule.next_reminder_on
    except ProblemSchedule.DoesNotExist:
        return None
