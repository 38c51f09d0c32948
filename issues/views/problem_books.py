"""The problem page's books section: its 回头看 (follow-up reviews, and the form to record one
on a closed problem) and the 建章立制 linked to it. The registers of both are books pages
(books/views/records.py); the records are domain tables (issues.services.books).
"""

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy

from issues.bounds import validate_date, validate_text
from issues.models import FollowUpResult, Status
from issues.selectors.books import visible_regulations
from issues.services.books import may_follow_up, may_write_regulation
from issues.views.forms import DateInput


class FollowUpForm(forms.Form):
    review_date = forms.DateField(
        validators=[validate_date],
        label=gettext_lazy("回头看日期"),
        widget=DateInput(),
        initial=timezone.localdate,
    )
    result = forms.ChoiceField(
        label=gettext_lazy("结论"), choices=FollowUpResult.choices, widget=forms.RadioSelect
    )
    findings = forms.CharField(
        validators=[validate_text],
        label=gettext_lazy("发现情况"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("结论为“整改不到位”或“反弹”时必填，问题将重新进入整改。"),
    )
    new_due_date = forms.DateField(
        validators=[validate_date],
        label=gettext_lazy("重新整改时限"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy("结论为“整改不到位”或“反弹”时必填。"),
    )
    confirm_earlier = forms.BooleanField(
        label=gettext_lazy("确认提前：重新整改时限早于原整改时限"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "fu")
        super().__init__(*args, **kwargs)


def problem_books_context(request, problem, forms_: dict) -> dict:
    """What the problem page shows of the books: follow-ups, regulations, the print form."""
    user = request.user
    follow_ups = list(problem.follow_ups.select_related("reviewer").order_by("-review_date", "-id"))
    can_follow_up = problem.status == Status.CLOSED and may_follow_up(user, problem)
    regulations = list(
        visible_regulations(user).filter(problems=problem).select_related("unit").distinct()
    )
    may_register = may_write_regulation(user, problem.lead_unit)
    return {
        "follow_ups": follow_ups,
        "follow_up_form": (forms_.get("follow_up") or FollowUpForm()) if can_follow_up else None,
        "follow_up_form_open": "follow_up" in forms_,
        "regulations": regulations,
        "regulation_add_url": (
            reverse("web:regulation-add")
            + "?"
            + urlencode({"problem": problem.code, "unit": problem.lead_unit_id})
        )
        if may_register
        else "",
    }
