"""The responsible leader's 待办 on one screen (issue 16 item 8): what needs his or her word.

Four parts, read set-based — the number of queries stays the same whatever the number of
problems, requests or supervision records:
- sign-off: the steps this leader may decide now (`pending_reviews`, the workflow's own rule
  of who may sign), counted by kind of request;
- his or her problems (responsible leader = this user, in scope) counted by light, the overdue
  ones first, most days overdue on top, then those turning yellow;
- 督办: supervision on those problems still awaiting the unit's reply, and how many of them are
  挂牌督办;
- recent escalations: the system's own 挂牌督办 (issued_by empty) of the last RECENT_DAYS.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from issues.models import (
    ACTIVE_STATES,
    Problem,
    StepKind,
    SupervisionAction,
    SupervisionLevel,
)
from issues.selectors.deadlines import Light, annotate_deadlines
from issues.selectors.reviews import pending_reviews
from issues.selectors.scope import visible_problems

SHOWN = 5  # rows per part: the whole desk fits one laptop screen; counts link to the rest
RECENT_DAYS = 30
LIGHTS = (Light.RED, Light.YELLOW, Light.GREEN)


@dataclass
class LeaderDesk:
    signoff: list = field(default_factory=list)  # ReviewRequest, with .step_label
    signoff_count: int = 0
    signoff_by_type: dict = field(default_factory=dict)  # request_type → count
    lights: dict = field(default_factory=dict)  # Light → count of his active problems
    attention: list = field(default_factory=list)  # red then yellow problems
    attention_count: int = 0
    supervision: list = field(default_factory=list)  # SupervisionAction awaiting a reply
    supervision_count: int = 0
    listed_count: int = 0  # his problems under 挂牌督办
    escalations: list = field(default_factory=list)  # the system's SupervisionAction
    escalation_count: int = 0
    total: int = 0  # what waits for this leader: steps to sign, red and yellow problems


def leader_problems(user) -> QuerySet[Problem]:
    """Active problems this user answers for as responsible leader, within their scope."""
    return Problem.objects.filter(
        responsible_leader=user, status__in=ACTIVE_STATES, pk__in=visible_problems(user)
    )


def _signoff(user, desk: LeaderDesk) -> None:
    inbox = pending_reviews(user)  # decided in SQL: counted and sliced there
    desk.signoff_by_type = dict(
        inbox.order_by().values_list("request_type").annotate(n=Count("pk"))
    )
    desk.signoff_count = sum(desk.signoff_by_type.values())
    if desk.signoff_count:
        desk.signoff = list(inbox.select_related("problem__lead_unit", "applicant")[:SHOWN])
    for request in desk.signoff:
        request.step_label = StepKind(request.step_kind).label


def _problems(user, today: dt.date, desk: LeaderDesk) -> None:
    mine = annotate_deadlines(leader_problems(user), today)
    counts = dict(mine.order_by().values_list("light").annotate(n=Count("pk")))
    desk.lights = {light: counts.get(light, 0) for light in LIGHTS}
    urgent = Q(light__in=(Light.RED, Light.YELLOW))
    desk.attention_count = desk.lights[Light.RED] + desk.lights[Light.YELLOW]
    desk.total = desk.signoff_count + desk.attention_count
    desk.attention = list(
        mine.filter(urgent)
        .select_related("lead_unit")
        .order_by("light_rank", "due_date", "pk")[:SHOWN]
    )
    for problem in desk.attention:
        problem.overdue_days = (today - problem.due_date).days if problem.is_overdue else 0


def _supervision(user, today: dt.date, desk: LeaderDesk) -> None:
    mine = leader_problems(user)
    waiting = SupervisionAction.objects.filter(problem__in=mine, replied_at__isnull=True)
    desk.supervision_count = waiting.count()
    desk.supervision = list(
        waiting.select_related("problem", "target_unit", "issued_by").order_by(
            "reply_due_date", "-created_at", "-id"
        )[:SHOWN]
    )
    desk.listed_count = mine.filter(supervision_level=SupervisionLevel.LISTED).count()
    since = dt.datetime.combine(today - dt.timedelta(days=RECENT_DAYS), dt.time.min)
    escalations = SupervisionAction.objects.filter(
        problem__in=mine, issued_by__isnull=True, created_at__gte=timezone.make_aware(since)
    )
    desk.escalation_count = escalations.count()
    desk.escalations = list(
        escalations.select_related("problem", "target_unit").order_by("-created_at", "-id")[:SHOWN]
    )


def leader_desk(user, today: dt.date) -> LeaderDesk:
    desk = LeaderDesk()
    _signoff(user, desk)
    _problems(user, today, desk)
    _supervision(user, today, desk)
    return desk


__all__ = ["LIGHTS", "RECENT_DAYS", "SHOWN", "LeaderDesk", "leader_desk", "leader_problems"]
