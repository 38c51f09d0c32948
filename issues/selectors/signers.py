"""Who may sign each review step, and why — shown beside a request's steps (issue 10 item 6).

The rules themselves are the workflow's (issues/services/workflow/rules.py) and the leader rule
is issues/selectors/leaders.py; this module names the people they designate today.
"""

from django.contrib.auth import get_user_model

from issues.models import OFFICE_ROLES, Role, StepKind
from issues.selectors.leaders import LEADER_RULE, is_eligible_leader

User = get_user_model()

STEP_RULES = {
    StepKind.UNIT_HEAD: "由牵头单位的单位主要负责人审核",
    StepKind.OFFICE: "由管辖范围含牵头单位的整改办审核员或整改办管理员审核",
    StepKind.LEADER: "由本问题的责任领导审批（" + LEADER_RULE.rstrip("。") + "）",
}
SEPARATION_RULE = "申请人不能审核本人的申请；同一申请的不同环节须由不同人员审核。"
SHOWN = 6  # names listed per step; more are counted


def _ancestor_ids(unit) -> list[int]:
    return [int(part) for part in unit.path.strip("/").split("/") if part]


def step_signers(problem, step_kind) -> list:
    """The active users who may decide a step of this kind on this problem today."""
    if step_kind == StepKind.LEADER:
        leader = problem.responsible_leader
        return [leader] if is_eligible_leader(leader, problem.lead_unit) else []
    if step_kind == StepKind.UNIT_HEAD:
        held = {"memberships__role": Role.UNIT_HEAD, "memberships__unit": problem.lead_unit}
    else:
        held = {
            "memberships__role__in": OFFICE_ROLES,
            "memberships__unit_id__in": _ancestor_ids(problem.lead_unit),
        }
    return list(
        User.objects.filter(is_active=True, **held).distinct().order_by("first_name", "username")
    )


def _name(user) -> str:
    return user.first_name or user.username


def describe_step(problem, step_kind) -> dict:
    """{"rule", "names", "more", "warning"} for one undecided step."""
    people = step_signers(problem, step_kind)
    warning = ""
    if step_kind == StepKind.LEADER:
        leader = problem.responsible_leader
        if leader is None:
            warning = "尚未指定责任领导，本环节无人可以审批；请整改办管理员指定责任领导。"
        elif not people:
            warning = (
                f"当前责任领导{_name(leader)}已不符合条件（{LEADER_RULE.rstrip('。')}），"
                "本环节无人可以审批；请整改办管理员更换责任领导。"
            )
    elif not people:
        warning = "目前没有符合条件的审核人，请联系整改办管理员设置人员。"
    return {
        "rule": STEP_RULES.get(step_kind, ""),
        "names": "、".join(_name(u) for u in people[:SHOWN]),
        "more": max(len(people) - SHOWN, 0),
        "warning": warning,
    }


__all__ = ["SEPARATION_RULE", "STEP_RULES", "describe_step", "step_signers"]
