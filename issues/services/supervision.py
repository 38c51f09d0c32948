"""Replies to supervision (督办) — the lead unit answers a letter, an urge or a listing."""

from django.db import transaction
from django.utils import timezone

from issues.exceptions import ActionForbidden, InvalidInput, InvalidTransition, NotFound
from issues.models import Problem, Role, SupervisionAction
from issues.selectors.scope import access_for, visible_problems
from issues.services.schedule import problem_reschedule
from issues.signals import schedule_changed
from ledger.services import ledger_append

REPLY_ROLES = {Role.UNIT_ADMIN, Role.UNIT_HEAD}


def may_reply(actor, supervision: SupervisionAction) -> bool:
    return access_for(actor).has_role_at(REPLY_ROLES, supervision.target_unit)


@transaction.atomic
def supervision_reply(*, actor, supervision_id: int, reply: str) -> SupervisionAction:
    supervision = (
        SupervisionAction.objects.select_related("target_unit").filter(pk=supervision_id).first()
    )
    if (
        supervision is None
        or not visible_problems(actor).filter(pk=supervision.problem_id).exists()
    ):
        raise NotFound("督办记录不存在。")
    problem = Problem.objects.select_for_update(of=("self",)).get(pk=supervision.problem_id)
    supervision = SupervisionAction.objects.select_for_update().get(pk=supervision_id)
    if not may_reply(actor, supervision):
        raise ActionForbidden("只有被督办单位的联络员或主要负责人可以回复。")
    if supervision.replied_at is not None:
        raise InvalidTransition("该督办已回复。")
    if not (reply or "").strip():
        raise InvalidInput("请填写回复内容。", {"reply": ["此项为必填项。"]})
    supervision.reply = reply.strip()
    supervision.replied_at = timezone.now()
    supervision.replied_by = actor
    supervision.save(update_fields=["reply", "replied_at", "replied_by"])
    ledger_append(
        problem=problem,
        actor=actor,
        action="supervision_reply",
        from_state=problem.status,
        to_state=problem.status,
        changes={"supervision": [supervision.pk, supervision.kind]},
        comment=supervision.reply,
    )
    # An answered supervision no longer escalates: drop its pending reminders now.
    problem_reschedule(problem)
    schedule_changed.send(sender=Problem, problems=[problem])
    return supervision
