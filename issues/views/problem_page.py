"""The problem page: every field, measures, progress, evidence, requests, supervision, the
ledger timeline, and the forms for what this user may do now."""

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from issues.models import OVERDUE_STATES, Evidence, RequestStatus, RequestType, ReviewStep
from issues.selectors.deadlines import measure_is_overdue
from issues.selectors.problems import problem_list
from issues.selectors.scope import visible_problems
from issues.selectors.signers import SEPARATION_RULE, describe_step
from issues.selectors.similar import similar_problems, with_measures
from issues.services.evidence import is_previewable, lock_reason, may_remove_evidence
from issues.services.problems import may_edit_measure, may_edit_problem, may_report
from issues.services.supervision import may_reply
from issues.services.workdays import working_days_note
from issues.services.workflow import allowed_actions, step_refusal
from issues.views.actions import action_form, next_action, offered
from issues.views.common import light_display
from issues.views.failed_action import recall
from issues.views.forms import (
    EvidenceForm,
    EvidenceReplaceForm,
    MeasureDoneForm,
    MeasureEditForm,
    MeasureForm,
    ProgressForm,
    ReplyForm,
)
from issues.views.problem_books import problem_books_context
from issues.views.timeline import timeline
from ledger.models import LedgerEntry


def load_problem(user, pk):
    """The problem as the page shows it, or 404 when it is outside the user's scope."""
    qs = problem_list(user).select_related(
        "campaign", "category", "responsible_leader", "owner", "closed_by"
    )
    return get_object_or_404(qs, pk=pk)


def _requests(problem, user):
    steps = ReviewStep.objects.select_related("reviewer").order_by("position")
    requests = list(
        problem.requests.select_related("applicant")
        .prefetch_related(Prefetch("steps", queryset=steps), "evidence")
        .order_by("-created_at", "-id")
    )
    for request in requests:
        request.current = request.current_step()
        request.is_closeout = request.request_type == RequestType.CLOSEOUT
        if request.status == RequestStatus.PENDING:
            # Who may sign each open step, and why this user may not sign the current one.
            for step in request.steps.all():
                if not step.decision:
                    step.signers = describe_step(problem, step.step_kind)
            request.refusal = step_refusal(request, user)
            request.separation_rule = SEPARATION_RULE
    return requests


def _prefill(problem, action) -> dict:
    """交办 and 清单审核通过 fix the deadline: offer the registered one, else the batch's."""
    if action not in ("assign", "approve_list"):
        return {}
    due = problem.due_date or problem.batch.default_due_date
    return {"due_date": due.isoformat()} if due else {}


def page_context(request, problem, *, forms=None, action=None, page_error=""):
    """`forms` re-fills named forms after a failed POST; `action` = (name, values, exc)."""
    user = request.user
    forms = forms or {}
    measures = list(problem.measures.select_related("unit", "owner").order_by("seq"))
    evidence = list(
        Evidence.objects.filter(problem=problem)
        .select_related("uploaded_by", "measure", "request")
        .order_by("-uploaded_at", "-id")
    )

    # What this user may do with measures, progress and evidence (the services' own checks).
    unit_ids = [problem.lead_unit_id, *(u.pk for u in problem.cooperating_units.all())]
    units = {problem.lead_unit_id: problem.lead_unit}
    units.update({u.pk: u for u in problem.cooperating_units.all()})
    add_unit_ids = [uid for uid in unit_ids if may_edit_measure(user, problem, units[uid])]
    for m in measures:
        m.is_overdue = measure_is_overdue(m, problem.status)
        m.editable = may_edit_measure(user, problem, m.unit)
        if m.editable:
            m.edit_form = forms.get(f"measure-{m.pk}") or MeasureEditForm(
                prefix=f"m{m.pk}",
                user=user,
                problem=problem,
                unit_ids=add_unit_ids,
                initial={
                    "content": m.content,
                    "unit": m.unit_id,
                    "owner": m.owner_id,
                    "due_date": m.due_date,
                    "status": m.status,
                    "done_note": m.done_note,
                },
            )
            m.done_form = forms.get(f"done-{m.pk}") or MeasureDoneForm(prefix=f"d{m.pk}")
            m.edit_open = f"measure-{m.pk}" in forms
            m.done_open = f"done-{m.pk}" in forms
    reporting = may_report(user, problem)
    for e in evidence:
        e.previewable = is_previewable(e)
        e.is_image = e.content_type.startswith("image/")
        e.can_remove = not lock_reason(e, problem) and may_remove_evidence(user, e, problem)
        if e.can_remove:
            e.replace_form = forms.get(f"replace-{e.pk}") or EvidenceReplaceForm(prefix=f"r{e.pk}")
            e.replace_open = f"replace-{e.pk}" in forms

    action_forms = []
    failed_name, failed_values, failed_exc = action or (None, None, None)
    open_name = request.GET.get("open", "")
    names = offered(allowed_actions(problem, user), problem)
    for name in names:
        if name == failed_name:
            form = action_form(
                name,
                evidence=evidence,
                values=failed_values,
                errors=failed_exc.errors,
                detail=failed_exc.detail,
            )
        else:
            form = action_form(name, evidence=evidence, values=_prefill(problem, name))
            form.open = name == open_name  # a card's or the phone bar's one-tap link
        action_forms.append(form)
    if failed_name and failed_name not in {f.name for f in action_forms}:
        # The action is no longer available (someone else was faster): say so at the top.
        page_error = page_error or failed_exc.detail

    supervisions = list(
        problem.supervisions.select_related("issued_by", "replied_by", "target_unit")
    )
    for s in supervisions:
        s.can_reply = s.replied_at is None and may_reply(user, s)
        if s.can_reply:
            s.reply_form = forms.get(f"reply-{s.pk}") or ReplyForm(prefix=f"s{s.pk}")

    entries = LedgerEntry.objects.filter(problem_id=problem.pk).select_related("actor")
    context = {
        "problem": problem,
        "light": light_display(problem.light),
        "measures": measures,
        "measure_form": (
            forms.get("measure") or MeasureForm(user=user, problem=problem, unit_ids=add_unit_ids)
        )
        if add_unit_ids
        else None,
        "measure_form_open": "measure" in forms,
        "progress_reports": list(
            problem.progress_reports.select_related("reporter", "measure").order_by(
                "-submitted_at", "-id"
            )
        ),
        "progress_form": (forms.get("progress") or ProgressForm(problem=problem))
        if reporting
        else None,
        "progress_form_open": "progress" in forms or open_name == "progress",
        "evidence": evidence,
        # 整改前/整改后 side by side: the photos (images) marked with a stage.
        "photos_before": [e for e in evidence if e.stage == "before" and e.is_image],
        "photos_after": [e for e in evidence if e.stage == "after" and e.is_image],
        "evidence_form": (forms.get("evidence") or EvidenceForm(problem=problem))
        if reporting
        else None,
        "evidence_form_open": "evidence" in forms or open_name == "evidence",
        "requests": _requests(problem, user),
        "supervisions": supervisions,
        "timeline": timeline(entries.order_by("seq")),
        "action_forms": action_forms,
        "next_action": next_action(names),
        "page_error": page_error,
        "closeout_print_url": reverse("print-closeout-form", args=[problem.pk]),
        "can_edit": may_edit_problem(user, problem),
        "working_days": working_days_note(problem.due_date, problem.status in OVERDUE_STATES),
        "similar": with_measures(similar_problems(user, problem)),  # 举一反三
        # 重复发生: the earlier problem it repeats, when the user may see it.
        "recurs": visible_problems(user)
        .filter(pk=problem.recurs_problem_id)
        .values("pk", "code")
        .first()
        if problem.recurs_problem_id
        else None,
    }
    context.update(problem_books_context(request, problem, forms))  # 回头看, 建章立制
    return context


def render_problem(request, problem_id, *, status=200, **overrides):
    problem = load_problem(request.user, problem_id)
    context = page_context(request, problem, **overrides)
    return render(request, "issues/problem_detail.html", context, status=status)


@require_GET
@login_required
def problem_detail(request, pk):
    failed = recall(request, {pk})  # an action refused a moment ago: its form, re-filled
    if failed is not None:
        return render_problem(request, pk, action=failed[1:])
    return render_problem(request, pk)
