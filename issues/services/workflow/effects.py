"""What each action does to a problem (SPEC §3): one function per action, called by
perform_action inside its transaction with the row locked. Each returns the new state, or None
when the state does not change."""

from django.utils import timezone

from issues.exceptions import InvalidInput, InvalidTransition
from issues.models import (
    Decision,
    Evidence,
    ExtensionKind,
    MeasureStatus,
    RectifyType,
    RequestStatus,
    RequestType,
    ReviewRequest,
    ReviewStep,
    Status,
    StepKind,
    SupervisionAction,
    SupervisionKind,
    SupervisionLevel,
    review_chain_error,
)
from issues.selectors.leaders import responsible_leader_check
from issues.services import inputs
from issues.services.problems import measures_follow_due_date
from issues.services.workdays import add_working_days
from issues.services.workflow.rules import Context, step_check

S = Status


def require_due_date(ctx: Context):
    if ctx.problem.due_date is None and ctx.problem.rectify_type != RectifyType.LONG_TERM:
        raise InvalidInput("请填写整改时限。", {"due_date": ["请填写整改时限。"]})


def move_due_date(ctx: Context, new):
    """Set the problem's due date; its unfinished measures follow (measures_follow_due_date)."""
    old = ctx.problem.due_date
    ctx.set("due_date", new)
    seqs = measures_follow_due_date(ctx.problem, old, new)
    if seqs:
        ctx.changes["measures_moved"] = [seqs, new]


def check_earlier_date(ctx: Context, new):
    """A 退回 or 反弹 date earlier than the current deadline needs `confirm_earlier`; the
    ledger entry then says it was confirmed (a typo must not silently shorten a deadline)."""
    current = ctx.problem.due_date
    if current is None or new is None or new >= current:
        return
    if not ctx.data.get("confirm_earlier"):
        message = f"新整改时限（{new:%Y-%m-%d}）早于当前整改时限（{current:%Y-%m-%d}），请勾选“确认提前”后再提交。"
        raise InvalidInput(message, {"confirm_earlier": [message]})
    ctx.changes["confirm_earlier"] = [False, True]


def fix_due_date(ctx: Context):
    due = ctx.data.get("due_date")
    if due is not None:
        move_due_date(ctx, due)
    require_due_date(ctx)
    if ctx.problem.original_due_date is None:
        ctx.set("original_due_date", ctx.problem.due_date)


def submit(ctx: Context):
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
    fix_due_date(ctx)
    return S.ASSIGNED


def approve_list(ctx: Context):
    fix_due_date(ctx)
    return S.ASSIGNED


def return_list(ctx: Context):
    return S.DRAFT


def assign(ctx: Context):
    fix_due_date(ctx)
    return S.ASSIGNED


def acknowledge(ctx: Context):
    if not ctx.problem.measures.exists():
        raise InvalidInput(
            "签收前须至少制定一条整改措施。", {"measures": ["至少需要一条整改措施。"]}
        )
    return S.IN_PROGRESS


def new_request(ctx: Context, request_type, chain, **fields) -> ReviewRequest:
    error = review_chain_error(chain)
    if error:  # a chain stored before the rule, or written around the services
        raise InvalidInput(f"批次审核链设置有误：{error}", {"chain": [error]})
    if StepKind.LEADER in chain:
        leader = ctx.problem.responsible_leader
        if leader is None:
            raise InvalidInput(
                "审核链含责任领导环节，请先指定责任领导。",
                {"responsible_leader": ["未指定责任领导。"]},
            )
        responsible_leader_check(leader=leader, lead_unit=ctx.problem.lead_unit)
    request = ReviewRequest.objects.create(
        problem=ctx.problem,
        request_type=request_type,
        applicant=ctx.user,
        from_state=ctx.problem.status,
        current_step_kind=chain[0],
        **fields,
    )
    ReviewStep.objects.bulk_create(
        ReviewStep(request=request, position=i, step_kind=kind) for i, kind in enumerate(chain, 1)
    )
    ctx.request = request
    ctx.problem.pending_requests = None  # invalidate the cached pending list
    return request


def request_closeout(ctx: Context):
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
    request = new_request(
        ctx,
        RequestType.CLOSEOUT,
        p.batch.closeout_chain,
        summary=ctx.data["summary"],
        self_check=self_check,
    )
    attached.update(request=request)
    ctx.comment = ctx.data["summary"]
    return S.CLOSEOUT_REVIEW


def decide(ctx: Context, spec_needs, decision) -> tuple[ReviewRequest, ReviewStep, bool]:
    """Record the actor's decision on the current step; return (request, step, was_last)."""
    request = ctx.needed(spec_needs)
    step = step_check(ctx, request)
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
        request.current_step_kind = ""
        request.save(update_fields=["status", "decided_at", "current_step_kind"])
    else:
        request.current_step_kind = min(remaining, key=lambda s: s.position).step_kind
        request.save(update_fields=["current_step_kind"])
    ctx.changes["step"] = [step.step_kind, decision]
    return request, step, last


def approve_closeout(ctx: Context):
    _, _, last = decide(ctx, RequestType.CLOSEOUT, Decision.APPROVE)
    if not last:
        return S.CLOSEOUT_REVIEW
    now = timezone.now()
    ctx.set("closed_at", now)
    ctx.set("closed_by", ctx.actor)
    # Frozen at close-out: later extensions or edits never rewrite the on-time record.
    deadline = ctx.problem.original_due_date or ctx.problem.due_date
    ctx.set("closed_on_time", deadline is None or timezone.localdate(now) <= deadline)
    return S.CLOSED


def reject_closeout(ctx: Context):
    request, _, _ = decide(ctx, RequestType.CLOSEOUT, Decision.REJECT)
    request.rework_requirement = ctx.data["comment"]
    request.new_due_date = ctx.data.get("new_due_date")
    request.save(update_fields=["rework_requirement", "new_due_date"])
    if request.new_due_date is not None:
        check_earlier_date(ctx, request.new_due_date)
        move_due_date(ctx, request.new_due_date)
    ctx.set("rework_count", ctx.problem.rework_count + 1)
    return S.IN_PROGRESS


def withdraw_closeout(ctx: Context):
    request = ctx.needed(RequestType.CLOSEOUT)
    request.status = RequestStatus.WITHDRAWN
    request.decided_at = timezone.now()
    request.current_step_kind = ""
    request.save(update_fields=["status", "decided_at", "current_step_kind"])
    ctx.request = request
    return (
        request.from_state if request.from_state in (S.IN_PROGRESS, S.LONG_TERM) else S.IN_PROGRESS
    )


def extension_filing_check(ctx: Context):
    """At most one pending extension; after the due date only an office role may file (§2)."""
    p = ctx.problem
    if ctx.pending(RequestType.EXTENSION) is not None:
        raise InvalidTransition("已有待审核的延期申请。")
    today = timezone.localdate()
    if p.due_date is not None and p.due_date < today and not ctx.access.is_office(p.lead_unit):
        raise InvalidInput(
            "整改时限已过，须由整改办代为申请延期。", {"due_date": ["整改时限已过。"]}
        )


def request_extension(ctx: Context):
    p, data = ctx.problem, ctx.data
    extension_filing_check(ctx)
    fields = dict(
        kind=data["kind"],
        reason=data["reason"],
        original_due_date=p.due_date,
        progress_so_far=data.get("progress_so_far", ""),
    )
    if data["kind"] == ExtensionKind.EXTEND:
        requested = data["requested_due_date"]
        if data.get("extend_working_days"):
            start = p.due_date or timezone.localdate()
            requested = add_working_days(start, data["extend_working_days"])
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
    new_request(ctx, RequestType.EXTENSION, p.batch.extension_chain, **fields)
    ctx.comment = data["reason"]
    return None


def approve_extension(ctx: Context):
    request, _, last = decide(ctx, RequestType.EXTENSION, Decision.APPROVE)
    if not last:
        return None
    if request.kind == ExtensionKind.EXTEND:
        if ctx.problem.original_due_date is None:
            ctx.set("original_due_date", ctx.problem.due_date)
        move_due_date(ctx, request.requested_due_date)
        return None
    ctx.set("rectify_type", RectifyType.LONG_TERM)
    ctx.set("next_review_date", request.next_review_date)
    return S.LONG_TERM


def reject_extension(ctx: Context):
    decide(ctx, RequestType.EXTENSION, Decision.REJECT)
    return None


def to_routine(ctx: Context):
    return S.ROUTINE


def withdraw(ctx: Context):
    return S.WITHDRAWN


def new_supervision(ctx: Context, kind, content, reply_due_date=None) -> SupervisionAction:
    """The supervision an action records, not yet saved (bulk writers save many at once)."""
    ctx.changes["supervision"] = [None, kind]
    return SupervisionAction(
        problem=ctx.problem,
        kind=kind,
        target_unit=ctx.problem.lead_unit,
        issued_by=ctx.actor,
        content=content,
        reply_due_date=reply_due_date,
    )


def record_supervision(ctx: Context, kind, content, reply_due_date=None) -> SupervisionAction:
    action = new_supervision(ctx, kind, content, reply_due_date)
    action.save()
    return action


def reopen(ctx: Context):
    check_earlier_date(ctx, ctx.data["new_due_date"])
    move_due_date(ctx, ctx.data["new_due_date"])
    ctx.set("reopen_count", ctx.problem.reopen_count + 1)
    ctx.set("closed_at", None)
    ctx.set("closed_by", None)
    ctx.set("closed_on_time", None)
    record_supervision(ctx, SupervisionKind.URGE, ctx.data["comment"])
    return S.IN_PROGRESS


def supervision_of(ctx: Context) -> SupervisionAction:
    """What `supervise` does, with the supervision left unsaved: the one definition shared by
    the action and its bulk form (workflow.supervise_listed_many)."""
    data = ctx.data
    action = new_supervision(ctx, data["kind"], data["content"], data.get("reply_due_date"))
    if data["kind"] == SupervisionKind.LISTED:
        ctx.set("supervision_level", SupervisionLevel.LISTED)
    ctx.comment = data["content"]
    return action


def supervise(ctx: Context):
    supervision_of(ctx).save()
    return None
