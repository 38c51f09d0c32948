"""登记问题 and 编辑问题: the pages for what `POST` and `PATCH /api/v1/problems/` do.

Both call the API's own services (problem_create, problem_update), which hold every rule of
SPEC §3: who may register for which lead unit, who may edit in which state, that the due date
is never edited once assigned, that a problem never moves outside the editor's scope.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from issues.services.problems import (
    lead_units_for,
    may_edit_problem,
    problem_create,
    problem_update,
)
from issues.views.form_post import post_form, refused_on_top
from issues.views.problem_forms import MeasureFormSet, ProblemForm, problem_initial
from issues.views.problem_page import load_problem


def _may_register(user) -> bool:
    return lead_units_for(user).exists()


@require_http_methods(["GET", "POST"])
@login_required
def problem_add(request):
    user = request.user
    if not _may_register(user):
        raise PermissionDenied(_("只有整改办管理员和单位联络员可以登记问题。"))
    if request.method == "POST":
        form = ProblemForm(request.POST, user=user)
        measures = MeasureFormSet(request.POST, user=user, prefix="measures")
    else:
        lead_units = list(lead_units_for(user).values_list("pk", flat=True)[:2])
        initial = {"lead_unit": lead_units[0]} if len(lead_units) == 1 else {}
        form = ProblemForm(user=user, initial=initial)
        measures = MeasureFormSet(user=user, prefix="measures")
    posted = post_form(
        request,
        [form, measures],
        lambda: problem_create(actor=user, measures=measures.measures(), **form.service_fields()),
        success=lambda problem: _("已登记问题 %(code)s（草稿）。") % {"code": problem.code},
        then=lambda problem: reverse("web:problem-detail", args=[problem.pk]),
        refused=refused_on_top,
    )
    if posted.response:
        return posted.response
    context = {
        "form": form,
        "measures": measures,
        "page_error": posted.page_error,
        "problem": None,
    }
    return render(request, "issues/problem_form.html", context, status=posted.status)


@require_http_methods(["GET", "POST"])
@login_required
def problem_edit(request, pk):
    user = request.user
    problem = load_problem(user, pk)  # 404 outside scope
    if not may_edit_problem(user, problem):
        raise PermissionDenied(_("您不能修改该问题：已结束的问题不能修改，单位只能修改草稿。"))
    initial = problem_initial(problem)
    data = request.POST if request.method == "POST" else None
    form = ProblemForm(data, user=user, problem=problem, initial=initial)
    posted = post_form(
        request,
        form,
        lambda: problem_update(actor=user, problem_id=problem.pk, **form.service_fields()),
        success=_("已保存修改。"),
        then=reverse("web:problem-detail", args=[problem.pk]),
        refused=refused_on_top,
    )
    if posted.response:
        return posted.response
    context = {
        "form": form,
        "measures": None,
        "page_error": posted.page_error,
        "problem": problem,
    }
    return render(request, "issues/problem_form.html", context, status=posted.status)
