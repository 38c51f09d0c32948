from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .batches import Batch
from .units import Unit


class ReportPeriod(models.Model):
    """One period of a batch's reporting rhythm (第N周, 某月, 某月上旬…), opened on its first day."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="report_periods")
    period = models.CharField(_("报送期次"), max_length=10)  # 2026-W10, 2026-03, 2026-03上旬
    starts_on = models.DateField(_("开始日期"))
    due_on = models.DateField(_("报送截止日期"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "period"], name="report_period_once"),
        ]
        verbose_name = _("报送期次")
        verbose_name_plural = _("报送期次")

    def __str__(self):
        return f"{self.batch} {self.period}"


class ReportTask(models.Model):
    """A unit's duty to report for one period; the unique key makes a second submission (or a
    second opening of the period) unable to create it twice."""

    period = models.ForeignKey(ReportPeriod, on_delete=models.CASCADE, related_name="tasks")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    chased_at = models.DateTimeField(_("最近催报时间"), null=True, blank=True)
    chase_count = models.PositiveSmallIntegerField(_("催报次数"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "unit"], name="report_task_once"),
        ]
        indexes = [
            # A unit's 待办: its unsubmitted tasks.
            models.Index(
                fields=["unit"], name="report_task_open", condition=models.Q(submitted_at=None)
            ),
        ]
        verbose_name = _("报送任务")
        verbose_name_plural = _("报送任务")

    def __str__(self):
        return f"{self.period} {self.unit}"
