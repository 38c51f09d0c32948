"""The problem workflow of SPEC §3: one table, one function.

`ACTIONS` declares every action: the states it may start from, the states it may lead to,
who may take it and what input it needs. `perform_action` is the only code that changes a
problem's `status`: it locks the row, re-checks state, actor and input, applies the effect,
appends the ledger entry and announces the change after commit — all in one transaction.
`allowed_actions` answers "what may this user do now" from the same table.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from django.db import transaction
from django.utils import timezone
from rest_framework import serializers

from issues import signals
from issues.exceptions import ActionForbidden, InvalidInput, InvalidTransition, NotFound
from issues.models import (
    ACTIVE_STATES,
    Decision,
    Evidence,
    ExtensionKind,
    MeasureStatus,
    Problem,
    RectifyType,
    RequestStatus,
    RequestType,
    ReviewRequest,
    ReviewStep,
    Role,
    Status,
    StepKind,
    SupervisionAction,
    SupervisionKind,
    SupervisionLevel,
)
from issues.selectors.scope import Access, access_for, visible_problems
from issues.services import inputs
from issues.services.schedule import problem_reschedule
from ledger.services import ledger_append

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
    actor: object | None  # None: the system
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


# --- who may decide a review step ------------------------------------------------------------


def may_decide_kind(access: Access, problem: Problem, step_kind: str) -> bool:
    if step_kind == StepKind.UNIT_HEAD:
        return access.has_role_at({Role.UNIT_HEAD}, problem.lead_unit)
    if step_kind == StepKind.OFFICE:
        return access.has_role_over({Role.OFFICE_REVIEWER, Role.OFFICE_ADMIN}, problem.lead_unit)
    if step_kind == StepKind.LEADER:
        return access.is_superuser or (
            access.user is not None and problem.responsible_leader_id == access.user.pk
        )
    return False


def _step_check(ctx: Context, request: ReviewRequest):
    """Raise unless the actor may decide the request's current step now.

    Separation of duties: nobody decides a step of their own request, nor two steps of one.
    A reviewer whose step was just decided — by someone else, or by themselves a moment ago
    (a double submit) — gets 409, not 403: exactly one of two concurrent actions wins.
    """
    user = ctx.actor
    steps = list(request.steps.all())
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
    raise ActionForbidden("您不是当前审核环节的审核人。")


def _actor_check(spec: ActionSpec, ctx: Context):
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
            if request is not None and request.applicant_id == ctx.actor.pk:
                if any(s.decision for s in request.steps.all()):
                    raise InvalidTransition("审核已开始，不能撤回。")
                return None
        if who is Who.STEP_REVIEWER:
            return _step_check(ctx, ctx.pending(spec.needs))
    raise ActionForbidden("您无权执行此操作。")


def check_available(spec: ActionSpec, ctx: Context):
    """State first (409), then actor (403). Input is checked separately (400)."""
    if ctx.problem.status not in spec.sources:
        raise InvalidTransition(
            f"问题当前状态为“{ctx.problem.get_status_display()}”，不能执行“{spec.label}”。"
        )
    if spec.needs is not None and ctx.pending(spec.needs) is None:
        raise InvalidTransition("没有待审核的申请。")
    return _actor_check(spec, ctx)


# --- effects ---------------------------------------------------------------------------------


def _require_due_date(ctx: Context):
    if ctx.problem.due_date is None and ctx.problem.rectify_type != RectifyType.LONG_TERM:
        raise InvalidInput("请填写整改时限。", {"due_date": ["请填写整改时限。"]})


def _fix_due_date(ctx: Context):
    due = ctx.data.get("due_date")
    if due is not None:
        ctx.set("due_date", due)
    _require_due_date(ctx)
    if ctx.problem.original_due_date is None:
        ctx.set("original_due_date", ctx.problem.due_date)


def _submit(ctx: Context):
    p = ctx.problem
    errors = {}
    for name in ("title", "description", "source"):
        if not getattr(p, name):
            errors[name] = ["此项为必填项。"]
    if p.due_date is None and p.rectify_type != RectifyType.LONG_TERM:
        errors["due_date"] = ["请填写整改时限。"]
    if errors:
        raise InvalidInput("问题信息不完整，不能提交。", errors)
    if p.batch.needs_list_review:
        return S.LIST_REVIEW
    _fix_due_date(ctx)
    return S.ASSIGNED


def _approve_list(ctx: Context):
    _fix_due_date(ctx)
    return S.ASSIGNED


def _return_list(ctx: Context):
    return S.DRAFT


def _assign(ctx: Context):
    _fix_due_date(ctx)
    return S.ASSIGNED


def _acknowledge(ctx: Context):
    if not ctx.problem.measures.exists():
        raise InvalidInput(
            "签收前须至少制定一条整改措施。", {"measures": ["至少需要一条整改措施。"]}
        )
    return S.IN_PROGRESS


def _new_request(ctx: Context, request_type, chain, **fields) -> ReviewRequest:
    if not chain:
        raise InvalidInput("批次未配置审核链。", {"chain": ["审核链为空。"]})
    if StepKind.LEADER in chain and ctx.problem.responsible_leader_id is None:
        raise InvalidInput(
            "审核链含责任领导环节，请先指定责任领导。", {"responsible_leader": ["未指定责任领导。"]}
        )
    request = ReviewRequest.objects.create(
        problem=ctx.problem,
        request_type=request_type,
        applicant=ctx.actor,
        from_state=ctx.problem.status,
        **fields,
    )
    ReviewStep.objects.bulk_create(
        ReviewStep(request=request, position=i, step_kind=kind) for i, kind in enumerate(chain, 1)
    )
    ctx.request = request
    ctx.problem.pending_requests = None  # invalidate the cached pending list
    return request


def _request_closeout(ctx: Context):
    p = ctx.problem
    errors = {}
    measures = list(p.measures.all())
    if any(m.status != MeasureStatus.DONE for m in measures):
        errors["measures"] = ["所有整改措施完成后方可申请销号。"]
    evidence_ids = set(ctx.data.get("evidence") or [])
    attached = Evidence.objects.filter(problem=p, pk__in=evidence_ids)
    if len(evidence_ids) != attached.count():
        errors["evidence"] = ["所选佐证材料不属于本问题。"]
    elif not Evidence.objects.filter(problem=p).exists():
        errors["evidence"] = ["申请销号须至少上传一份佐证材料。"]
    if errors:
        raise InvalidInput("尚不满足销号申请条件。", errors)
    given = ctx.data.get("self_check") or {}
    self_check = {name: bool(given.get(name, False)) for name in inputs.SelfCheck().fields}
    request = _new_request(
        ctx,
        RequestType.CLOSEOUT,
        p.batch.closeout_chain,
        summary=ctx.data["summary"],
        self_check=self_check,
    )
    attached.update(request=request)
    ctx.comment = ctx.data["summary"]
    return S.CLOSEOUT_REVIEW


def _decide(ctx: Context, spec_needs, decision) -> tuple[ReviewRequest, ReviewStep, bool]:
    """Record the actor's decision on the current step; return (request, step, was_last)."""
    request = ctx.pending(spec_needs)
    step = _step_check(ctx, request)
    step.decision = decision
    step.reviewer = ctx.actor
    step.opinion = ctx.data.get("comment", "")
    step.decided_at = timezone.now()
    step.save(update_fields=["decision", "reviewer", "opinion", "decided_at"])
    ctx.request = request
    ctx.comment = step.opinion
    remaining = [s for s in request.steps.all() if s.decision == "" and s.pk != step.pk]
    last = decision == Decision.REJECT or not remaining
    if last:
        request.status = (
            RequestStatus.APPROVED if decision == Decision.APPROVE else RequestStatus.REJECTED
        )
        request.decided_at = step.decided_at
        request.save(update_fields=["status", "decided_at"])
    ctx.changes["step"] = [step.step_kind, decision]
    return request, step, last


def _approve_closeout(ctx: Context):
    _, _, last = _decide(ctx, RequestType.CLOSEOUT, Decision.APPROVE)
    if not last:
        return S.CLOSEOUT_REVIEW
    now = timezone.now()
    ctx.set("closed_at", now)
    ctx.set("closed_by", ctx.actor)
    # Frozen at close-out: later extensions or edits never rewrite the on-time record.
    deadline = ctx.problem.original_due_date or ctx.problem.due_date
    ctx.set("closed_on_time", deadline is None or timezone.localdate(now) <= deadline)
    return S.CLOSED


def _reject_closeout(ctx: Context):
    request, _, _ = _decide(ctx, RequestType.CLOSEOUT, Decision.REJECT)
    request.rework_requirement = ctx.data["comment"]
    request.new_due_date = ctx.data.get("new_due_date")
    request.save(update_fields=["rework_requirement", "new_due_date"])
    if request.new_due_date is not None:
        ctx.set("due_date", request.new_due_date)
    ctx.set("rework_count", ctx.problem.rework_count + 1)
    return S.IN_PROGRESS


def _withdraw_closeout(ctx: Context):
    request = ctx.pending(RequestType.CLOSEOUT)
    request.status = RequestStatus.WITHDRAWN
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_at"])
    ctx.request = request
    return (
        request.from_state if request.from_state in (S.IN_PROGRESS, S.LONG_TERM) else S.IN_PROGRESS
    )


def _extension_filing_check(ctx: Context):
    """At most one pending extension; after the due date only an office role may file (§2)."""
    p = ctx.problem
    if ctx.pending(RequestType.EXTENSION) is not None:
        raise InvalidTransition("已有待审核的延期申请。")
    today = timezone.localdate()
    if p.due_date is not None and p.due_date < today and not ctx.access.is_office(p.lead_unit):
        raise InvalidInput(
            "整改时限已过，须由整改办代为申请延期。", {"due_date": ["整改时限已过。"]}
        )


def _request_extension(ctx: Context):
    p, data = ctx.problem, ctx.data
    _extension_filing_check(ctx)
    fields = dict(
        kind=data["kind"],
        reason=data["reason"],
        original_due_date=p.due_date,
        progress_so_far=data.get("progress_so_far", ""),
    )
    if data["kind"] == ExtensionKind.EXTEND:
        requested = data["requested_due_date"]
        if p.due_date is not None and requested <= p.due_date:
            raise InvalidInput(
                "申请延至日期须晚于当前整改时限。",
                {"requested_due_date": ["须晚于当前整改时限。"]},
            )
        limit = p.batch.max_extension_days
        base = p.original_due_date or p.due_date
        if limit is not None and base is not None and (requested - base).days > limit:
            raise InvalidInput(
                f"累计延期不得超过 {limit} 天。",
                {"requested_due_date": [f"累计延期不得超过 {limit} 天。"]},
            )
        fields["requested_due_date"] = requested
    else:
        fields["stage_goal"] = data["stage_goal"]
        fields["next_review_date"] = data["next_review_date"]
    _new_request(ctx, RequestType.EXTENSION, p.batch.extension_chain, **fields)
    ctx.comment = data["reason"]
    return None


def _approve_extension(ctx: Context):
    request, _, last = _decide(ctx, RequestType.EXTENSION, Decision.APPROVE)
    if not last:
        return None
    if request.kind == ExtensionKind.EXTEND:
        if ctx.problem.original_due_date is None:
            ctx.set("original_due_date", ctx.problem.due_date)
        ctx.set("due_date", request.requested_due_date)
        return None
    ctx.set("rectify_type", RectifyType.LONG_TERM)
    ctx.set("next_review_date", request.next_review_date)
    return S.LONG_TERM


def _reject_extension(ctx: Context):
    _decide(ctx, RequestType.EXTENSION, Decision.REJECT)
    return None


def _to_routine(ctx: Context):
    return S.ROUTINE


def _withdraw(ctx: Context):
    return S.WITHDRAWN


def _record_supervision(ctx: Context, kind, content, reply_due_date=None) -> SupervisionAction:
    action = SupervisionAction.objects.create(
        problem=ctx.problem,
        kind=kind,
        target_unit=ctx.problem.lead_unit,
        issued_by=ctx.actor,
        content=content,
        reply_due_date=reply_due_date,
    )
    ctx.changes["supervision"] = [None, kind]
    return action


def _reopen(ctx: Context):
    ctx.set("due_date", ctx.data["new_due_date"])
    ctx.set("reopen_count", ctx.problem.reopen_count + 1)
    ctx.set("closed_at", None)
    ctx.set("closed_by", None)
    ctx.set("closed_on_time", None)
    _record_supervision(ctx, SupervisionKind.URGE, ctx.data["comment"])
    return S.IN_PROGRESS


def _supervise(ctx: Context):
    data = ctx.data
    _record_supervision(ctx, data["kind"], data["content"], data.get("reply_due_date"))
    if data["kind"] == SupervisionKind.LISTED:
        ctx.set("supervision_level", SupervisionLevel.LISTED)
    ctx.comment = data["content"]
    return None


# --- the table -------------------------------------------------------------------------------

NON_TERMINAL_OPEN = frozenset(S) - {S.ROUTINE, S.WITHDRAWN, S.CLOSED}
EXTENSION_STATES = frozenset({S.ASSIGNED, S.IN_PROGRESS})
W = Who

ACTIONS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in [
        ActionSpec(
            "submit",
            "提交",
            frozenset({S.DRAFT}),
            frozenset({S.LIST_REVIEW, S.ASSIGNED}),
            (W.LEAD_UNIT_ADMIN, W.OFFICE_ADMIN),
            inputs.CommentOptional,
            _submit,
        ),
        ActionSpec(
            "approve_list",
            "清单审核通过",
            frozenset({S.LIST_REVIEW}),
            frozenset({S.ASSIGNED}),
            (W.OFFICE_REVIEWER, W.OFFICE_ADMIN),
            inputs.DueDateOptional,
            _approve_list,
        ),
        ActionSpec(
            "return_list",
            "回炉",
            frozenset({S.LIST_REVIEW}),
            frozenset({S.DRAFT}),
            (W.OFFICE_REVIEWER, W.OFFICE_ADMIN),
            inputs.CommentRequired,
            _return_list,
        ),
        ActionSpec(
            "assign",
            "交办",
            frozenset({S.DRAFT}),
            frozenset({S.ASSIGNED}),
            (W.OFFICE_ADMIN,),
            inputs.DueDateOptional,
            _assign,
        ),
        ActionSpec(
            "acknowledge",
            "签收",
            frozenset({S.ASSIGNED}),
            frozenset({S.IN_PROGRESS}),
            (W.LEAD_UNIT_ADMIN,),
            inputs.CommentOptional,
            _acknowledge,
        ),
        ActionSpec(
            "request_closeout",
            "申请销号",
            frozenset({S.IN_PROGRESS, S.LONG_TERM}),
            frozenset({S.CLOSEOUT_REVIEW}),
            (W.LEAD_UNIT_ADMIN,),
            inputs.RequestCloseout,
            _request_closeout,
        ),
        ActionSpec(
            "approve_closeout",
            "销号审核通过",
            frozenset({S.CLOSEOUT_REVIEW}),
            frozenset({S.CLOSEOUT_REVIEW, S.CLOSED}),
            (W.STEP_REVIEWER,),
            inputs.CommentOptional,
            _approve_closeout,
            needs=RequestType.CLOSEOUT,
        ),
        ActionSpec(
            "reject_closeout",
            "退回",
            frozenset({S.CLOSEOUT_REVIEW}),
            frozenset({S.IN_PROGRESS}),
            (W.STEP_REVIEWER,),
            inputs.RejectCloseout,
            _reject_closeout,
            needs=RequestType.CLOSEOUT,
        ),
        ActionSpec(
            "withdraw_closeout",
            "撤回销号申请",
            frozenset({S.CLOSEOUT_REVIEW}),
            frozenset({S.IN_PROGRESS, S.LONG_TERM}),
            (W.APPLICANT,),
            inputs.NoInput,
            _withdraw_closeout,
            needs=RequestType.CLOSEOUT,
        ),
        # An office role may file for a unit, also after the due date has passed (SPEC §2).
        ActionSpec(
            "request_extension",
            "申请延期/转长期",
            EXTENSION_STATES,
            frozenset(),
            (W.LEAD_UNIT_ADMIN, W.OFFICE_ADMIN),
            inputs.RequestExtension,
            _request_extension,
        ),
        ActionSpec(
            "approve_extension",
            "延期审核通过",
            EXTENSION_STATES,
            frozenset({S.LONG_TERM}),
            (W.STEP_REVIEWER,),
            inputs.CommentOptional,
            _approve_extension,
            needs=RequestType.EXTENSION,
        ),
        ActionSpec(
            "reject_extension",
            "延期审核退回",
            EXTENSION_STATES,
            frozenset(),
            (W.STEP_REVIEWER,),
            inputs.CommentRequired,
            _reject_extension,
            needs=RequestType.EXTENSION,
        ),
        ActionSpec(
            "to_routine",
            "纳入日常管理",
            frozenset({S.IN_PROGRESS, S.LONG_TERM}),
            frozenset({S.ROUTINE}),
            (W.OFFICE_ADMIN,),
            inputs.CommentRequired,
            _to_routine,
        ),
        ActionSpec(
            "withdraw",
            "撤销",
            NON_TERMINAL_OPEN,
            frozenset({S.WITHDRAWN}),
            (W.OFFICE_ADMIN,),
            inputs.CommentRequired,
            _withdraw,
        ),
        ActionSpec(
            "reopen",
            "反弹重改",
            frozenset({S.CLOSED}),
            frozenset({S.IN_PROGRESS}),
            (W.OFFICE_REVIEWER, W.OFFICE_ADMIN),
            inputs.Reopen,
            _reopen,
        ),
        ActionSpec(
            "supervise",
            "督办",
            ACTIVE_STATES,
            frozenset(),
            (W.OFFICE_REVIEWER, W.OFFICE_ADMIN),
            inputs.Supervise,
            _supervise,
        ),
    ]
}

# Actions after which the due date may differ (the hypothesis test checks nothing else moves it).
DUE_DATE_ACTIONS = frozenset(
    {"submit", "approve_list", "assign", "approve_extension", "reject_closeout", "reopen"}
)


def _cancel_stale_requests(problem: Problem, new_state: str):
    """A problem that leaves the flow takes its pending requests with it."""
    if new_state not in EXTENSION_STATES:
        problem.requests.filter(
            request_type=RequestType.EXTENSION, status=RequestStatus.PENDING
        ).update(status=RequestStatus.CANCELLED, decided_at=timezone.now())
    if new_state != S.CLOSEOUT_REVIEW:
        problem.requests.filter(
            request_type=RequestType.CLOSEOUT, status=RequestStatus.PENDING
        ).update(status=RequestStatus.WITHDRAWN, decided_at=timezone.now())


def _validated(spec: ActionSpec, data) -> dict:
    serializer = spec.input(data=data or {})
    if not serializer.is_valid():
        raise InvalidInput("输入有误。", serializer.errors)
    return dict(serializer.validated_data)


def perform_action(*, problem_id: int, action: str, actor, data: dict | None = None) -> Problem:
    """Take `action` on a problem for `actor` (None: the system). The one writer of `status`."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise NotFound(f"未知操作：{action}")
    with transaction.atomic():
        qs = Problem.objects if actor is None else visible_problems(actor)
        # Lock the row: a concurrent action on the same problem waits here, then re-checks.
        problem = (
            qs.select_for_update(of=("self",))
            .select_related("batch", "lead_unit")
            .filter(pk=problem_id)
            .first()
        )
        if problem is None:
            raise NotFound("问题不存在。")
        ctx = Context(problem=problem, actor=actor, access=access_for(actor))
        check_available(spec, ctx)
        ctx.data = _validated(spec, data)
        ctx.comment = ctx.data.get("comment", "")
        from_state = problem.status
        new_state = spec.effect(ctx) or from_state
        assert new_state == from_state or new_state in spec.targets, (action, new_state)
        if new_state != from_state:
            problem.status = new_state
            _cancel_stale_requests(problem, new_state)
        problem.save()
        ledger_append(
            problem=problem,
            actor=actor,
            action=action,
            from_state=from_state,
            to_state=new_state,
            changes=ctx.changes,
            comment=ctx.comment,
        )
        problem_reschedule(problem)
        # Listeners (notifications/) cancel reminders that no longer apply, in this transaction.
        signals.schedule_changed.send(sender=Problem, problem=problem)
        request_id = ctx.request.pk if ctx.request is not None else None
        transaction.on_commit(
            lambda: signals.problem_changed.send(
                sender=Problem,
                problem_id=problem.pk,
                action=action,
                actor_id=getattr(actor, "pk", None),
                request_id=request_id,
            )
        )
    problem.pending_requests = None
    return problem


def allowed_actions(problem: Problem, user) -> list[str]:
    """The actions `user` may take on `problem` now (state and actor; input not considered)."""
    ctx = Context(problem=problem, actor=user, access=access_for(user))
    allowed = []
    for name, spec in ACTIONS.items():
        try:
            check_available(spec, ctx)
        except (InvalidTransition, ActionForbidden):
            continue
        if name == "request_extension":
            try:
                _extension_filing_check(ctx)
            except (InvalidTransition, InvalidInput):
                continue
        allowed.append(name)
    return allowed


def decidable_step(request: ReviewRequest, user) -> ReviewStep | None:
    """The step of `request` that `user` may decide now, or None — by the same rules as the
    approve/reject actions (chain order, who decides which kind, separation of duties).
    Reads `request.problem` (with its lead unit) and `request.steps`; prefetch both."""
    if request.status != RequestStatus.PENDING:
        return None
    ctx = Context(problem=request.problem, actor=user, access=access_for(user))
    try:
        return _step_check(ctx, request)
    except (InvalidTransition, ActionForbidden):
        return None
