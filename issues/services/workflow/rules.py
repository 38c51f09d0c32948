"""Who may take an action and decide a review step; the context an action runs in."""

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

from rest_framework import serializers

from issues.exceptions import ActionForbidden, InvalidTransition
from issues.models import (
    Problem,
    RequestStatus,
    RequestType,
    ReviewRequest,
    Role,
    Status,
    StepKind,
)
from issues.selectors.leaders import LEADER_RULE, holds_leader_role_over
from issues.selectors.scope import Access

if TYPE_CHECKING:
    from django.contrib.auth.models import User

S = Status


class Who(Enum):
    LEAD_UNIT_ADMIN = "unit_admin of the lead unit"
    OFFICE_ADMIN = "office_admin over the lead unit"
    OFFICE_REVIEWER = "office_reviewer over the lead unit"
    STEP_REVIEWER = "the reviewer of the current step"
    APPLICANT = "the applicant, before any step is decided"


@dataclass
class Context:
    problem: Problem
    actor: "User | None"  # None: the system
    access: Access
    data: dict = field(default_factory=dict)
    changes: dict = field(default_factory=dict)
    comment: str = ""
    request: ReviewRequest | None = None  # the request the action creates or decides

    @property
    def is_system(self) -> bool:
        return self.actor is None

    def pending(self, request_type) -> ReviewRequest | None:
        return pending_request(self.problem, request_type)

    @property
    def user(self) -> "User":
        """The acting person, for what only a person does (apply, decide): never the system."""
        if self.actor is None:
            raise ActionForbidden("该操作须由用户执行。")
        return self.actor

    def needed(self, request_type) -> ReviewRequest:
        """The pending request an action needs (check_available refuses the action without)."""
        request = self.pending(request_type)
        if request is None:
            raise InvalidTransition("没有待审核的申请。")
        return request

    def set(self, name: str, value):
        """Assign a problem field, remembering old → new for the ledger."""
        old = getattr(self.problem, name)
        if old != value:
            self.changes[name] = [old, value]
            setattr(self.problem, name, value)


@dataclass(frozen=True)
class ActionSpec:
    name: str
    label: str
    sources: frozenset
    targets: frozenset  # every state the action may lead to; empty: the state never changes
    who: tuple
    input: type[serializers.Serializer]
    effect: Callable[[Context], str | None]  # returns the new state, or None for "unchanged"
    needs: RequestType | None = None  # a pending request of this type must exist


def pending_request(problem, request_type) -> ReviewRequest | None:
    """The problem's pending request of a type (uses a `pending_requests` prefetch if present)."""
    requests = getattr(problem, "pending_requests", None)
    if requests is None:
        requests = list(
            problem.requests.filter(status=RequestStatus.PENDING).prefetch_related("steps")
        )
        problem.pending_requests = requests
    for request in requests:
        if request.request_type == request_type and request.status == RequestStatus.PENDING:
            return request
    return None


def request_steps(request: ReviewRequest) -> list:
    """A request's steps by position: `request.step_list` when the caller read them as plain
    rows (the problem list, issues/api/problem_rows.py), else its (prefetched) steps."""
    steps = getattr(request, "step_list", None)
    return list(request.steps.all()) if steps is None else steps


# --- who may decide a review step ------------------------------------------------------------


def may_decide_kind(access: Access, problem: Problem, step_kind: str) -> bool:
    if step_kind == StepKind.UNIT_HEAD:
        return access.has_role_at({Role.UNIT_HEAD}, problem.lead_unit)
    if step_kind == StepKind.OFFICE:
        return access.has_role_over({Role.OFFICE_REVIEWER, Role.OFFICE_ADMIN}, problem.lead_unit)
    if step_kind == StepKind.LEADER:
        # The named leader, and only while still eligible (a leader who lost the role, or was
        # named before the rule, cannot sign: see issues/selectors/leaders.py).
        return access.is_superuser or (
            access.user is not None
            and problem.responsible_leader_id == access.user.pk
            and holds_leader_role_over(access, problem.lead_unit)
        )
    return False


def step_check(ctx: Context, request: ReviewRequest):
    """Raise unless the actor may decide the request's current step now.

    Separation of duties: nobody decides a step of their own request, nor two steps of one.
    A reviewer whose step was just decided — by someone else, or by themselves a moment ago
    (a double submit) — gets 409, not 403: exactly one of two concurrent actions wins.
    """
    user = ctx.actor
    steps = request_steps(request)
    current = next((s for s in steps if s.decision == ""), None)
    if current is None:
        raise InvalidTransition("该申请已无待审核环节。")
    if user is not None and request.applicant_id == user.pk:
        raise ActionForbidden("不能审核本人提交的申请。")
    may_decide_current = may_decide_kind(ctx.access, ctx.problem, current.step_kind)
    if user is not None and any(s.reviewer_id == user.pk for s in steps if s.decision):
        if may_decide_current:
            raise ActionForbidden("同一申请的不同环节须由不同人员审核。")
        raise InvalidTransition("该环节已审核。")
    if may_decide_current:
        return current
    if any(s.decision and may_decide_kind(ctx.access, ctx.problem, s.step_kind) for s in steps):
        raise InvalidTransition("该环节已由他人审核。")
    if (
        current.step_kind == StepKind.LEADER
        and user is not None
        and ctx.problem.responsible_leader_id == user.pk
    ):
        raise ActionForbidden(f"您已不符合责任领导条件：{LEADER_RULE}")
    raise ActionForbidden("您不是当前审核环节的审核人。")


def actor_check(spec: ActionSpec, ctx: Context):
    """Raise ActionForbidden unless some `who` of the spec matches the actor."""
    if ctx.is_system:
        return None
    access, problem = ctx.access, ctx.problem
    for who in spec.who:
        if who is Who.LEAD_UNIT_ADMIN and access.has_role_at({Role.UNIT_ADMIN}, problem.lead_unit):
            return None
        if who is Who.OFFICE_ADMIN and access.has_role_over({Role.OFFICE_ADMIN}, problem.lead_unit):
            return None
        if who is Who.OFFICE_REVIEWER and access.has_role_over(
            {Role.OFFICE_REVIEWER}, problem.lead_unit
        ):
            return None
        if who is Who.APPLICANT:
            request = ctx.pending(spec.needs)
            if request is not None and request.applicant_id == ctx.user.pk:
                if any(s.decision for s in request_steps(request)):
                    raise InvalidTransition("审核已开始，不能撤回。")
                return None
        if who is Who.STEP_REVIEWER:
            return step_check(ctx, ctx.needed(spec.needs))
    raise ActionForbidden("您无权执行此操作。")


def check_available(spec: ActionSpec, ctx: Context):
    """State first (409), then actor (403). Input is checked separately (400)."""
    if ctx.problem.status not in spec.sources:
        raise InvalidTransition(
            f"问题当前状态为“{ctx.problem.get_status_display()}”，不能执行“{spec.label}”。"
        )
    if spec.needs is not None:
        ctx.needed(spec.needs)
    return actor_check(spec, ctx)
