"""The forms of the register (登记问题) and edit pages.

Field names are the API's (`POST /api/v1/problems/`), so a tool that fills the page's form and
one that calls the API send the same names. The forms only parse input and offer choices
through the scope selectors; problem_create / problem_update decide what is allowed.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from issues.models import (
    Batch,
    Category,
    Membership,
    Origin,
    RectifyType,
    Role,
    Severity,
    Source,
    Unit,
)
from issues.selectors.leaders import LEADER_RULE, leaders_eligible_for
from issues.selectors.scope import scope_units, visible_campaigns, visible_users
from issues.services.problems import DUE_DATE_EDITABLE_STATES, lead_units_for
from issues.views.choices import GroupedUserField, TreeUnitField, TreeUnitsField
from issues.views.forms import DateInput

User = get_user_model()
# Blank measure rows shown without JavaScript; "再加一条措施" adds more with it.
MEASURE_ROWS = 3
MAX_MEASURES = 50
TEXT = {"rows": 3}


def leaders(lead_units):
    """People the dropdown offers as 责任领导: those eligible for some unit the form may name
    as lead unit (the rule of issues.selectors.leaders; the service checks the chosen pair)."""
    if isinstance(lead_units, Unit):
        return leaders_eligible_for(lead_units)
    ancestors = {
        int(part)
        for path in lead_units.values_list("path", flat=True)
        for part in path.strip("/").split("/")
        if part
    }
    leader_roles = Membership.objects.filter(
        user_id=OuterRef("pk"), role=Role.LEADER, unit_id__in=ancestors
    )
    return User.objects.filter(is_active=True).filter(Exists(leader_roles))


class ProblemForm(forms.Form):
    batch = forms.ModelChoiceField(label=_("整改批次"), queryset=Batch.objects.none())
    title = forms.CharField(label=_("问题标题"), max_length=300)
    description = forms.CharField(label=_("具体表现"), widget=forms.Textarea(attrs=TEXT))
    target = forms.CharField(label=_("整改目标"), required=False, widget=forms.Textarea(attrs=TEXT))
    source = forms.ChoiceField(label=_("问题来源"), choices=Source.choices)
    origin = forms.ChoiceField(label=_("增量/存量"), choices=Origin.choices, initial=Origin.NEW)
    category = forms.ModelChoiceField(
        label=_("问题类别"), queryset=Category.objects.none(), required=False
    )
    severity = forms.ChoiceField(label=_("严重程度"), choices=Severity.choices)
    amount = forms.DecimalField(
        label=_("涉及金额（万元）"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_("审计发现的问题填写。"),
    )
    rectify_type = forms.ChoiceField(label=_("整改类型"), choices=RectifyType.choices)
    due_date = forms.DateField(
        label=_("整改时限"),
        required=False,
        widget=DateInput(),
        help_text=_("不填则取批次的默认整改时限；长期坚持的问题可不填。"),
    )
    next_review_date = forms.DateField(
        label=_("下次复核日期"), required=False, widget=DateInput(), help_text=_("长期坚持适用。")
    )
    generalization_note = forms.CharField(
        label=_("举一反三"), required=False, widget=forms.Textarea(attrs=TEXT)
    )
    mechanism_note = forms.CharField(
        label=_("长效机制"), required=False, widget=forms.Textarea(attrs=TEXT)
    )
    remark = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs=TEXT))

    def __init__(self, *args, user, problem=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.problem = problem
        self.fields["batch"].queryset = Batch.objects.order_by("-received_date", "-pk")
        # Active categories, and the problem's own even if it was retired since.
        categories = Q(is_active=True)
        if problem is not None and problem.category_id:
            categories |= Q(pk=problem.category_id)
        self.fields["category"].queryset = Category.objects.filter(categories).order_by(
            "sort", "pk"
        )
        lead_units = lead_units_for(user)
        if problem is not None:  # the current lead unit stays selectable
            lead_units = Unit.objects.filter(
                Q(pk__in=lead_units.values("pk")) | Q(pk=problem.lead_unit_id)
            )
        units = scope_units(user)
        users = visible_users(user)
        self.fields["lead_unit"] = TreeUnitField(units=lead_units, label=_("牵头单位"))
        self.fields["cooperating_units"] = TreeUnitsField(
            units=units,
            label=_("配合单位"),
            required=False,
            widget=forms.SelectMultiple(attrs={"size": 6}),
            help_text=_("按住 Ctrl（手机上直接点选）可选多个。"),
        )
        self.fields["campaign"] = forms.ModelChoiceField(
            label=_("专项整治"), queryset=visible_campaigns(user), required=False
        )
        self.fields["responsible_leader"] = GroupedUserField(
            users=leaders(lead_units if problem is None else problem.lead_unit),
            roles=[Role.LEADER],
            label=_("责任领导"),
            help_text=LEADER_RULE,
        )
        self.fields["owner"] = GroupedUserField(users=users, label=_("责任人"))
        self.order_fields(
            [
                "batch",
                "campaign",
                "title",
                "description",
                "target",
                "lead_unit",
                "cooperating_units",
                "responsible_leader",
                "owner",
                "source",
                "origin",
                "category",
                "severity",
                "amount",
                "rectify_type",
                "due_date",
                "next_review_date",
                "generalization_note",
                "mechanism_note",
                "remark",
            ]
        )
        if problem is not None:
            del self.fields["batch"]  # a problem's code belongs to its batch
            if problem.status not in DUE_DATE_EDITABLE_STATES:
                due = self.fields["due_date"]
                due.widget.attrs["readonly"] = True
                due.help_text = _(
                    "交办后整改时限只能通过延期申请、退回或反弹重改调整，不能直接修改。"
                )

    def service_fields(self) -> dict:
        """What to hand the service: on edit, only the fields the user changed."""
        data = dict(self.cleaned_data)
        data["amount"] = data.get("amount")
        if self.problem is not None:
            return {name: data[name] for name in self.changed_data if name in data}
        return data


def problem_initial(problem) -> dict:
    fields = [
        "campaign",
        "title",
        "description",
        "target",
        "source",
        "origin",
        "category",
        "severity",
        "amount",
        "rectify_type",
        "due_date",
        "next_review_date",
        "generalization_note",
        "mechanism_note",
        "remark",
        "lead_unit",
        "responsible_leader",
        "owner",
    ]
    initial = {name: getattr(problem, f"{name}_id", None) for name in fields}
    for name in fields:
        if not hasattr(problem, f"{name}_id"):
            initial[name] = getattr(problem, name)
    initial["cooperating_units"] = [u.pk for u in problem.cooperating_units.all()]
    return initial


class MeasureRowForm(forms.Form):
    """One measure of the register form; an untouched blank row is skipped."""

    content = forms.CharField(label=_("措施内容"), widget=forms.Textarea(attrs={"rows": 2}))
    due_date = forms.DateField(label=_("完成时限"), required=False, widget=DateInput())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = TreeUnitField(
            units=scope_units(user),
            label=_("责任单位"),
            required=False,
            empty_label=_("（牵头单位）"),
        )
        self.fields["owner"] = GroupedUserField(users=visible_users(user), label=_("责任人"))
        self.order_fields(["content", "unit", "owner", "due_date"])


class BaseMeasureFormSet(forms.BaseFormSet):
    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "user": self.user}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            user=self.user,
        )
        self.add_fields(form, None)
        return form

    def measures(self) -> list[dict]:
        """The filled rows as the service's inline measures ({content, unit, owner, due_date})."""
        return [form.cleaned_data for form in self.forms if form.cleaned_data.get("content")]


MeasureFormSet = forms.formset_factory(
    MeasureRowForm,
    formset=BaseMeasureFormSet,
    extra=MEASURE_ROWS,
    max_num=MAX_MEASURES,
    validate_max=True,
    absolute_max=MAX_MEASURES,
)
