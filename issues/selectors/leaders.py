"""Who may be a problem's responsible leader (责任领导) — the rule, in one place.

A user is eligible for a lead unit when they are active and hold a `leader` membership whose
scope (its unit and every unit below it) holds the lead unit: a county leader for a county
department, a township's leader or a county leader for a village of that township. Nobody else
— not a unit's staff, not its head, not an office admin, not a superuser as such — may be named,
because the `leader` review step is decided by whoever is named (SPEC §3).

Every door that sets `responsible_leader` calls `responsible_leader_check` (problem_create,
problem_update — and through them the API, the pages and the admin — and the Excel import);
form choices come from `leaders_eligible_for`; the workflow asks `is_eligible_leader` again
when the `leader` step is decided, so a leader who lost the role can no longer sign.
"""

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, QuerySet

from issues.exceptions import InvalidInput
from issues.models import Membership, Role, Unit
from issues.selectors.scope import Access

User = get_user_model()

# Shown in errors and beside the leader step on the problem page.
LEADER_RULE = "责任领导须为牵头单位所在范围内的县领导（在牵头单位或其上级单位担任责任领导角色）。"


def _unit_and_ancestor_ids(unit: Unit) -> list[int]:
    """From the materialised path "/1/4/9/": the unit and every unit above it, no query."""
    return [int(part) for part in unit.path.strip("/").split("/") if part]


def leaders_eligible_for(unit: Unit) -> QuerySet:
    """Users who may be named responsible leader of a problem led by `unit` (form choices)."""
    return (
        User.objects.filter(is_active=True)
        .filter(
            Exists(
                Membership.objects.filter(
                    user_id=OuterRef("pk"),
                    role=Role.LEADER,
                    unit_id__in=_unit_and_ancestor_ids(unit),
                )
            )
        )
        .order_by("first_name", "username")
    )


def is_eligible_leader(user, unit: Unit) -> bool:
    if user is None or unit is None or not user.is_active:
        return False
    ancestors = _unit_and_ancestor_ids(unit)
    return Membership.objects.filter(user=user, role=Role.LEADER, unit_id__in=ancestors).exists()


def responsible_leader_check(*, leader, lead_unit: Unit, field: str = "responsible_leader"):
    """Raise InvalidInput (400) unless `leader` (None allowed: not yet named) is eligible."""
    if leader is None or lead_unit is None:
        return
    if not is_eligible_leader(leader, lead_unit):
        raise InvalidInput(LEADER_RULE, {field: [LEADER_RULE]})


def holds_leader_role_over(access: Access, unit: Unit) -> bool:
    """`is_eligible_leader` for a signed-in user from memberships already read (no query):
    the workflow asks it for every listed problem."""
    user = access.user
    return (
        user is not None
        and user.is_active
        and any(g.role == Role.LEADER and unit.path.startswith(g.path) for g in access.grants)
    )


class LeaderTable:
    """The same rule for many rows at once (the Excel import): one query for every leader
    membership, then a set lookup per row."""

    def __init__(self):
        self._units: dict[int, set[int]] = {}
        for user_id, unit_id in Membership.objects.filter(
            role=Role.LEADER, user__is_active=True
        ).values_list("user_id", "unit_id"):
            self._units.setdefault(user_id, set()).add(unit_id)

    def is_eligible(self, user, unit: Unit) -> bool:
        held = self._units.get(user.pk, set())
        return any(unit_id in held for unit_id in _unit_and_ancestor_ids(unit))


__all__ = [
    "LEADER_RULE",
    "LeaderTable",
    "holds_leader_role_over",
    "is_eligible_leader",
    "leaders_eligible_for",
    "responsible_leader_check",
]
