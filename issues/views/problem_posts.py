"""What the problem page posts: workflow actions, measures, progress, evidence, replies.

Each handler finds the problem through scope (404 outside it), parses the form, calls one
service and redirects with a message. A refused workflow action redirects back too (see
issues.views.failed_action); a refused measure, progress, evidence or reply form re-renders the
page with the error in place and the HTTP status of the error (400, 403, 409, 413, 415).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from issues.exceptions import DomainError, NotFound
from issues.models import Measure, MeasureStatus, SupervisionAction
from issues.selectors.scope import visible_problems
from issues.services.evidence import evidence_upload_many
from issues.services.problems import measure_create, measure_update
from issues.services.reports import progress_report_create
from issues.services.supervision import supervision_reply
from issues.services.workflow import ACTIONS, perform_action
from issues.views.actions import action_data
from issues.views.common import safe_next
from issues.views.failed_action import remember
from issues.views.form_post import post_form, refused_on_top
from issues.views.forms import (
    EvidenceForm,
    MeasureDoneForm,
    MeasureEditForm,
    MeasureForm,
    ProgressForm,
    ReplyForm,
)
from issues.views.problem_page import load_problem, render_problem


def _visible(user, pk):
    return get_object_or_404(visible_problems(user).select_related("lead_unit"), pk=pk)


def _page(pk):
    return reverse("web:problem-detail", args=[pk])


def _post(request, pk, key, form, service, *, success, then):
    """post_form on the problem page: a refused or invalid form re-renders the page with the
    form in place; 403/409 become a banner on top."""
    posted = post_form(request, form, service, success=success, then=then, refused=refused_on_top)
    if posted.response:
        return posted.response
    return render_problem(
        request, pk, status=posted.status, page_error=posted.page_error, forms={key: form}
    )


@require_POST
@login_required
def problem_action(request, pk, action):
    _visible(request.user, pk)
    if action not in ACTIONS:
        raise Http404("unknown action")
    try:
        perform_action(
            problem_id=pk, action=action, actor=request.user, data=action_data(action, request.POST)
        )
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise Http404(exc.detail) from exc
        # POST/redirect/GET: back where the form was; the reason and the input go along.
        remember(request, problem_id=pk, action=action, exc=exc)
        if request.POST.get("from") == "reviews":
            return redirect(safe_next(request, reverse("web:reviews")))
        return redirect(_page(pk) + f"#act-{action}")
    messages.success(request, _("已完成：%(action)s") % {"action": _(ACTIONS[action].label)})
    return redirect(safe_next(request, _page(pk)))


@require_POST
@login_required
def measure_add(request, pk):
    problem = load_problem(request.user, pk)
    form = MeasureForm(request.POST, user=request.user, problem=problem)
    return _post(
        request,
        pk,
        "measure",
        form,
        lambda: measure_create(actor=request.user, problem_id=pk, **form.cleaned_data),
        success=_("已新增整改措施。"),
        then=_page(pk) + "#measures",
    )


def _measure(request, measure_id):
    """The measure and its problem, both through scope."""
    problem_ids = visible_problems(request.user).values("pk")
    measure = get_object_or_404(Measure.objects.filter(problem_id__in=problem_ids), pk=measure_id)
    return measure, load_problem(request.user, measure.problem_id)


@require_POST
@login_required
def measure_edit(request, measure_id):
    measure, problem = _measure(request, measure_id)
    form = MeasureEditForm(
        request.POST, prefix=f"m{measure.pk}", user=request.user, problem=problem
    )
    return _post(
        request,
        problem.pk,
        f"measure-{measure.pk}",
        form,
        lambda: measure_update(actor=request.user, measure_id=measure.pk, **form.cleaned_data),
        success=_("已更新第%(seq)s条措施。") % {"seq": measure.seq},
        then=_page(problem.pk) + "#measures",
    )


@require_POST
@login_required
def measure_done(request, measure_id):
    measure, problem = _measure(request, measure_id)
    form = MeasureDoneForm(request.POST, prefix=f"d{measure.pk}")
    return _post(
        request,
        problem.pk,
        f"done-{measure.pk}",
        form,
        lambda: measure_update(
            actor=request.user,
            measure_id=measure.pk,
            status=MeasureStatus.DONE,
            done_note=form.cleaned_data["done_note"],
        ),
        success=_("第%(seq)s条措施已标记完成。") % {"seq": measure.seq},
        then=_page(problem.pk) + "#measures",
    )


@require_POST
@login_required
def progress_add(request, pk):
    problem = load_problem(request.user, pk)
    form = ProgressForm(request.POST, problem=problem)
    return _post(
        request,
        pk,
        "progress",
        form,
        lambda: progress_report_create(actor=request.user, problem_id=pk, **form.cleaned_data),
        success=_("已报送整改进展。"),
        then=_page(pk) + "#progress",
    )


@require_POST
@login_required
def evidence_add(request, pk):
    problem = load_problem(request.user, pk)
    form = EvidenceForm(request.POST, request.FILES, problem=problem)

    def upload():
        data = dict(form.cleaned_data)
        return evidence_upload_many(
            actor=request.user, problem_id=pk, uploads=data.pop("file"), **data
        )

    return _post(
        request,
        pk,
        "evidence",
        form,
        upload,
        success=lambda stored: _("已上传佐证材料 %(n)s 份。") % {"n": len(stored)},
        then=_page(pk) + "#evidence",
    )


@require_POST
@login_required
def supervision_reply_post(request, supervision_id):
    problem_ids = visible_problems(request.user).values("pk")
    supervision = get_object_or_404(
        SupervisionAction.objects.filter(problem_id__in=problem_ids), pk=supervision_id
    )
    form = ReplyForm(request.POST, prefix=f"s{supervision.pk}")
    pk = supervision.problem_id
    return _post(
        request,
        pk,
        f"reply-{supervision.pk}",
        form,
        lambda: supervision_reply(
            actor=request.user, supervision_id=supervision.pk, reply=form.cleaned_data["reply"]
        ),
        success=_("已回复督办。"),
        then=safe_next(request, _page(pk) + "#supervision"),
    )
