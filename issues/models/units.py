from django.conf import settings
from django.db import models
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext_lazy as _

from issues.bounds import validate_line


class UnitKind(models.TextChoices):
    PARTY_DEPT = "party_dept", _("党委部门")
    GOV_DEPT = "gov_dept", _("政府部门")
    TOWNSHIP = "township", _("乡镇街道")
    INSTITUTION = "institution", _("事业单位")
    SOE = "soe", _("国有企业")
    VILLAGE = "village", _("村社区")
    OTHER = "other", _("其他")


class Unit(models.Model):
    name = models.CharField(_("名称"), max_length=100, validators=[validate_line])
    short_name = models.CharField(_("简称"), max_length=50, blank=True, validators=[validate_line])
    code = models.CharField(_("代码"), max_length=50, unique=True, validators=[validate_line])
    kind = models.CharField(_("类型"), max_length=20, choices=UnitKind, default=UnitKind.OTHER)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级单位"),
    )
    # Materialised path "/1/4/9/": a subtree is one indexed prefix query (scope, `unit` filter).
    path = models.CharField(max_length=500, editable=False, db_index=True, default="")
    is_active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["sort", "id"]
        verbose_name = _("单位")
        verbose_name_plural = _("单位")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self.pk is None:
            super().save(*args, **kwargs)
            kwargs = {k: v for k, v in kwargs.items() if k not in ("force_insert", "using")}
        old_path = self.path
        self.path = f"{self.parent.path if self.parent else '/'}{self.pk}/"
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            # Re-parented: move the whole subtree's paths along with it.
            Unit.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                path=Concat(Value(self.path), Substr("path", len(old_path) + 1))
            )


class Role(models.TextChoices):
    OFFICE_ADMIN = "office_admin", _("整改办管理员")
    OFFICE_REVIEWER = "office_reviewer", _("整改办审核员")
    LEADER = "leader", _("责任领导")
    UNIT_HEAD = "unit_head", _("单位主要负责人")
    UNIT_ADMIN = "unit_admin", _("单位联络员")
    UNIT_STAFF = "unit_staff", _("经办人")
    VIEWER = "viewer", _("只读")


OFFICE_ROLES = frozenset({Role.OFFICE_ADMIN, Role.OFFICE_REVIEWER})


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("角色"), max_length=20, choices=Role)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique")
        ]
        verbose_name = _("任职")
        verbose_name_plural = _("任职")

    def __str__(self):
        return f"{self.user} @ {self.unit} ({self.get_role_display()})"
