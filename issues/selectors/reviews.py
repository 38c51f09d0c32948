"""The review inbox: the close-out and extension steps a user may decide now."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from issues.models import OFFICE_ROLES, RequestStatus, ReviewRequest, ReviewStep, Role, StepKind
from issues.selectors.scope import access_for, scope_units_for_roles, visible_problems
from issues.services.workflow import decidable_step


@dataclass(frozen=True)
class PendingReview:
    request_id: int
    request_type: str
    problem: int
    step_kind: str


def _undecided(kind) -> Exists:
    return Exists(ReviewStep.objects.filter(request_id=OuterRef("pk"), step_kind=kind, decision=""))


def _candidates_q(user) -> Q:
    """Requests with an undecided step of a kind the user could decide at all: SQL narrows the
    set, `decidable_step` then applies the exact rule (chain order, separation of duties)."""
    access = access_for(user)
    if access.sees_everything:
        return Q()
    q = Q(_undecided(StepKind.LEADER), problem__responsible_leader_id=user.pk)
    head_units = access.unit_ids_with_role({Role.UNIT_HEAD})
    if head_units:
        q |= Q(_undecided(StepKind.UNIT_HEAD), problem__lead_unit_id__in=head_units)
    if access.unit_ids_with_role(OFFICE_ROLES):
        office_units = scope_units_for_roles(user, OFFICE_ROLES).values("pk")
        q |= Q(_undecided(StepKind.OFFICE), problem__lead_unit_id__in=office_units)
    return q


def pending_reviews(user) -> list[PendingReview]:
    """Oldest request first. Three queries, whatever the number of requests."""
    requests = (
        ReviewRequest.objects.filter(
            _candidates_q(user),
            status=RequestStatus.PENDING,
            problem__in=visible_problems(user),
        )
        .select_related("problem__lead_unit")
        .prefetch_related("steps")
        .order_by("created_at", "id")
    )
    inbox = []
    for request in requests:
        step = decidable_step(request, user)
        if step is not None:
            inbox.append(
                PendingReview(
                    request_id=request.pk,
                    request_type=request.request_type,
                    problem=request.problem_id,
                    step_kind=step.step_kind,
                )
            )
    return inbox


DECIDED_SHOWN = 20


def decided_steps(user, limit: int = DECIDED_SHOWN) -> list[ReviewStep]:
    """已审核: the steps this user decided, newest first, on problems they still see."""
    return list(
        ReviewStep.objects.filter(
            reviewer=user, request__problem__in=visible_problems(user).values("pk")
        )
        .exclude(decision="")
        .select_related("request__problem")
        .order_by("-decided_at", "-id")[:limit]
    )
