from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from issues.models import ReminderKind


class ReminderState(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    CANCELLED = "cancelled", _("已取消")


class Reminder(models.Model):
    """One reminder to one person. The unique key makes a second scan, a second worker or a
    redelivered task unable to create it twice; the state column is claimed by compare-and-set
    so it is delivered once."""

    # No index of its own: reminder_problem_state (problem, state) leads with it, and every
    # index is written again for each of the ~20 000 reminders a day's scan inserts.
    problem = models.ForeignKey(
        "issues.Problem", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    target = models.CharField(max_length=40)  # "problem:1", "measure:2", "step:3", "supervision:4"
    kind = models.CharField(max_length=20, choices=ReminderKind)
    level = models.PositiveSmallIntegerField(default=0)
    due_date = models.DateField()  # the deadline it refers to: an extension makes new keys
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(max_length=10, choices=ReminderState, default=ReminderState.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["target", "kind", "level", "due_date", "recipient"], name="reminder_once"
            ),
        ]
        indexes = [
            # Dispatch and crash recovery: the few reminders not yet sent.
            models.Index(
                fields=["state", "claimed_at"],
                name="reminder_unsent",
                condition=models.Q(state__in=["pending", "sending"]),
            ),
            # Cancelling a problem's pending reminders inside its workflow transaction.
            models.Index(fields=["problem", "state"], name="reminder_problem_state"),
        ]
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")

    def __str__(self):
        return f"{self.kind}/{self.level} {self.target} → {self.recipient_id}"

    @property
    def event_key(self) -> str:
        """The same event for every recipient (a unit's webhook gets it once)."""
        return f"{self.target}:{self.kind}:{self.level}:{self.due_date}"


class EscalationState(models.TextChoices):
    PENDING = "pending", _("待挂牌")
    DONE = "done", _("已挂牌")
    CANCELLED = "cancelled", _("已取消")
    FAILED = "failed", _("失败")


class Escalation(models.Model):
    """An escalated deadline: the scan inserts it (once, by its unique key), then claims it
    and applies the system's `listed` supervision through the workflow (a chunk's at once; one
    by one, each in its own savepoint, if that fails). A failure leaves it pending with the
    error, and the problem due, so the next scan tries again."""

    target = models.CharField(max_length=40)
    due_date = models.DateField()
    problem = models.ForeignKey("issues.Problem", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(
        max_length=10, choices=EscalationState, default=EscalationState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["target", "due_date"], name="escalation_once"),
        ]
        indexes = [
            models.Index(
                fields=["problem"], name="escalation_pending", condition=models.Q(state="pending")
            ),
        ]

    def __str__(self):
        return f"{self.target} {self.due_date} {self.state}"


class ScanFailure(models.Model):
    """A problem the reminder scan could not process (its ladder raised, its reminders could
    not be written, or its escalation failed). The problem stays due, so every scan retries
    it; the row goes when it succeeds. Superusers see the count in /healthz and the rows in
    the admin."""

    problem = models.OneToOneField(
        "issues.Problem", on_delete=models.CASCADE, related_name="+", verbose_name=_("问题")
    )
    attempts = models.PositiveIntegerField(_("失败次数"), default=1)
    last_error = models.TextField(_("最近错误"), blank=True)
    first_failed_at = models.DateTimeField(_("首次失败"), auto_now_add=True)
    last_failed_at = models.DateTimeField(_("最近失败"), auto_now=True)

    class Meta:
        verbose_name = _("提醒扫描失败")
        verbose_name_plural = _("提醒扫描失败")

    def __str__(self):
        return f"{self.problem_id} ×{self.attempts}"


class Notification(models.Model):
    """In-app message. Reminders and workflow events both become notifications."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=30)
    problem = models.ForeignKey(
        "issues.Problem", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    reminder = models.OneToOneField(
        Reminder, on_delete=models.CASCADE, null=True, blank=True, related_name="notification"
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # The immediate e-mail (escalations): failures are counted and retried by the cycle; after
    # the last attempt the notification waits for the daily digest, which retries on its own.
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_next_at = models.DateTimeField(null=True, blank=True)
    email_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The unread badge and ?unread=true.
            models.Index(
                fields=["recipient", "created_at"],
                name="notification_unread",
                condition=models.Q(read_at__isnull=True),
            ),
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient"),
        ]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")

    def __str__(self):
        return self.title


class EmailOptOut(models.Model):
    """A user who turned e-mail off for one kind (in-app cannot be turned off)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="email_optout_once")]

    def __str__(self):
        return f"{self.user_id} {self.kind}"


class DigestState(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class DigestLog(models.Model):
    """One e-mail digest per recipient per local day: claimed by compare-and-set, marked sent
    only after the mail server accepted it; a failure is retried with backoff, then `failed`."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    state = models.CharField(max_length=10, choices=DigestState, default=DigestState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="digest_once_a_day")]

    def __str__(self):
        return f"{self.user_id} {self.day} {self.state}"


class WebhookFormat(models.TextChoices):
    JSON = "json", _("JSON")
    DINGTALK = "dingtalk", _("钉钉机器人")
    WECOM = "wecom", _("企业微信机器人")


class WebhookEndpoint(models.Model):
    unit = models.ForeignKey("issues.Unit", on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(_("地址"), max_length=500)
    secret = models.CharField(_("签名密钥"), max_length=100)
    format = models.CharField(_("格式"), max_length=10, choices=WebhookFormat, default="json")
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Webhook")
        verbose_name_plural = _("Webhook")

    def __str__(self):
        return f"{self.unit} {self.url}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("失败")


class WebhookDelivery(models.Model):
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_key = models.CharField(max_length=80)
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=DeliveryState, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # When the cycle last queued a task for it: not queued again until a retry is scheduled
    # after that (next_attempt_at moves past it) or the lease runs out (a lost message).
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # A generic class of the last failure (webhook_http.FAILURE_LABELS), what unit staff see;
    # last_error holds the detail, for the unit's managers.
    failure = models.CharField(max_length=20, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_key"], name="webhook_event_once"),
        ]
        indexes = [
            # Retries: pending deliveries whose next attempt has come.
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_due",
                condition=models.Q(state__in=["pending", "sending"]),
            ),
        ]

    def __str__(self):
        return f"{self.endpoint_id} {self.event_key} {self.state}"


class ReportNotice(models.Model):
    """One 报送提醒 or 催报 to one person about one unit's report for one period. The unique key
    makes it exactly once: a due or late notice once per period (on_date = the due date), an
    office's 催报 once per day however often it is clicked."""

    task = models.ForeignKey("issues.ReportTask", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)  # report_due, report_late, report_chase
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    on_date = models.DateField()
    notification = models.OneToOneField(
        Notification, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["task", "kind", "recipient", "on_date"], name="report_notice_once"
            ),
        ]
        verbose_name = _("报送提醒")
        verbose_name_plural = _("报送提醒")

    def __str__(self):
        return f"{self.kind} task:{self.task_id} → {self.recipient_id}"
