"""The review inbox (审核): every step this user may decide now, with what the decision
needs on one screen — the request, its self-check and evidence, the problem's key fields,
earlier opinions — and approve / reject in place.

The inbox is issues.selectors.reviews.pending_reviews (the API's /reviews/pending/), a page of
PAGE_SIZE at a time (oldest first), and the buttons are the workflow's allowed_actions, so the page offers exactly what the API allows.
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from issues.models import Evidence, RequestType, ReviewStep, StepKind
from issues.selectors.deadlines import measure_is_overdue
from issues.selectors.problems import problem_rows_by_id
from issues.selectors.reviews import decided_steps, pending_reviews
from issues.services.workflow import allowed_actions
from issues.views.actions import SELF_CHECK_LABELS, action_form
from issues.views.common import light_display
from issues.views.failed_action import recall

PAGE_SIZE = 20  # requests per inbox page

DECISIONS = {
    RequestType.CLOSEOUT: ("approve_closeout", "reject_closeout"),
    RequestType.EXTENSION: ("approve_extension", "reject_extension"),
}


def render_reviews(request, *, status=200, failed=None):
    """`failed` = (problem id, action, posted values, DomainError) re-fills one form."""
    user = request.user
    steps = ReviewStep.objects.select_related("reviewer").order_by("position")
    inbox = (
        pending_reviews(user)
        .select_related("applicant")
        .prefetch_related(Prefetch("steps", queryset=steps), "evidence")
    )
    # One page at a time, counted and sliced in SQL: a county office may have thousands.
    page = Paginator(inbox, PAGE_SIZE).get_page(request.GET.get("page"))
    reviews = list(page.object_list)
    problem_ids = {r.problem_id for r in reviews}
    # By id: a request in the inbox is on a problem the user sees (selectors/reviews.py).
    problems = {
        p.pk: p
        for p in problem_rows_by_id(problem_ids).select_related("responsible_leader", "category")
    }
    evidence = {}
    for e in Evidence.objects.filter(problem_id__in=problem_ids).select_related("uploaded_by"):
        evidence.setdefault(e.problem_id, []).append(e)

    page_error = ""
    items = []
    for review in reviews:
        problem = problems.get(review.problem_id)
        if problem is None:
            continue
        problem.light_info = light_display(problem.light)
        measures = list(problem.measures.all())
        for m in measures:
            m.is_overdue = measure_is_overdue(m, problem.status)
        files = evidence.get(problem.pk, [])
        allowed = set(allowed_actions(problem, user))
        forms = []
        for name in DECISIONS[review.request_type]:
            if name not in allowed:
                continue
            if failed and failed[0] == problem.pk and failed[1] == name:
                exc = failed[3]
                if exc.status in (403, 409):
                    forms.append(action_form(name, evidence=files))
                else:
                    forms.append(
                        action_form(
                            name,
                            evidence=files,
                            values=failed[2],
                            errors=exc.errors,
                            detail=exc.detail,
                        )
                    )
            else:
                forms.append(action_form(name, evidence=files))
        review.current = review.current_step()
        review.is_closeout = review.request_type == RequestType.CLOSEOUT
        items.append(
            {
                "prefix": f"r{review.pk}",
                "request": review,
                "problem": problem,
                "step_label": StepKind(review.step_kind).label,
                "measures": measures,
                "evidence": files,
                "self_check": _self_check(review),
                "forms": forms,
                # 批量通过: the approve action this step offers, if the user may take it now.
                "approve": next((f.name for f in forms if f.name.startswith("approve_")), ""),
            }
        )
    shown = failed and any(f.name == failed[1] and f.open for i in items for f in i["forms"])
    if failed and not shown:
        # Refused (403/409) or no longer in the inbox: the reason goes on top of the page.
        page_error = page_error or failed[3].detail
    return render(
        request,
        "issues/reviews.html",
        {
            "items": items,
            "page": page,
            "page_error": page_error,
            "review_url": reverse("web:reviews"),
            "can_bulk": any(i["approve"] for i in items),
            "decided": decided_steps(request.user),
        },
        status=status,
    )


def _self_check(review):
    if review.request_type != RequestType.CLOSEOUT:
        return []
    return [(label, bool(review.self_check.get(key))) for key, label in SELF_CHECK_LABELS.items()]


@require_GET
@login_required
def review_index(request):
    return render_reviews(request, failed=recall(request, None))
