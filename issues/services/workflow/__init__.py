"""The problem workflow of SPEC §3: one table (table.py), one function (this module).

`ACTIONS` declares every action: the states it may start from, the states it may lead to,
who may take it and what input it needs. `perform_action` is the only code that changes a
problem's `status` once it exists (new problems are drafts): it locks the row, re-checks state, actor and input, applies the effect,
appends the ledger entry and announces the change after commit — all in one transaction.
`allowed_actions` answers "what may this user do now" from the same table.
"""

from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from issues import signals
from issues.exceptions import ActionForbidden, InvalidInput, InvalidTransition, NotFound
from issues.models import (
    Problem,
    RequestStatus,
    RequestType,
    ReviewRequest,
    ReviewStep,
    Status,
    SupervisionAction,
    SupervisionKind,
)
from issues.selectors.scope import access_for, visible_problems
from issues.services.schedule import problem_reschedule, problems_reschedule
from issues.services.workflow import effects
from issues.services.workflow.rules import (
    ActionSpec,
    Context,
    check_available,
    may_decide_kind,
    pending_request,
    step_check,
)
from issues.services.workflow.table import ACTIONS, DUE_DATE_ACTIONS, EXTENSION_STATES
from ledger.services import ledger_append, ledger_append_many

S = Status

__all__ = [
    "ACTIONS",
    "DUE_DATE_ACTIONS",
    "allowed_actions",
    "decidable_step",
    "may_decide_kind",
    "pending_request",
    "perform_action",
    "step_refusal",
    "supervise_listed_many",
]


def _cancel_stale_requests(problem: Problem, new_state: str):
    """A problem that leaves the flow takes its pending requests with it."""
    if new_state not in EXTENSION_STATES:
        problem.requests.filter(
            request_type=RequestType.EXTENSION, status=RequestStatus.PENDING
        ).update(status=RequestStatus.CANCELLED, decided_at=timezone.now(), current_step_kind="")
    if new_state != S.CLOSEOUT_REVIEW:
        problem.requests.filter(
            request_type=RequestType.CLOSEOUT, status=RequestStatus.PENDING
        ).update(status=RequestStatus.WITHDRAWN, decided_at=timezone.now(), current_step_kind="")


def _validated(spec: ActionSpec, data) -> dict:
    serializer = spec.input(data=data or {})
    if not serializer.is_valid():
        raise InvalidInput("输入有误。", serializer.errors)
    return dict(serializer.validated_data)


def _changed_columns(ctx: Context, state_changed: bool) -> list[str]:
    columns = {f.name for f in Problem._meta.concrete_fields}
    names = [name for name in ctx.changes if name in columns]
    return [*names, *(["status"] if state_changed else []), "updated_at"]


def perform_action(*, problem_id: int, action: str, actor, data: dict | None = None) -> Problem:
    """Take `action` on a problem for `actor` (None: the system). The only code that changes
    `status` (problem_create and the import write new problems as drafts)."""
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
        # An effect leading outside its table row is a programming error, caught by the tests.
        assert new_state == from_state or new_state in spec.targets, (action, new_state)  # noqa: S101
        if new_state != from_state:
            problem.status = new_state
            _cancel_stale_requests(problem, new_state)
        # Only the columns this action set (ctx.set) and the state: a whole-row save would
        # rewrite columns that other code keeps current with plain UPDATEs.
        problem.save(update_fields=_changed_columns(ctx, new_state != from_state))
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
        signals.schedule_changed.send(sender=Problem, problems=[problem])
        request_id = ctx.request.pk if ctx.request is not None else None
        transaction.on_commit(
            lambda: signals.problem_changed.send(
                sender=Problem,
                problem_ids=[problem.pk],
                action=action,
                actor_id=getattr(actor, "pk", None),
                request_id=request_id,
            )
        )
    problem.pending_requests = None
    return problem


def supervise_listed_many(*, items: list[tuple[int, str]]) -> list[int]:
    """The system's `supervise` action with kind `listed` on many problems at once: what
    perform_action(action="supervise", actor=None) does for each (problem_id, content) item in
    turn — the same checks, supervision rows, ledger entries, reschedule and announcement —
    in a constant number of queries. Rows are locked in pk order. All or nothing: if any item
    may not be taken (a problem withdrawn or deleted meanwhile) it raises, as perform_action
    would, and nothing is written. Returns the ids of the problems supervised."""
    spec = ACTIONS["supervise"]
    with transaction.atomic():
        problems = {
            p.pk: p
            for p in Problem.objects.select_for_update(of=("self",))
            .select_related("batch", "lead_unit")
            .filter(pk__in={problem_id for problem_id, _ in items})
            .order_by("pk")
        }
        access = access_for(None)
        rows, entries, columns = [], [], set()
        validated: dict[str, dict] = {}
        for problem_id, content in items:
            problem = problems.get(problem_id)
            if problem is None:
                raise NotFound("问题不存在。")
            ctx = Context(problem=problem, actor=None, access=access)
            check_available(spec, ctx)
            # The same input validates the same way: once per distinct content (the scan's
            # escalations of a day mostly share one), each item gets its own copy.
            if content not in validated:
                validated[content] = _validated(
                    spec, {"kind": SupervisionKind.LISTED, "content": content}
                )
            ctx.data = dict(validated[content])
            rows.append(effects.supervision_of(ctx))
            columns.update(_changed_columns(ctx, state_changed=False))
            entries.append(
                dict(
                    problem=problem,
                    actor=None,
                    action=spec.name,
                    from_state=problem.status,
                    to_state=problem.status,
                    changes=ctx.changes,
                    comment=ctx.comment,
                )
            )
        touched = [problems[pk] for pk in dict.fromkeys(pk for pk, _ in items)]
        SupervisionAction.objects.bulk_create(rows)
        # The columns the effect set (as perform_action saves them): one plain UPDATE per set
        # of values, which is one in all (the effect sets the same level on every problem).
        # bulk_update's CASE per row cost ~0.1 s of Python per 50 problems.
        now = timezone.now()
        names = sorted(columns)
        groups: dict[tuple, list[int]] = defaultdict(list)
        for problem in touched:
            problem.updated_at = now
            groups[tuple(getattr(problem, name) for name in names)].append(problem.pk)
        for values, ids in groups.items():
            Problem.objects.filter(pk__in=ids).update(**dict(zip(names, values, strict=True)))
        ledger_append_many(entries)
        problems_reschedule(touched)
        signals.schedule_changed.send(sender=Problem, problems=touched)
        # One announcement per action taken, as perform_action makes for each.
        announced = [problem_id for problem_id, _ in items]
        transaction.on_commit(
            lambda: signals.problem_changed.send(
                sender=Problem,
                problem_ids=announced,
                action=spec.name,
                actor_id=None,
                request_id=None,
            )
        )
    return [p.pk for p in touched]


def allowed_actions(problem: Problem, user) -> list[str]:
    """The actions `user` may take on `problem` now (state and actor; input not considered)."""
    ctx = Context(problem=problem, actor=user, access=access_for(user))
    allowed = []
    for name, spec in ACTIONS.items():
        if problem.status not in spec.sources:
            continue  # what check_available would refuse first, without building its message
        try:
            check_available(spec, ctx)
        except (InvalidTransition, ActionForbidden):
            continue
        if name == "request_extension":
            try:
                effects.extension_filing_check(ctx)
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
        return step_check(ctx, request)
    except (InvalidTransition, ActionForbidden):
        return None


def step_refusal(request: ReviewRequest, user) -> str | None:
    """Why `user` may not decide `request`'s current step now (None: they may), in the words
    the approve/reject actions would answer with — for the problem page."""
    if request.status != RequestStatus.PENDING:
        return None
    ctx = Context(problem=request.problem, actor=user, access=access_for(user))
    try:
        step_check(ctx, request)
    except (InvalidTransition, ActionForbidden) as exc:
        return exc.detail
    return None
