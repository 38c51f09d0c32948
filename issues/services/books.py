"""回头看 (follow-up reviews of closed problems) and 建章立制 (rules made), SPEC §2 and §7.

A follow-up that finds the fix did not hold (`not_effective`, `relapsed`) reopens the problem
through the workflow's `reopen` action in the same transaction, so the ledger shows both the
review and the reopening, and the reopen's own rules (who, input, state) apply unchanged.
"""

import datetime as dt

from django.db import transaction

from issues.exceptions import ActionForbidden, InvalidInput, InvalidTransition, NotFound
from issues.models import (
    OFFICE_ROLES,
    REOPENING_RESULTS,
    FollowUpResult,
    FollowUpReview,
    Problem,
    Regulation,
    RegulationKind,
    Role,
    Status,
    Unit,
)
from issues.selectors.scope import access_for, visible_problems
from issues.services.workflow import perform_action
from ledger.services import ledger_append


def may_follow_up(actor, problem: Problem) -> bool:
    return access_for(actor).has_role_over(OFFICE_ROLES, problem.lead_unit)


@transaction.atomic
def follow_up_record(
    *,
    actor,
    problem_id: int,
    result: str,
    review_date: dt.date,
    findings: str = "",
    new_due_date: dt.date | None = None,
    confirm_earlier: bool = False,
) -> FollowUpReview:
    """Record a 回头看 of a closed problem; reopen it when the result says the fix failed."""
    problem = (
        visible_problems(actor)
        .select_for_update(of=("self",))
        .select_related("lead_unit")
        .filter(pk=problem_id)
        .first()
    )
    if problem is None:
        raise NotFound("问题不存在。")
    if not may_follow_up(actor, problem):
        raise ActionForbidden("只有整改办审核员或管理员可以开展回头看。")
    if problem.status != Status.CLOSED:
        raise InvalidTransition("只能对已销号的问题开展回头看。")
    if result not in FollowUpResult.values:
        raise InvalidInput("结论无效。", {"result": ["结论无效。"]})
    reopens = result in REOPENING_RESULTS
    if reopens:
        errors = {}
        if not findings.strip():
            errors["findings"] = ["整改不到位或反弹时须写明发现的问题。"]
        if new_due_date is None:
            errors["new_due_date"] = ["整改不到位或反弹时须给出新的整改时限。"]
        if errors:
            raise InvalidInput("重新整改须写明问题和新的整改时限。", errors)
    review = FollowUpReview.objects.create(
        problem=problem,
        reviewer=actor,
        review_date=review_date,
        result=result,
        findings=findings,
    )
    ledger_append(
        problem=problem,
        actor=actor,
        action="follow_up",
        from_state=problem.status,
        to_state=problem.status,
        changes={"follow_up": [None, result], "review_date": [None, review_date]},
        comment=findings,
    )
    if reopens:
        label = FollowUpResult(result).label
        perform_action(
            problem_id=problem.pk,
            action="reopen",
            actor=actor,
            data={
                "comment": f"回头看（{label}）：{findings}",
                "new_due_date": new_due_date,
                "confirm_earlier": confirm_earlier,
            },
        )
    return review


# --- 建章立制 ----------------------------------------------------------------------------------

REGULATION_FIELDS = ("name", "doc_no", "kind", "issued_on", "unit")


def may_write_regulation(actor, unit: Unit) -> bool:
    """Office admins over the unit, and the unit's own liaison (unit_admin)."""
    access = access_for(actor)
    return access.has_role_over({Role.OFFICE_ADMIN}, unit) or access.has_role_at(
        {Role.UNIT_ADMIN}, unit
    )


def _linked_problems(actor, problems) -> list[Problem]:
    ids = sorted({p.pk if isinstance(p, Problem) else int(p) for p in problems})
    found = list(visible_problems(actor).filter(pk__in=ids).order_by("pk"))
    if len(found) != len(ids):
        missing = sorted(set(ids) - {p.pk for p in found})
        raise InvalidInput(
            "关联问题不存在或不在您的管辖范围内。",
            {"problems": [f"问题 {pk} 不存在或不在您的管辖范围内。" for pk in missing]},
        )
    return found


def _check(actor, *, name, kind, unit):
    if not may_write_regulation(actor, unit):
        raise ActionForbidden("只有整改办管理员或本单位联络员可以登记本单位的制度。")
    errors = {}
    if not (name or "").strip():
        errors["name"] = ["请填写制度名称。"]
    if kind not in RegulationKind.values:
        errors["kind"] = ["类型无效。"]
    if errors:
        raise InvalidInput("制度信息有误。", errors)


@transaction.atomic
def regulation_create(
    *,
    actor,
    name: str,
    issued_on: dt.date,
    unit: Unit,
    doc_no: str = "",
    kind: str = RegulationKind.NEW,
    problems=(),
) -> Regulation:
    _check(actor, name=name, kind=kind, unit=unit)
    linked = _linked_problems(actor, problems)
    regulation = Regulation.objects.create(
        name=name.strip(),
        doc_no=doc_no,
        kind=kind,
        issued_on=issued_on,
        unit=unit,
        created_by=actor,
    )
    regulation.problems.set(linked)
    return regulation


@transaction.atomic
def regulation_update(*, actor, regulation_id: int, problems=None, **fields) -> Regulation:
    unknown = set(fields) - set(REGULATION_FIELDS)
    if unknown:
        raise InvalidInput("不可修改的字段。", {name: ["不可修改。"] for name in sorted(unknown)})
    regulation = Regulation.objects.select_for_update().select_related("unit").get(pk=regulation_id)
    # Both the unit it belongs to and the unit it moves to must be the actor's to write.
    if not may_write_regulation(actor, regulation.unit):
        raise ActionForbidden("只有整改办管理员或本单位联络员可以修改本单位的制度。")
    merged = {name: fields.get(name, getattr(regulation, name)) for name in REGULATION_FIELDS}
    _check(actor, name=merged["name"], kind=merged["kind"], unit=merged["unit"])
    for name, value in fields.items():
        setattr(regulation, name, value.strip() if name == "name" else value)
    regulation.save()
    if problems is not None:
        regulation.problems.set(_linked_problems(actor, problems))
    return regulation
