"""Follow-up reviews (回头看) and the register of rules made (建章立制)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from issues.bounds import validate_date, validate_line, validate_text

from .problems import Problem
from .units import Unit


class FollowUpResult(models.TextChoices):
    CONSOLIDATED = "consolidated", _("巩固")
    NOT_EFFECTIVE = "not_effective", _("整改不到位")
    RELAPSED = "relapsed", _("反弹")


# Results that send the problem back into rectification through the workflow's `reopen`.
REOPENING_RESULTS = frozenset({FollowUpResult.NOT_EFFECTIVE, FollowUpResult.RELAPSED})


class FollowUpReview(models.Model):
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="follow_ups")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    review_date = models.DateField(_("回头看日期"), validators=[validate_date])
    result = models.CharField(_("结论"), max_length=20, choices=FollowUpResult)
    findings = models.TextField(_("发现情况"), blank=True, validators=[validate_text])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-review_date", "-id"]
        verbose_name = _("回头看")
        verbose_name_plural = _("回头看")

    def __str__(self):
        return f"{self.problem_id} {self.get_result_display()}"


class RegulationKind(models.TextChoices):
    NEW = "new", _("新建")
    REVISED = "revised", _("修订")
    ABOLISHED = "abolished", _("废止")


class Regulation(models.Model):
    name = models.CharField(_("制度名称"), max_length=200, validators=[validate_line])
    doc_no = models.CharField(_("文号"), max_length=100, blank=True, validators=[validate_line])
    kind = models.CharField(
        _("类型"), max_length=20, choices=RegulationKind, default=RegulationKind.NEW
    )
    issued_on = models.DateField(_("印发日期"), validators=[validate_date])
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="regulations", verbose_name=_("制定单位")
    )
    problems = models.ManyToManyField(
        Problem, blank=True, related_name="regulations", verbose_name=_("关联问题")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        indexes = [models.Index(fields=["unit", "issued_on"], name="regulation_unit_date")]
        verbose_name = _("建章立制")
        verbose_name_plural = _("建章立制")

    def __str__(self):
        return self.name
