"""Forms of the problem page. They only parse input; the services decide what is allowed.

Every choice list is built from the problem itself (its lead and cooperating units, its
measures) or through the scope selectors, so a form never offers what the user may not see.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from issues.bounds import validate_date, validate_line, validate_text
from issues.models import EvidenceKind, EvidenceStage, Measure, MeasureStatus, Unit
from issues.selectors.scope import visible_users
from issues.services.org import display_name
from issues.services.reports import normalize_period
from issues.views.choices import GroupedUserField


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return display_name(obj)


class MeasureChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        text = obj.content if len(obj.content) <= 30 else obj.content[:30] + "…"
        return f"{obj.seq}. {text}"


def _problem_units(problem, allowed_unit_ids=None):
    ids = {problem.lead_unit_id, *(u.pk for u in problem.cooperating_units.all())}
    if allowed_unit_ids is not None:
        ids &= set(allowed_unit_ids)
    return Unit.objects.filter(pk__in=ids).order_by("path")  # tree order


def _owners(user, problem):
    units = [problem.lead_unit_id, *(u.pk for u in problem.cooperating_units.all())]
    return (
        visible_users(user)
        .filter(memberships__unit_id__in=units)
        .distinct()
        .order_by("first_name", "username")
    )


class MeasureForm(forms.Form):
    content = forms.CharField(
        validators=[validate_text], label=_("措施内容"), widget=forms.Textarea(attrs={"rows": 3})
    )
    unit = forms.ModelChoiceField(label=_("责任单位"), queryset=Unit.objects.none())
    due_date = forms.DateField(
        validators=[validate_date],
        label=_("完成时限"),
        required=False,
        widget=DateInput(),
        help_text=_("不填则与问题的整改时限相同。"),
    )

    def __init__(self, *args, user, problem, unit_ids=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _problem_units(problem, unit_ids)
        self.fields["unit"].empty_label = None
        units = [problem.lead_unit_id, *(u.pk for u in problem.cooperating_units.all())]
        self.fields["owner"] = GroupedUserField(
            users=_owners(user, problem), units=units, label=_("责任人")
        )
        self.order_fields(["content", "unit", "owner", "due_date"])


class MeasureEditForm(MeasureForm):
    status = forms.ChoiceField(label=_("状态"), choices=MeasureStatus.choices)
    done_note = forms.CharField(
        validators=[validate_text],
        label=_("完成情况"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    field_order = ["content", "unit", "owner", "due_date", "status", "done_note"]


class MeasureDoneForm(forms.Form):
    done_note = forms.CharField(
        validators=[validate_text],
        label=_("完成情况"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("简述措施落实情况，便于审核。"),
    )


def _current_period():
    return timezone.localdate().strftime("%Y-%m")


class ProgressForm(forms.Form):
    period = forms.CharField(
        validators=[validate_line],
        label=_("报送期次"),
        max_length=20,
        initial=_current_period,
        help_text=_("按月填 2026年3月 或 2026-03，按周填 2026年第10周 或 2026-W10。"),
    )
    measure = MeasureChoiceField(
        label=_("对应措施"), queryset=Measure.objects.none(), required=False
    )
    content = forms.CharField(
        validators=[validate_text], label=_("本期进展"), widget=forms.Textarea(attrs={"rows": 3})
    )
    difficulties = forms.CharField(
        validators=[validate_text],
        label=_("存在困难/未完成原因"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    next_steps = forms.CharField(
        validators=[validate_text],
        label=_("下一步措施"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    percent = forms.IntegerField(label=_("完成百分比"), min_value=0, max_value=100, initial=0)

    def __init__(self, *args, problem, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].queryset = problem.measures.order_by("seq")
        self.fields["measure"].empty_label = _("（整体进展）")

    def clean_period(self):
        # 2026年第10周 → 2026-W10, 2026年3月 → 2026-03; the service checks the result.
        return normalize_period(self.cleaned_data["period"])


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe): cleans to a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class EvidenceForm(forms.Form):
    file = MultipleFileField(
        label=_("文件（可多选）"),
        help_text=_(
            "一次可选多个文件，共用下面的类型、阶段和说明；支持 pdf、jpg、png、doc、docx、xls、xlsx、ofd、zip。"
        ),
    )
    kind = forms.ChoiceField(label=_("材料类型"), choices=EvidenceKind.choices)
    stage = forms.ChoiceField(
        label=_("阶段"), choices=EvidenceStage.choices, required=False, help_text=_("照片适用。")
    )
    measure = MeasureChoiceField(
        label=_("对应措施"), queryset=Measure.objects.none(), required=False
    )
    description = forms.CharField(
        validators=[validate_line], label=_("说明"), max_length=300, required=False
    )

    def __init__(self, *args, problem, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].queryset = problem.measures.order_by("seq")
        self.fields["measure"].empty_label = _("（不对应具体措施）")


class EvidenceReplaceForm(forms.Form):
    file = forms.FileField(label=_("新文件"))


class ReplyForm(forms.Form):
    reply = forms.CharField(
        validators=[validate_text], label=_("回复内容"), widget=forms.Textarea(attrs={"rows": 3})
    )


def add_domain_errors(form, exc):
    """Put a service's field errors on the form's fields (others become non-field errors)."""
    placed = False
    for name, messages in (exc.errors or {}).items():
        for message in messages if isinstance(messages, list) else [messages]:
            form.add_error(name if name in form.fields else None, str(message))
            placed = True
    if not placed:
        form.add_error(None, exc.detail)
