"""Creating and editing problems and their measures (SPEC §3 "Rules that always hold")."""

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from issues.exceptions import ActionForbidden, InvalidInput, InvalidTransition
from issues.models import (
    ACTIVE_STATES,
    TERMINAL_STATES,
    Batch,
    Measure,
    MeasureStatus,
    Problem,
    RequestStatus,
    Role,
    Status,
    Unit,
)
from issues.selectors.leaders import is_eligible_leader, responsible_leader_check
from issues.selectors.scope import access_for, scope_units_for_roles
from issues.services.recurrence import mark_recurrence
from issues.services.schedule import open_measures_due, problem_reschedule
from issues.services.workdays import batch_default_due
from issues.signals import schedule_changed
from ledger.services import ledger_append

# Fields a plain edit may change. Status and the counters belong to the workflow.
EDITABLE_FIELDS = (
    "campaign",
    "source",
    "origin",
    "category",
    "title",
    "description",
    "target",
    "severity",
    "amount",
    "rectify_type",
    "due_date",
    "responsible_leader",
    "lead_unit",
    "owner",
    "generalization_note",
    "mechanism_note",
    "next_review_date",
    "remark",
)
# The due date is fixed once assigned; afterwards only the workflow's actions move it.
DUE_DATE_EDITABLE_STATES = frozenset({Status.DRAFT, Status.LIST_REVIEW})
MEASURE_STATES = frozenset({Status.ASSIGNED, Status.IN_PROGRESS, Status.LONG_TERM})


def next_problem_code(batch: Batch) -> str:
    """The batch's next code. The UPDATE takes a row lock, so concurrent creations never share
    a number: the second transaction waits, then increments the committed value."""
    Batch.objects.filter(pk=batch.pk).update(last_seq=F("last_seq") + 1)
    seq = Batch.objects.values_list("last_seq", flat=True).get(pk=batch.pk)
    return f"{batch.code_prefix}-{seq:03d}"


def measures_follow_due_date(problem: Problem, old, new) -> list[int]:
    """Keep a problem's unfinished measures within its due date, so that the deadlines on one
    page agree (an approved extension must not leave measures overdue at the old date).
    A later date carries along the measures that were due on or after the old date (they were
    due "with the problem"); an earlier date pulls in every measure due after it. Earlier
    milestones stay where they are; done measures never move. Returns the moved seqs."""
    if new is None or old is None or new == old:
        return []
    unfinished = problem.measures.exclude(status=MeasureStatus.DONE)
    if new > old:
        moving = unfinished.filter(due_date__gte=old, due_date__lt=new)
    else:
        moving = unfinished.filter(due_date__gt=new)
    seqs = sorted(moving.values_list("seq", flat=True))
    if seqs:
        moving.update(due_date=new)
    return seqs


def check_measure_due(problem: Problem, due_date, field: str = "due_date"):
    """No measure may be due after its problem (a long-term problem has no due date)."""
    if due_date is not None and problem.due_date is not None and due_date > problem.due_date:
        message = f"措施完成时限不能晚于问题的整改时限（{problem.due_date:%Y-%m-%d}）。"
        raise InvalidInput(message, {field: [message]})


def _check_unit_in_scope(actor, unit, field: str):
    access = access_for(actor)
    if not access.has_role_over(
        {
            Role.OFFICE_ADMIN,
            Role.UNIT_ADMIN,
            Role.OFFICE_REVIEWER,
            Role.UNIT_HEAD,
            Role.UNIT_STAFF,
            Role.LEADER,
            Role.VIEWER,
        },
        unit,
    ):
        raise InvalidInput(
            "所选单位不在您的管辖范围内。", {field: ["所选单位不在您的管辖范围内。"]}
        )


def may_create_problem(actor, lead_unit) -> bool:
    access = access_for(actor)
    return access.has_role_over({Role.OFFICE_ADMIN}, lead_unit) or access.has_role_at(
        {Role.UNIT_ADMIN}, lead_unit
    )


def may_import(actor) -> bool:
    """Who may import a problem list (books/services/importer.py): an office admin."""
    access = access_for(actor)
    return access.is_superuser or bool(access.unit_ids_with_role({Role.OFFICE_ADMIN}))


def lead_units_for(actor):
    """The units `actor` may register problems for (may_create_problem, as a queryset):
    every unit under an office_admin membership, and the units where they are unit_admin."""
    access = access_for(actor)
    if access.sees_everything:
        return Unit.objects.all()
    offices = scope_units_for_roles(actor, {Role.OFFICE_ADMIN})
    liaisons = access.unit_ids_with_role({Role.UNIT_ADMIN})
    return Unit.objects.filter(Q(pk__in=offices.values("pk")) | Q(pk__in=liaisons))


def may_edit_problem(actor, problem: Problem) -> bool:
    access = access_for(actor)
    if problem.status in TERMINAL_STATES or problem.status == Status.CLOSED:
        return False
    if access.has_role_over({Role.OFFICE_ADMIN}, problem.lead_unit):
        return True
    return problem.status == Status.DRAFT and access.has_role_at(
        {Role.UNIT_ADMIN}, problem.lead_unit
    )


@transaction.atomic
def problem_create(*, actor, batch: Batch, cooperating_units=(), measures=(), **fields) -> Problem:
    """A new problem in `draft`, with optional inline measures, recorded in the ledger."""
    lead_unit = fields["lead_unit"]
    if not may_create_problem(actor, lead_unit):
        # A unit outside the actor's scope is a bad reference (400); inside it, a role that
        # may not register problems there is refused (403).
        _check_unit_in_scope(actor, lead_unit, "lead_unit")
        raise ActionForbidden("您无权为该牵头单位登记问题。")
    responsible_leader_check(leader=fields.get("responsible_leader"), lead_unit=lead_unit)
    if fields.get("due_date") is None and fields.get("rectify_type") != "long_term":
        fields["due_date"] = batch_default_due(batch)
        if fields["due_date"] is None:
            raise InvalidInput("请填写整改时限。", {"due_date": ["请填写整改时限。"]})
    problem = Problem(batch=batch, created_by=actor, code=next_problem_code(batch), **fields)
    problem.status = Status.DRAFT
    allowed_units = {lead_unit.pk, *(u.pk for u in cooperating_units)}
    created = []
    for seq, item in enumerate(measures, 1):
        unit = item.get("unit") or lead_unit
        if unit.pk not in allowed_units:
            raise InvalidInput(
                "措施的责任单位须为牵头单位或配合单位。",
                {"measures": [f"第{seq}条措施的责任单位须为牵头单位或配合单位。"]},
            )
        created.append(
            Measure(
                problem=problem,
                seq=seq,
                content=item["content"],
                unit=unit,
                owner=item.get("owner"),
                due_date=item.get("due_date") or problem.due_date,
            )
        )
    problem.open_measures_due = open_measures_due(created)
    mark_recurrence(problem)
    problem.save()
    if cooperating_units:
        problem.cooperating_units.set(cooperating_units)
    Measure.objects.bulk_create(created)  # each takes problem_id from the now saved problem
    ledger_append(
        problem=problem,
        actor=actor,
        action="create",
        to_state=Status.DRAFT,
        changes={
            "code": [None, problem.code],
            "lead_unit": [None, lead_unit.pk],
            "due_date": [None, problem.due_date],
            "cooperating_units": [[], sorted(u.pk for u in cooperating_units)],
            "measures": [0, len(created)],
        },
    )
    return problem


def _update_check(actor, problem: Problem, fields: dict) -> None:
    """Refuse a plain edit before anything changes: who, which fields, which values."""
    if not may_edit_problem(actor, problem):
        if problem.status in TERMINAL_STATES or problem.status == Status.CLOSED:
            raise InvalidTransition("该问题已结束，不能修改。")
        raise ActionForbidden("您无权修改该问题。")
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput("不可修改的字段。", {name: ["不可修改。"] for name in sorted(unknown)})
    if "due_date" in fields and fields["due_date"] != problem.due_date:
        if problem.status not in DUE_DATE_EDITABLE_STATES:
            raise InvalidInput(
                "交办后整改时限只能通过延期申请、退回或反弹重改调整。",
                {"due_date": ["交办后不能直接修改整改时限。"]},
            )
    if "lead_unit" in fields and fields["lead_unit"] != problem.lead_unit:
        # The destination must be in the editor's scope, not just the source (re-parenting).
        if not may_create_problem(actor, fields["lead_unit"]):
            raise InvalidInput(
                "不能将问题移交到您管辖范围以外的单位。",
                {"lead_unit": ["所选单位不在您的管辖范围内。"]},
            )
    reviewers_check(problem, fields)


@transaction.atomic
def problem_update(*, actor, problem_id: int, cooperating_units=None, **fields) -> Problem:
    """A plain edit (PATCH). Status never changes here; the due date only before assignment."""
    problem = (
        Problem.objects.select_for_update(of=("self",))
        .select_related("lead_unit")
        .get(pk=problem_id)
    )
    _update_check(actor, problem, fields)
    changes = {}
    old_due = problem.due_date
    for name, value in fields.items():
        old = getattr(problem, name)
        if old != value:
            changes[name] = [old, value]
            setattr(problem, name, value)
    moved = measures_follow_due_date(problem, old_due, problem.due_date)
    if moved:
        changes["measures_moved"] = [moved, problem.due_date]
    if cooperating_units is not None:
        old_ids = sorted(problem.cooperating_units.values_list("pk", flat=True))
        new_ids = sorted(u.pk for u in cooperating_units)
        for unit in cooperating_units:
            if unit.pk not in old_ids:
                _check_unit_in_scope(actor, unit, "cooperating_units")
        if old_ids != new_ids:
            problem.cooperating_units.set(cooperating_units)
            changes["cooperating_units"] = [old_ids, new_ids]
    if not changes:
        return problem
    # Only what this edit changed: a column another writer moved meanwhile keeps its value.
    problem.save(
        update_fields=[
            *(n for n in changes if n not in ("cooperating_units", "measures_moved")),
            "updated_at",
        ]
    )
    ledger_append(
        problem=problem,
        actor=actor,
        action="edit",
        from_state=problem.status,
        to_state=problem.status,
        changes=changes,
    )
    if moved:
        _rescheduled(problem)
    return problem


# Who reviews a pending request follows from these; they stay put until it is decided.
REVIEWER_FIELDS = ("responsible_leader", "lead_unit")
FROZEN_WHILE_PENDING = "有待审核的销号或延期申请，审核完成（或撤回）前不能更换责任领导或牵头单位。"


def reviewers_check(problem: Problem, fields: dict):
    """The new leader must be eligible for the new lead unit; neither moves while a close-out
    or extension request is pending — except to replace a leader who is no longer eligible
    (lost the role), since nobody else could then decide the `leader` step."""
    moved = [
        name
        for name in REVIEWER_FIELDS
        if name in fields and fields[name] != getattr(problem, name)
    ]
    if not moved:
        return
    leader = fields.get("responsible_leader", problem.responsible_leader)
    lead_unit = fields.get("lead_unit", problem.lead_unit)
    if problem.requests.filter(status=RequestStatus.PENDING).exists():
        replacing_ineligible = (
            moved == ["responsible_leader"]
            and problem.responsible_leader is not None
            and not is_eligible_leader(problem.responsible_leader, problem.lead_unit)
        )
        if not replacing_ineligible:
            raise InvalidInput(
                FROZEN_WHILE_PENDING, {name: [FROZEN_WHILE_PENDING] for name in moved}
            )
        if leader is None:
            raise InvalidInput(
                "请指定符合条件的责任领导。", {"responsible_leader": ["请指定责任领导。"]}
            )
    responsible_leader_check(leader=leader, lead_unit=lead_unit)


def may_edit_measure(actor, problem: Problem, unit) -> bool:
    """Lead unit's admins/staff edit any measure; a cooperating unit's staff only their own."""
    access = access_for(actor)
    if problem.status == Status.DRAFT:
        return may_edit_problem(actor, problem)
    if problem.status not in MEASURE_STATES:
        return False
    lead_roles = {Role.UNIT_ADMIN, Role.UNIT_STAFF}
    if access.has_role_at(lead_roles, problem.lead_unit):
        return True
    cooperating = {u.pk for u in problem.cooperating_units.all()}
    return unit.pk in cooperating and access.has_role_at(lead_roles, unit)


def _measure_guard(actor, problem, unit):
    if problem.status not in MEASURE_STATES and problem.status != Status.DRAFT:
        raise InvalidTransition("当前状态下不能修改整改措施。")
    if not may_edit_measure(actor, problem, unit):
        raise ActionForbidden("您无权修改该整改措施。")


def _measure_unit_allowed(problem, unit):
    if (
        unit.pk != problem.lead_unit_id
        and not problem.cooperating_units.filter(pk=unit.pk).exists()
    ):
        raise InvalidInput(
            "措施的责任单位须为牵头单位或配合单位。", {"unit": ["须为牵头单位或配合单位。"]}
        )


@transaction.atomic
def measure_create(*, actor, problem_id: int, content: str, unit=None, owner=None, due_date=None):
    problem = (
        Problem.objects.select_for_update(of=("self",))
        .select_related("lead_unit")
        .get(pk=problem_id)
    )
    unit = unit or problem.lead_unit
    _measure_guard(actor, problem, unit)
    _measure_unit_allowed(problem, unit)
    check_measure_due(problem, due_date)
    seq = (problem.measures.order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
    measure = Measure.objects.create(
        problem=problem,
        seq=seq,
        content=content,
        unit=unit,
        owner=owner,
        due_date=due_date or problem.due_date,
    )
    ledger_append(
        problem=problem,
        actor=actor,
        action="measure_add",
        from_state=problem.status,
        to_state=problem.status,
        changes={
            "measure": [None, seq],
            "unit": [None, unit.pk],
            "due_date": [None, measure.due_date],
        },
        comment=content,
    )
    _rescheduled(problem)
    return measure


MEASURE_FIELDS = ("content", "unit", "owner", "due_date", "status", "done_note")


@transaction.atomic
def measure_update(*, actor, measure_id: int, **fields) -> Measure:
    """Lock the problem, then read the measure under that lock, and write only what changed:
    two concurrent edits (one marks it done, one rewrites its content) both survive, in the
    row and in the ledger (tests/issues/test_measure_concurrency.py)."""
    problem_id = Measure.objects.values_list("problem_id", flat=True).get(pk=measure_id)
    problem = (
        Problem.objects.select_for_update(of=("self",))
        .select_related("lead_unit")
        .get(pk=problem_id)
    )
    # Every writer of a measure holds its problem's lock, so this read is current.
    measure = (
        Measure.objects.select_for_update(of=("self",)).select_related("unit").get(pk=measure_id)
    )
    _measure_guard(actor, problem, measure.unit)
    unknown = set(fields) - set(MEASURE_FIELDS)
    if unknown:
        raise InvalidInput("不可修改的字段。", {name: ["不可修改。"] for name in sorted(unknown)})
    if "unit" in fields and fields["unit"] != measure.unit:
        _measure_unit_allowed(problem, fields["unit"])
        _measure_guard(actor, problem, fields["unit"])
    if "due_date" in fields and fields["due_date"] != measure.due_date:
        check_measure_due(problem, fields["due_date"])
    changes = {}
    for name, value in fields.items():
        old = getattr(measure, name)
        if old != value:
            changes[name] = [old, value]
            setattr(measure, name, value)
    if "status" in changes:
        measure.done_at = timezone.now() if measure.status == MeasureStatus.DONE else None
    if not changes:
        return measure
    measure.save(update_fields=[*changes, *(["done_at"] if "status" in changes else [])])
    ledger_append(
        problem=problem,
        actor=actor,
        action="measure_update",
        from_state=problem.status,
        to_state=problem.status,
        changes={"measure": [measure.seq, measure.seq], **changes},
    )
    if {"due_date", "status", "unit", "owner"} & changes.keys():
        _rescheduled(problem)
    return measure


def _rescheduled(problem):
    problem_reschedule(problem)
    schedule_changed.send(sender=Problem, problems=[problem])


def may_report(actor, problem: Problem) -> bool:
    """Progress and evidence: the lead unit's admins/staff and cooperating units' staff."""
    if problem.status not in ACTIVE_STATES:
        return False
    access = access_for(actor)
    roles = {Role.UNIT_ADMIN, Role.UNIT_STAFF}
    if access.has_role_at(roles, problem.lead_unit) or access.has_role_over(
        {Role.OFFICE_ADMIN}, problem.lead_unit
    ):
        return True
    return any(access.has_role_at(roles, unit) for unit in problem.cooperating_units.all())
