"""Print-ready pages (SPEC §7): the 销号申请单 and a unit's 整改情况报告.

Session log-in; everything is read through the scope selectors, so a problem or unit outside
the user's scope is a plain 404.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from issues.exceptions import NotFound
from issues.services.forms import closeout_form_data, unit_report_data


def _url(names, pk) -> str:
    """The .xlsx twin of a page, wherever the API's URLs were included (namespaced or not)."""
    for name in names:
        try:
            return reverse(name, args=[pk])
        except NoReverseMatch:
            continue
    return ""


@login_required
def closeout_form(request, pk):
    try:
        data = closeout_form_data(user=request.user, problem_id=pk)
    except NotFound as exc:
        raise Http404(exc.detail) from None
    data["xlsx_url"] = _url(["api:closeout-form-xlsx", "closeout-form-xlsx"], pk)
    data["docx_url"] = _url(["api:closeout-form-docx", "closeout-form-docx"], pk)
    return render(request, "issues/print/closeout_form.html", data)


@login_required
def unit_report(request, pk):
    try:
        data = unit_report_data(user=request.user, unit_id=pk)
    except NotFound as exc:
        raise Http404(exc.detail) from None
    data["xlsx_url"] = _url(["api:unit-report-xlsx", "unit-report-xlsx"], pk)
    data["docx_url"] = reverse("rectification-report-docx") + f"?unit={pk}"
    return render(request, "issues/print/unit_report.html", data)
