from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from issues.bounds import validate_date, validate_line, validate_text

from .batches import Batch, Campaign, Category, Source
from .units import Unit

if TYPE_CHECKING:
    from .requests import ReviewRequest


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    LIST_REVIEW = "list_review", _("清单审核中")
    ASSIGNED = "assigned", _("已交办（待签收）")
    IN_PROGRESS = "in_progress", _("整改中")
    CLOSEOUT_REVIEW = "closeout_review", _("销号审核中")
    LONG_TERM = "long_term", _("长期坚持")
    CLOSED = "closed", _("已销号")
    ROUTINE = "routine", _("纳入日常管理")
    WITHDRAWN = "withdrawn", _("已撤销")


TERMINAL_STATES = frozenset({Status.ROUTINE, Status.WITHDRAWN})
ACTIVE_STATES = frozenset(
    {Status.ASSIGNED, Status.IN_PROGRESS, Status.CLOSEOUT_REVIEW, Status.LONG_TERM}
)
# States whose due date can still pass: the only ones that can be overdue (SPEC §4).
OVERDUE_STATES = frozenset({Status.ASSIGNED, Status.IN_PROGRESS})


class Origin(models.TextChoices):
    NEW = "new", _("增量")
    LEGACY = "legacy", _("存量")


class Severity(models.TextChoices):
    NORMAL = "normal", _("一般")
    SERIOUS = "serious", _("较重")
    GRAVE = "grave", _("严重")


class RectifyType(models.TextChoices):
    IMMEDIATE = "immediate", _("立行立改")
    TIME_BOUND = "time_bound", _("限期整改")
    PHASED = "phased", _("分阶段整改")
    LONG_TERM = "long_term", _("长期坚持")


class SupervisionLevel(models.TextChoices):
    NONE = "none", _("无")
    LISTED = "listed", _("挂牌督办")


class Problem(models.Model):
    code = models.CharField(_("问题编号"), max_length=50, unique=True)
    # No index of their own (batch, lead_unit): problem_batch_status and problem_lead_status
    # lead with them, and every non-HOT update writes each index.
    batch = models.ForeignKey(
        Batch,
        on_delete=models.PROTECT,
        related_name="problems",
        verbose_name=_("整改批次"),
        db_index=False,
    )
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="problems",
        verbose_name=_("专项整治"),
    )
    source = models.CharField(_("问题来源"), max_length=30, choices=Source)
    origin = models.CharField(_("增量/存量"), max_length=10, choices=Origin, default=Origin.NEW)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="problems",
        verbose_name=_("问题类别"),
    )
    title = models.CharField(_("问题标题"), max_length=300, validators=[validate_line])
    description = models.TextField(_("具体表现"), validators=[validate_text])
    target = models.TextField(_("整改目标"), blank=True, validators=[validate_text])
    severity = models.CharField(
        _("严重程度"), max_length=10, choices=Severity, default=Severity.NORMAL
    )
    amount = models.DecimalField(
        _("涉及金额（万元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    rectify_type = models.CharField(
        _("整改类型"), max_length=20, choices=RectifyType, default=RectifyType.TIME_BOUND
    )
    due_date = models.DateField(_("整改时限"), null=True, blank=True, validators=[validate_date])
    original_due_date = models.DateField(
        _("原定时限"), null=True, blank=True, validators=[validate_date]
    )
    responsible_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("责任领导"),
    )
    lead_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="led_problems",
        verbose_name=_("牵头单位"),
        db_index=False,
    )
    cooperating_units = models.ManyToManyField(
        Unit, blank=True, related_name="cooperating_problems", verbose_name=_("配合单位")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("责任人"),
    )
    supervision_level = models.CharField(
        _("督办级别"), max_length=10, choices=SupervisionLevel, default=SupervisionLevel.NONE
    )
    # Only issues.services.workflow assigns this field.
    status = models.CharField(
        _("整改状态"), max_length=20, choices=Status, default=Status.DRAFT, editable=False
    )
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    # Closed on or before the original due date (按期完成); set by the workflow at close-out.
    closed_on_time = models.BooleanField(_("按期完成"), null=True, blank=True, editable=False)
    reopen_count = models.PositiveIntegerField(_("反弹次数"), default=0, editable=False)
    rework_count = models.PositiveIntegerField(_("退回重改次数"), default=0, editable=False)
    # 重复发生: registered while a similar problem of the same lead unit had been closed within
    # the past 24 months (issues.services.recurrence, at creation and import; never edited).
    is_recurring = models.BooleanField(_("重复发生"), default=False, editable=False)
    recurs_problem = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("此前类似问题"),
    )
    generalization_note = models.TextField(_("举一反三"), blank=True, validators=[validate_text])
    mechanism_note = models.TextField(_("长效机制"), blank=True, validators=[validate_text])
    next_review_date = models.DateField(
        _("下次复核日期"), null=True, blank=True, validators=[validate_date]
    )
    latest_progress = models.TextField(_("最新进展"), blank=True, editable=False)
    remark = models.TextField(_("备注"), blank=True, validators=[validate_text])
    # The earliest due date among its unfinished measures, kept current by the same code, so
    # that the light ("a measure is overdue") is a column comparison, not a subquery per row.
    open_measures_due = models.DateField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Not a column: the workflow's cache of the pending requests (a prefetch, or one query),
    # reset to None whenever an action changes them (issues/services/workflow/rules.py).
    pending_requests: "list[ReviewRequest] | None"
    # Not a column: the plain row problems_reschedule planned from (selectors.ladder_rows),
    # which notifications/ reuses on `schedule_changed` rather than reading it again.
    ladder: Any

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Problems led by the units of a subtree, by state: the lead-unit branch of
            # visible_problems and the statistics' led_problems (issues/selectors/). With the
            # id and created_at (PostgreSQL), the lead-unit branch reads no table rows and a
            # unit's list takes its own problems' order from the index (scope.visible_page):
            # a township's page 1 at 100 000 problems, ~1 400 table pages -> 12 index pages.
            models.Index(
                fields=["lead_unit", "status"],
                name="problem_lead_status",
                include=["id", "created_at"],
            ),
            # Overdue / light / ordering by deadline within a state.
            models.Index(fields=["status", "due_date"], name="problem_status_due"),
            models.Index(fields=["batch", "status"], name="problem_batch_status"),
            # The overdue, most overdue first (the dashboard's list, ?overdue=true by due
            # date): read in order and stopped after a page. Without it PostgreSQL fetched and
            # sorted all 112 000 overdue of 1 000 000 problems for 15 rows (0.6 s).
            models.Index(
                fields=["due_date", "id"],
                name="problem_overdue_due",
                condition=models.Q(status__in=sorted(OVERDUE_STATES)),
            ),
            models.Index(fields=["-created_at", "-id"], name="problem_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=Status.values), name="problem_status_valid"
            ),
        ]
        verbose_name = _("问题")
        verbose_name_plural = _("问题")

    def __str__(self):
        return f"{self.code} {self.title}"

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATES


class MeasureStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未开始")
    IN_PROGRESS = "in_progress", _("推进中")
    DONE = "done", _("已完成")


class Measure(models.Model):
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="measures")
    seq = models.PositiveIntegerField(_("序号"))
    content = models.TextField(_("措施内容"), validators=[validate_text])
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="measures", verbose_name=_("责任单位")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("责任人"),
    )
    due_date = models.DateField(_("完成时限"), null=True, blank=True, validators=[validate_date])
    status = models.CharField(
        _("状态"), max_length=20, choices=MeasureStatus, default=MeasureStatus.NOT_STARTED
    )
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_note = models.TextField(_("完成情况"), blank=True, validators=[validate_text])

    class Meta:
        ordering = ["problem_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["problem", "seq"], name="measure_seq_unique"),
        ]
        indexes = [
            # Scope: problems that have a measure of a unit in the user's subtree.
            models.Index(fields=["unit", "problem"], name="measure_unit_problem"),
            models.Index(fields=["status", "due_date"], name="measure_status_due"),
            # 待办's measures due within the week for the user's units: without it PostgreSQL
            # AND-ed the unit's index with every open measure's (336 000 at 1 000 000
            # problems, 26 of the section's 34 ms).
            models.Index(
                fields=["unit", "due_date"],
                name="measure_open_unit_due",
                condition=models.Q(
                    status__in=[MeasureStatus.NOT_STARTED, MeasureStatus.IN_PROGRESS]
                ),
            ),
        ]
        verbose_name = _("整改措施")
        verbose_name_plural = _("整改措施")

    def __str__(self):
        return f"{self.seq}. {self.content[:30]}"


class ProgressReport(models.Model):
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="progress_reports")
    measure = models.ForeignKey(
        Measure, on_delete=models.SET_NULL, null=True, blank=True, related_name="progress_reports"
    )
    period = models.CharField(_("报送期次"), max_length=10, validators=[validate_line])
    content = models.TextField(_("本期进展"), validators=[validate_text])
    difficulties = models.TextField(
        _("存在困难/未完成原因"), blank=True, validators=[validate_text]
    )
    next_steps = models.TextField(_("下一步措施"), blank=True, validators=[validate_text])
    percent = models.PositiveSmallIntegerField(_("完成百分比"), default=0)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(percent__lte=100), name="progress_percent_max"
            ),
        ]
        verbose_name = _("整改进展")
        verbose_name_plural = _("整改进展")

    def __str__(self):
        return f"{self.problem_id} {self.period}"


class SupervisionKind(models.TextChoices):
    REMIND = "remind", _("提醒")
    URGE = "urge", _("催办")
    LETTER = "letter", _("督办函")
    LISTED = "listed", _("挂牌督办")
    INTERVIEW = "interview", _("约谈")
    BULLETIN = "bulletin", _("通报")


class SupervisionAction(models.Model):
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="supervisions")
    kind = models.CharField(_("督办方式"), max_length=20, choices=SupervisionKind)
    target_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )  # null: issued by the system
    content = models.TextField(_("督办内容"), validators=[validate_text])
    reply_due_date = models.DateField(
        _("回复期限"), null=True, blank=True, validators=[validate_date]
    )
    reply = models.TextField(_("回复"), blank=True, validators=[validate_text])
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("督办记录")
        verbose_name_plural = _("督办记录")

    def __str__(self):
        return f"{self.get_kind_display()} {self.problem_id}"
