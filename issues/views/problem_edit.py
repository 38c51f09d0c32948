"""登记问题 and 编辑问题: the pages for what `POST` and `PATCH /api/v1/problems/` do.

Both call the API's own services (problem_create, problem_update), which hold every rule of
SPEC §3: who may register for which lead unit, who may edit in which state, that the due date
is never edited once assigned, that a problem never moves outside the editor's scope.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from issues.exceptions import DomainError, NotFound
from issues.services.problems import (
    lead_units_for,
    may_edit_problem,
    problem_create,
    problem_update,
)
from issues.views.forms import add_domain_errors
from issues.views.problem_forms import MeasureFormSet, ProblemForm, problem_initial
from issues.views.problem_page import load_problem


def _refused(form, exc) -> tuple[int, str]:
    """A service's refusal: 404 outside scope, 403/409 on top of the page, others on fields."""
    if isinstance(exc, NotFound):
        raise Http404(exc.detail)
    if exc.status in (403, 409):
        return exc.status, exc.detail
    add_domain_errors(form, exc)
    return exc.status, ""


def _may_register(user) -> bool:
    return lead_units_for(user).exists()


@require_http_methods(["GET", "POST"])
@login_required
def problem_add(request):
    user = request.user
    if not _may_register(user):
        raise PermissionDenied(_("只有整改办管理员和单位联络员可以登记问题。"))
    status, page_error = 200, ""
    if request.method == "POST":
        form = ProblemForm(request.POST, user=user)
        measures = MeasureFormSet(request.POST, user=user, prefix="measures")
        if form.is_valid() and measures.is_valid():
            try:
                problem = problem_create(
                    actor=user, measures=measures.measures(), **form.service_fields()
                )
            except DomainError as exc:
                status, page_error = _refused(form, exc)
            else:
                messages.success(
                    request, _("已登记问题 %(code)s（草稿）。") % {"code": problem.code}
                )
                return redirect(reverse("web:problem-detail", args=[problem.pk]))
        else:
            status = 400
    else:
        lead_units = list(lead_units_for(user).values_list("pk", flat=True)[:2])
        initial = {"lead_unit": lead_units[0]} if len(lead_units) == 1 else {}
        form = ProblemForm(user=user, initial=initial)
        measures = MeasureFormSet(user=user, prefix="measures")
    context = {"form": form, "measures": measures, "page_error": page_error, "problem": None}
    return render(request, "issues/problem_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def problem_edit(request, pk):
    user = request.user
    problem = load_problem(user, pk)  # 404 outside scope
    if not may_edit_problem(user, problem):
        raise PermissionDenied(_("您不能修改该问题：已结束的问题不能修改，单位只能修改草稿。"))
    status, page_error = 200, ""
    initial = problem_initial(problem)
    if request.method == "POST":
        form = ProblemForm(request.POST, user=user, problem=problem, initial=initial)
        if form.is_valid():
            try:
                problem_update(actor=user, problem_id=problem.pk, **form.service_fields())
            except DomainError as exc:
                status, page_error = _refused(form, exc)
            else:
                messages.success(request, _("已保存修改。"))
                return redirect(reverse("web:problem-detail", args=[problem.pk]))
        else:
            status = 400
    else:
        form = ProblemForm(user=user, problem=problem, initial=initial)
    context = {"form": form, "measures": None, "page_error": page_error, "problem": problem}
    return render(request, "issues/problem_form.html", context, status=status)
