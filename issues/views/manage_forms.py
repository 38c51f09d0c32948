"""Forms of the administration pages. They parse input; the services decide what is allowed.

Choices come from the scope selectors (units the admin administers, users they can see), so a
form never offers what the admin may not use; the services check everything again.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from issues.bounds import validate_date, validate_line, validate_remind_days, validate_text
from issues.models import Batch, Role, Source, StepKind, UnitKind
from issues.selectors.scope import visible_users
from issues.views.forms import DateInput, UserChoiceField
from issues.views.manage_common import indented_units, managed_units

User = get_user_model()
CHAIN_LENGTH = 3


class IndentedUnitField(forms.ModelChoiceField):
    """A unit <select> in tree order with its depth shown by indentation."""

    def __init__(self, *, user, exclude_path="", **kwargs):
        queryset = managed_units(user)
        if exclude_path:  # a unit can be moved under neither itself nor its own subtree
            queryset = queryset.exclude(path__startswith=exclude_path)
        super().__init__(queryset=queryset, **kwargs)
        self._labels = dict(indented_units(user, queryset))

    def label_from_instance(self, obj):
        return self._labels.get(obj.pk, obj.name)


class UnitForm(forms.Form):
    name = forms.CharField(validators=[validate_line], label=_("单位名称"), max_length=100)
    short_name = forms.CharField(
        validators=[validate_line], label=_("简称"), max_length=50, required=False
    )
    code = forms.CharField(
        validators=[validate_line],
        label=_("单位代码"),
        max_length=50,
        help_text=_("全县唯一，导入问题清单时可按代码匹配单位。"),
    )
    kind = forms.ChoiceField(label=_("单位类型"), choices=UnitKind.choices)
    sort = forms.IntegerField(
        label=_("排序"), min_value=0, initial=0, help_text=_("数字小的排在前面。")
    )

    def __init__(self, *args, user, unit=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"] = IndentedUnitField(
            user=user,
            exclude_path=unit.path if unit else "",
            label=_("上级单位"),
            required=not user.is_superuser,
            empty_label=_("（无，顶级单位）") if user.is_superuser else None,
        )
        if unit is not None:
            self.fields["is_active"] = forms.BooleanField(label=_("启用"), required=False)
        self.order_fields(["name", "short_name", "code", "kind", "parent", "sort", "is_active"])


class UserCreateForm(forms.Form):
    """A new account and its first role: an account without a role would be outside the
    creating admin's scope, so the two are made together."""

    username = forms.CharField(label=_("登录名"), max_length=150)
    display_name = forms.CharField(validators=[validate_line], label=_("姓名"), max_length=150)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    password = forms.CharField(
        label=_("初始密码"),
        widget=forms.PasswordInput(render_value=True),
        help_text=_("请通知本人登录后修改密码。"),
    )
    role = forms.ChoiceField(label=_("角色"), choices=[("", _("（请选择角色）")), *Role.choices])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = IndentedUnitField(
            user=user, label=_("所在单位"), empty_label=_("（请选择单位）")
        )
        self.order_fields(["username", "display_name", "email", "password", "unit", "role"])


class GrantForm(forms.Form):
    # No default: granting 整改办管理员 by overlooking a pre-selected value must not happen.
    role = forms.ChoiceField(label=_("角色"), choices=[("", _("（请选择角色）")), *Role.choices])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = IndentedUnitField(
            user=user, label=_("单位"), empty_label=_("（请选择单位）")
        )
        self.order_fields(["unit", "role"])


def _chain_choices():
    return [("", _("（无）")), *StepKind.choices]


class BatchForm(forms.ModelForm):
    """The batch's own fields plus its two review chains as ordered selects."""

    remind_days_before = forms.CharField(
        label=_("到期前提醒（天）"),
        help_text=_("用逗号分隔，例如 7,3,1：到期前第7、3、1天各提醒一次。"),
    )

    class Meta:
        model = Batch
        fields = [
            "name",
            "source",
            "issuer",
            "doc_no",
            "received_date",
            "default_due_date",
            "code_prefix",
            "needs_list_review",
            "yellow_days",
            "overdue_repeat_days",
            "escalate_after_days",
            "review_pending_days",
            "max_extension_days",
        ]
        widgets = {"received_date": DateInput(), "default_due_date": DateInput()}
        help_texts = {
            "code_prefix": _("问题编号的前缀，例如 2024-XC3；已有问题编号后不能修改。"),
            "yellow_days": _("距整改时限不足该天数时亮黄灯。"),
            "escalate_after_days": _("逾期满该天数后升级提醒整改办和责任领导，并挂牌督办。"),
            "max_extension_days": _("不填则不限。"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = Source.choices
        batch = self.instance
        for chain in ("closeout_chain", "extension_chain"):
            current = list(getattr(batch, chain) or []) if batch.pk else StepKind.values[:2]
            for i in range(CHAIN_LENGTH):
                name = f"{chain}_{i + 1}"
                self.fields[name] = forms.ChoiceField(
                    label=_("第%(n)s步") % {"n": i + 1},
                    choices=_chain_choices(),
                    required=False,
                    initial=current[i] if i < len(current) else "",
                )
        if not self.is_bound and batch.pk:
            self.initial["remind_days_before"] = ",".join(str(d) for d in batch.remind_days_before)
        elif not self.is_bound:
            self.initial["remind_days_before"] = "7,3,1"

    def validate_unique(self):
        """Uniqueness of the prefix is the service's to answer (the same words as the API)."""

    def chain_fields(self, chain):
        return [self[f"{chain}_{i + 1}"] for i in range(CHAIN_LENGTH)]

    def clean_remind_days_before(self):
        text = self.cleaned_data["remind_days_before"].replace("，", ",")
        try:
            days = [int(part) for part in text.split(",") if part.strip()]
        except ValueError as exc:
            raise forms.ValidationError(_("请填写用逗号分隔的整数。")) from exc
        validate_remind_days(days)
        return days

    def service_fields(self) -> dict:
        """cleaned_data as batch_create/batch_update take it (chains as ordered lists)."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["remind_days_before"] = self.cleaned_data["remind_days_before"]
        for chain in ("closeout_chain", "extension_chain"):
            data[chain] = [
                self.cleaned_data[f"{chain}_{i + 1}"]
                for i in range(CHAIN_LENGTH)
                if self.cleaned_data.get(f"{chain}_{i + 1}")
            ]
        for name in ("issuer", "doc_no"):
            data[name] = data[name] or ""
        return data


class CampaignForm(forms.Form):
    name = forms.CharField(validators=[validate_line], label=_("专项整治名称"), max_length=200)
    start_date = forms.DateField(
        validators=[validate_date], label=_("开始日期"), required=False, widget=DateInput()
    )
    end_date = forms.DateField(
        validators=[validate_date], label=_("结束日期"), required=False, widget=DateInput()
    )
    goal = forms.CharField(
        validators=[validate_text],
        label=_("目标"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"] = IndentedUnitField(
            user=user, label=_("牵头单位"), empty_label=_("（请选择单位）")
        )
        self.fields["leader"] = UserChoiceField(
            label=_("分管领导"),
            queryset=visible_users(user).filter(is_active=True).order_by("first_name", "username"),
            required=False,
        )
        self.order_fields(["name", "lead_unit", "leader", "start_date", "end_date", "goal"])
