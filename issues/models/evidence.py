import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from issues.bounds import validate_line

from .problems import Measure, Problem, ProgressReport
from .requests import ReviewRequest


class EvidenceKind(models.TextChoices):
    REGULATION = "regulation", _("制度文件")
    MINUTES = "minutes", _("会议纪要")
    PHOTO = "photo", _("照片")
    VOUCHER = "voucher", _("财务凭证")
    LEDGER = "ledger", _("台账")
    BULLETIN = "bulletin", _("通报")
    OTHER = "other", _("其他")


class EvidenceStage(models.TextChoices):
    NONE = "", _("不区分")
    BEFORE = "before", _("整改前")
    AFTER = "after", _("整改后")


def evidence_path(instance, filename):
    """A generated name: the uploader's file name never reaches the file system."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"evidence/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}"


class Evidence(models.Model):
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="evidence")
    measure = models.ForeignKey(
        Measure, on_delete=models.SET_NULL, null=True, blank=True, related_name="evidence"
    )
    progress_report = models.ForeignKey(
        ProgressReport, on_delete=models.SET_NULL, null=True, blank=True, related_name="evidence"
    )
    request = models.ForeignKey(
        ReviewRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="evidence"
    )
    kind = models.CharField(
        _("材料类型"), max_length=20, choices=EvidenceKind, default=EvidenceKind.OTHER
    )
    stage = models.CharField(
        _("阶段"), max_length=10, choices=EvidenceStage, blank=True, default=""
    )
    description = models.CharField(
        _("说明"), max_length=300, blank=True, validators=[validate_line]
    )
    file = models.FileField(upload_to=evidence_path, max_length=200)
    file_name = models.CharField(_("原文件名"), max_length=255)
    size = models.PositiveBigIntegerField(_("大小"))
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")

    def __str__(self):
        return self.file_name
