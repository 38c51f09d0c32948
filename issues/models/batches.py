from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from issues.bounds import (
    day_validators,
    validate_date,
    validate_line,
    validate_remind_days,
    validate_text,
)

from .units import Unit


class Source(models.TextChoices):
    RESEARCH = "research", _("调查研究")
    PETITION = "petition", _("群众信访诉求")
    INSPECTION = "inspection", _("巡视")
    CIRCUIT_INSPECTION = "circuit_inspection", _("巡察")
    AUDIT = "audit", _("审计监督")
    SUPERVISION = "supervision", _("督察")
    SELF_EXAMINATION = "self_examination", _("检视剖析")
    ASSIGNED_BY_SUPERIOR = "assigned_by_superior", _("上级交办")
    OTHER = "other", _("其他")


class StepKind(models.TextChoices):
    UNIT_HEAD = "unit_head", _("单位负责人审核")
    OFFICE = "office", _("整改办审核")
    LEADER = "leader", _("责任领导审批")


class ReportCycle(models.TextChoices):
    NONE = "none", _("不定期")
    WEEKLY = "weekly", _("周报")
    TEN_DAYS = "ten_days", _("旬报")
    MONTHLY = "monthly", _("月报")


def default_chain():
    return [StepKind.UNIT_HEAD.value, StepKind.OFFICE.value]


def review_chain_error(chain) -> str | None:
    """Why `chain` is not a usable review chain, or None. A chain is a non-empty list of
    distinct known step kinds: an unknown kind could never be decided, and a repeated kind
    would have to be signed twice by different holders of one role (nobody signs two steps).
    Every door that sets a chain (services, API, pages, admin) and the workflow ask this."""
    if not isinstance(chain, list) or not chain:
        return "审核链不能为空。"
    if any(step not in StepKind.values for step in chain):
        return f"审核环节只能是：{'、'.join(StepKind.values)}。"
    if len(set(chain)) != len(chain):
        return "审核链中的环节不能重复。"
    return None


def default_remind_days():
    return [7, 3, 1]


class Category(models.Model):
    """The per-installation dictionary of problem categories (问题类别)."""

    name = models.CharField(_("名称"), max_length=50, unique=True, validators=[validate_line])
    sort = models.PositiveIntegerField(_("排序"), default=0)
    # A category in use is deactivated, never deleted: its problems keep it, new ones cannot.
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["sort", "id"]
        verbose_name = _("问题类别")
        verbose_name_plural = _("问题类别")

    def __str__(self):
        return self.name


class Batch(models.Model):
    name = models.CharField(_("批次名称"), max_length=200, validators=[validate_line])
    source = models.CharField(_("问题来源"), max_length=30, choices=Source, default=Source.OTHER)
    issuer = models.CharField(_("交办机关"), max_length=100, blank=True, validators=[validate_line])
    doc_no = models.CharField(_("文号"), max_length=100, blank=True, validators=[validate_line])
    received_date = models.DateField(
        _("接收日期"), null=True, blank=True, validators=[validate_date]
    )
    default_due_date = models.DateField(
        _("默认整改时限"), null=True, blank=True, validators=[validate_date]
    )
    # Or "N个工作日内" from the day a problem is registered (SPEC §12); the date wins if both.
    default_due_working_days = models.PositiveSmallIntegerField(
        _("默认整改时限（工作日）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
    )
    code_prefix = models.CharField(
        _("编号前缀"), max_length=30, unique=True, validators=[validate_line]
    )
    # Problem codes come from this counter, incremented under a row lock (see next_problem_code).
    last_seq = models.PositiveIntegerField(default=0, editable=False)
    needs_list_review = models.BooleanField(_("清单需审核"), default=False)
    closeout_chain = models.JSONField(_("销号审核链"), default=default_chain)
    extension_chain = models.JSONField(_("延期审核链"), default=default_chain)
    max_extension_days = models.PositiveIntegerField(
        _("累计延期上限（天）"),
        null=True,
        blank=True,
        validators=day_validators("max_extension_days"),
    )
    yellow_days = models.PositiveIntegerField(
        _("黄灯提前天数"), default=7, validators=day_validators("yellow_days")
    )
    remind_days_before = models.JSONField(
        _("到期前提醒（天）"), default=default_remind_days, validators=[validate_remind_days]
    )
    overdue_repeat_days = models.PositiveIntegerField(
        _("逾期重复提醒间隔（天）"), default=3, validators=day_validators("overdue_repeat_days")
    )
    escalate_after_days = models.PositiveIntegerField(
        _("逾期升级（天）"), default=7, validators=day_validators("escalate_after_days")
    )
    review_pending_days = models.PositiveIntegerField(
        _("审核超时提醒（天）"), default=5, validators=day_validators("review_pending_days")
    )
    # The issuing office: only office admins whose scope holds it change the batch's rules
    # (docs/permissions.md). Null: installation-wide, written by superusers and office admins
    # at a root unit.
    owner_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_batches",
        verbose_name=_("发文单位"),
    )
    # The reporting rhythm (SPEC §12): "none", "weekly", "ten_days" or "monthly"; the due day is
    # a weekday 1–7 for weekly, a day of the month 1–28 for monthly, unused for ten_days.
    report_cycle = models.CharField(
        _("报送周期"), max_length=10, choices=ReportCycle, default=ReportCycle.NONE
    )
    report_due_day = models.PositiveSmallIntegerField(_("报送截止日"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("整改批次")
        verbose_name_plural = _("整改批次")

    def __str__(self):
        return self.name


class Campaign(models.Model):
    name = models.CharField(_("专项整治名称"), max_length=200, validators=[validate_line])
    lead_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("牵头单位")
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("分管领导"),
    )
    start_date = models.DateField(_("开始日期"), null=True, blank=True, validators=[validate_date])
    end_date = models.DateField(_("结束日期"), null=True, blank=True, validators=[validate_date])
    goal = models.TextField(_("目标"), blank=True, validators=[validate_text])
    # The issuing office, as for batches (docs/permissions.md).
    owner_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_campaigns",
        verbose_name=_("发文单位"),
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("专项整治")
        verbose_name_plural = _("专项整治")

    def __str__(self):
        return self.name
