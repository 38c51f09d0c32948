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
