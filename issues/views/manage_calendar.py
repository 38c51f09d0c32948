"""管理 → 工作日历: a year's statutory holidays and 调休 working days (chinese-calendar), and
the office's own overrides for years the package does not cover yet or for local rules.
Every office admin sees it; superusers and office admins at a root unit change it through
issues.services.workdays, as the API does."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from issues.bounds import validate_date, validate_line
from issues.exceptions import DomainError
from issues.models import CalendarDay, DayKind
from issues.services import workdays
from issues.views.form_post import post_form
from issues.views.manage_common import manage_context, office_admin_required


class CalendarDayForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("日期"),
        validators=[validate_date],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=DayKind.choices)
    note = forms.CharField(
        label=gettext_lazy("说明"), max_length=100, required=False, validators=[validate_line]
    )


def _year(request) -> int:
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() and len(raw) == 4 else timezone.localdate().year
    return min(max(year, 2000), 2099)


def _back_url(year: int) -> str:
    return reverse("web:manage-calendar") + f"?year={year}"


def _back(year: int):
    return redirect(_back_url(year))


@require_http_methods(["GET", "POST"])
@office_admin_required
def calendar_index(request):
    year = _year(request)
    may_edit = workdays.may_edit_calendar(request.user)
    form = CalendarDayForm(request.POST or None)
    if request.method == "POST" and not may_edit:
        raise PermissionDenied(_("只有县级整改办管理员可以调整工作日历。"))
    posted = post_form(
        request,
        form,
        lambda: workdays.calendar_day_set(actor=request.user, **form.cleaned_data),
        success=lambda day: _("已调整：%(day)s") % {"day": day},
        then=lambda day: _back_url(day.date.year),
    )
    if posted.response:
        return posted.response
    context = manage_context(
        "calendar",
        year=year,
        years=(year - 1, year + 1),
        calendar=workdays.year_calendar(year),
        overrides=CalendarDay.objects.filter(date__year=year),
        form=form,
        may_edit=may_edit,
        form_open=request.method == "POST",
        page_error=posted.page_error,
    )
    return render(request, "issues/manage/calendar.html", context, status=posted.status)


@require_POST
@office_admin_required
def calendar_day_delete(request, pk):
    day = CalendarDay.objects.filter(pk=pk).values_list("date", flat=True).first()
    try:
        workdays.calendar_day_delete(actor=request.user, pk=pk)
    except DomainError as exc:
        if exc.status == 403:
            raise PermissionDenied(exc.detail) from None
        messages.error(request, exc.detail)
        return _back(timezone.localdate().year)
    messages.success(request, _("已删除调整：%(day)s") % {"day": day})
    return _back((day or dt.date.today()).year)
