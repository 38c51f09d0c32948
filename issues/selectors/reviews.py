"""The review inbox: the close-out and extension steps a user may decide now.

`pending_reviews(user)` decides in SQL what `issues.services.workflow.decidable_step` decides
for one request in Python (the approve/reject actions' rule, rules.step_check):

  - the request is pending and has an undecided step; its current step is the undecided step
    with the lowest position, whose kind the workflow stores on the request
    (`ReviewRequest.current_step_kind`, one indexed column instead of a lookup per request);
  - the user is not the applicant and decided no step of this request (separation of duties);
  - the user may decide the current step's kind (rules.may_decide_kind): `unit_head` — a
    unit_head membership at exactly the lead unit; `office` — an office_admin or
    office_reviewer membership whose scope holds the lead unit; `leader` — the problem's named
    responsible leader, active, holding a leader membership whose scope holds the lead unit
    (selectors/leaders.py); a superuser any kind;
  - and the problem is visible to the user, which the kinds' conditions imply (below).

tests/issues/test_pending_reviews_sql.py compares the two rules over a grid of users and
requests, so a divergence fails.
"""

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from issues.models import OFFICE_ROLES, RequestStatus, ReviewRequest, ReviewStep, Role, StepKind
from issues.selectors.scope import access_for, scope_units_for_roles, visible_problem_q


def _may_decide_current_q(user) -> Q | None:
    """Who decides which kind (rules.may_decide_kind) of current step; None: this user
    decides no kind at all."""
    access = access_for(user)
    if access.is_superuser:
        return ~Q(current_step_kind="")
    parts = []
    head_units = access.unit_ids_with_role({Role.UNIT_HEAD})
    if head_units:
        parts.append(
            Q(current_step_kind=StepKind.UNIT_HEAD, problem__lead_unit_id__in=sorted(head_units))
        )
    if access.unit_ids_with_role(OFFICE_ROLES):
        units = scope_units_for_roles(user, OFFICE_ROLES).values("pk")
        parts.append(Q(current_step_kind=StepKind.OFFICE, problem__lead_unit_id__in=units))
    if user.is_active and access.unit_ids_with_role({Role.LEADER}):
        units = scope_units_for_roles(user, {Role.LEADER}).values("pk")
        parts.append(
            Q(
                current_step_kind=StepKind.LEADER,
                problem__responsible_leader_id=user.pk,
                problem__lead_unit_id__in=units,
            )
        )
    if not parts:
        return None
    q = parts[0]
    for part in parts[1:]:
        q |= part
    return q


def pending_reviews(user) -> QuerySet[ReviewRequest]:
    """The requests whose current step `user` may decide now, oldest first, each annotated
    with `step_kind` (the current step's kind). A queryset: callers count and slice it in SQL,
    one query each whatever the number of requests."""
    requests = ReviewRequest.objects.annotate(step_kind=F("current_step_kind"))
    if user is None or not user.is_authenticated:
        return requests.none()
    may_decide = _may_decide_current_q(user)
    if may_decide is None:
        return requests.none()
    signed = ReviewStep.objects.filter(request_id=OuterRef("pk"), reviewer_id=user.pk).exclude(
        decision=""
    )
    # No visibility filter: every kind's condition puts the lead unit inside one of the
    # user's own scopes (a unit head's unit; an office role's or a leader's units), and a
    # problem whose lead unit is in scope is visible (selectors/scope.py). The filter cost
    # a township's inbox the scope union of its problems (50 ms a query at 1 000 000).
    requests = (
        requests.filter(may_decide, status=RequestStatus.PENDING)
        .exclude(applicant_id=user.pk)
        .exclude(Exists(signed))
    )
    return requests.order_by("created_at", "id")


DECIDED_SHOWN = 20


def decided_steps(user, limit: int = DECIDED_SHOWN) -> list[ReviewStep]:
    """已审核: the steps this user decided, newest first, on problems they still see."""
    return list(
        ReviewStep.objects.filter(visible_problem_q(user, "request__problem"), reviewer=user)
        .exclude(decision="")
        .select_related("request__problem")
        .order_by("-decided_at", "-id")[:limit]
    )
