from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from issues.bounds import validate_date, validate_text

from .batches import StepKind
from .problems import Problem

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class RequestType(models.TextChoices):
    CLOSEOUT = "closeout", _("销号申请")
    EXTENSION = "extension", _("延期申请")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("审核中")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("已退回")
    WITHDRAWN = "withdrawn", _("已撤回")  # close-out, by the applicant
    CANCELLED = "cancelled", _("已取消")  # extension, when the problem leaves the flow


class ExtensionKind(models.TextChoices):
    EXTEND = "extend", _("延期")
    LONG_TERM = "long_term", _("转长期坚持")


class ReviewRequest(models.Model):
    """A close-out (销号) or extension (延期/转长期) request and its review chain."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="requests")
    request_type = models.CharField(max_length=20, choices=RequestType)
    status = models.CharField(
        _("状态"), max_length=20, choices=RequestStatus, default=RequestStatus.PENDING
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # State the problem was in when the request was filed (withdraw_closeout returns to it).
    from_state = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # The kind of the step waiting for a decision (its first undecided one) while the request
    # is pending, else "". Kept by the workflow where steps are created and decided
    # (services/workflow/effects.py), so the review inbox filters on a column instead of
    # finding every pending request's current step (selectors/reviews.py).
    current_step_kind = models.CharField(max_length=20, choices=StepKind, blank=True)

    # Close-out (销号申请)
    summary = models.TextField(_("整改完成情况"), blank=True, validators=[validate_text])
    self_check = models.JSONField(_("自查"), default=dict, blank=True)
    rework_requirement = models.TextField(_("补充整改要求"), blank=True, validators=[validate_text])
    new_due_date = models.DateField(
        _("新整改时限"), null=True, blank=True, validators=[validate_date]
    )

    # Extension (延期申请)
    kind = models.CharField(_("申请类型"), max_length=20, choices=ExtensionKind, blank=True)
    original_due_date = models.DateField(
        _("原整改时限"), null=True, blank=True, validators=[validate_date]
    )
    requested_due_date = models.DateField(
        _("申请延至"), null=True, blank=True, validators=[validate_date]
    )
    reason = models.TextField(_("延期理由"), blank=True, validators=[validate_text])
    progress_so_far = models.TextField(_("目前进展"), blank=True, validators=[validate_text])
    stage_goal = models.TextField(_("阶段目标"), blank=True, validators=[validate_text])
    next_review_date = models.DateField(
        _("下次复核日期"), null=True, blank=True, validators=[validate_date]
    )

    # Not a column: the label of the step a reader is asked to sign, set for display by
    # issues/selectors/leader_desk.py.
    step_label: "StrOrPromise"

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # At most one pending request of each type per problem (SPEC §2).
            models.UniqueConstraint(
                fields=["problem", "request_type"],
                condition=models.Q(status="pending"),
                name="request_one_pending_per_type",
            ),
        ]
        indexes = [
            # The review inbox: pending requests by the kind of step that waits, oldest first.
            models.Index(
                fields=["current_step_kind", "created_at", "id"],
                name="request_pending_step",
                condition=models.Q(status="pending"),
            ),
        ]
        verbose_name = _("审核申请")
        verbose_name_plural = _("审核申请")

    def __str__(self):
        return f"{self.get_request_type_display()} #{self.pk}"

    def current_step(self):
        """The first undecided step; steps must be prefetched or are queried once."""
        if self.status != RequestStatus.PENDING:
            return None
        for step in self.steps.all():
            if step.decision == "":
                return step
        return None


class Decision(models.TextChoices):
    APPROVE = "approve", _("同意")
    REJECT = "reject", _("退回")


class ReviewStep(models.Model):
    request = models.ForeignKey(ReviewRequest, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    step_kind = models.CharField(_("审核环节"), max_length=20, choices=StepKind)
    decision = models.CharField(_("意见"), max_length=10, choices=Decision, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opinion = models.TextField(_("审核意见"), blank=True, validators=[validate_text])
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["request_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["request", "position"], name="step_position_unique"),
        ]
        verbose_name = _("审核环节")
        verbose_name_plural = _("审核环节")

    def __str__(self):
        return f"{self.request_id}/{self.position} {self.step_kind}"
