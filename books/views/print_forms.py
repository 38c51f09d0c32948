"""Print-ready pages (SPEC §7): the 销号申请单 and a unit's 整改情况报告.

Session log-in; everything is read through the scope selectors, so a problem or unit outside
the user's scope is a plain 404.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from books.services.print_forms import closeout_form_data, unit_report_data
from issues.exceptions import NotFound


@login_required
def closeout_form(request, pk):
    try:
        data = closeout_form_data(user=request.user, problem_id=pk)
    except NotFound as exc:
        raise Http404(exc.detail) from None
    data["xlsx_url"] = reverse("closeout-form-xlsx", args=[pk])
    data["docx_url"] = reverse("closeout-form-docx", args=[pk])
    return render(request, "issues/print/closeout_form.html", data)


@login_required
def unit_report(request, pk):
    try:
        data = unit_report_data(user=request.user, unit_id=pk)
    except NotFound as exc:
        raise Http404(exc.detail) from None
    data["xlsx_url"] = reverse("unit-report-xlsx", args=[pk])
    data["docx_url"] = reverse("rectification-report-docx") + f"?unit={pk}"
    return render(request, "issues/print/unit_report.html", data)
