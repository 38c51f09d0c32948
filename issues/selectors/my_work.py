"""待办 (my work): what waits for this user now, by kind of work, each item one click away.

A section is there when the user holds a role that produces that kind of work (an empty one
then says so). A responsible leader (责任领导) gets a one-screen desk instead of the review list
and, unless he or she also holds an office role, the overdue list
(issues.selectors.leader_desk). The home page only renders what `my_work` reads.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Q, Subquery, Window
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from issues.models import (
    ACTIVE_STATES,
    OFFICE_ROLES,
    Measure,
    MeasureStatus,
    Problem,
    ReportTask,
    RequestStatus,
    RequestType,
    ReviewRequest,
    Role,
    Status,
    StepKind,
    SupervisionAction,
)
from issues.selectors.deadlines import annotate_deadlines, problem_overdue_q
from issues.selectors.leader_desk import LeaderDesk, leader_desk
from issues.selectors.reporting import STATUS_LABELS, task_status
from issues.selectors.reviews import pending_reviews
from issues.selectors.scope import (
    access_for,
    scope_units_for_roles,
    visible_problem_q,
    visible_problems,
)
from issues.services.reporting import SUBMITTERS
from issues.services.supervision import REPLY_ROLES

SHOWN = 10  # items listed per section; the count and a link lead to the rest
MEASURE_HORIZON = 7  # days ahead a measure counts as due
UNIT_ROLES = {Role.UNIT_ADMIN, Role.UNIT_STAFF, Role.UNIT_HEAD}
REVIEW_ROLES = {Role.UNIT_HEAD, Role.LEADER, *OFFICE_ROLES}


@dataclass
class Section:
    """One kind of work: the first SHOWN items, how many there are, and where the rest are."""

    key: str
    title: str | Promise  # lazy translations, read when the page renders
    empty: str | Promise
    items: list = field(default_factory=list)
    count: int = 0
    more_url: str = ""


def _problems(user, q, order=("due_date", "pk")):
    """The visible problems matching `q`, as a section lists them."""
    return _led(q, order, visible_problems(user))


def _led(q, order=("due_date", "pk"), problems=None):
    """Problems matching `q`, which must hold their lead unit to units of the user's own
    scopes (a unit admin's units, an office's): visible by their lead unit (selectors/
    scope.py), so without the scope's union of every visible problem."""
    qs = annotate_deadlines(problems if problems is not None else Problem.objects.all())
    return qs.filter(q).select_related("lead_unit").order_by(*order)


def _section_problems(section, qs, *, together=False):
    """The section's count and first SHOWN items. `together`: in one query (`COUNT(*) OVER
    ()`), for a filter that costs a scope union, which a count and a page would each
    evaluate; otherwise apart, the count from an index and the page stopping after SHOWN."""
    if together:
        section.items = list(qs.annotate(_total=Window(Count("pk")))[:SHOWN])
        section.count = section.items[0]._total if section.items else 0
    else:
        section.count = qs.count()
        section.items = list(qs[:SHOWN])
    return section


def _reviews(user):
    """The review inbox's count and first items, decided in SQL: two queries (one if empty)."""
    inbox = pending_reviews(user)
    section = Section(
        "reviews",
        _("待我审核的申请"),
        _("没有需要您审核的销号或延期申请。"),
        count=inbox.count(),
        more_url=reverse("web:reviews"),
    )
    if section.count:
        section.items = list(inbox.select_related("problem__lead_unit", "applicant")[:SHOWN])
    for request in section.items:
        request.step_label = StepKind(request.step_kind).label
    return section


def _rework(unit_ids):
    """In progress again because the latest close-out request was sent back."""
    latest = ReviewRequest.objects.filter(
        problem_id=OuterRef("pk"), request_type=RequestType.CLOSEOUT
    ).order_by("-created_at", "-id")
    return (
        _led(Q(status=Status.IN_PROGRESS, lead_unit_id__in=unit_ids))
        .annotate(
            last_closeout=Subquery(latest.values("status")[:1]),
            rework_requirement=Subquery(latest.values("rework_requirement")[:1]),
        )
        .filter(last_closeout=RequestStatus.REJECTED)
    )


@dataclass
class MyWork:
    sections: list[Section]
    desk: LeaderDesk | None  # a responsible leader's desk, else None
    today: dt.date

    @property
    def total(self) -> int:
        return sum(s.count for s in self.sections) + (self.desk.total if self.desk else 0)


def my_work(user, today: dt.date | None = None) -> MyWork:
    """Every kind of work waiting for `user`, in the order the home page shows them."""
    today = today or timezone.localdate()
    access = access_for(user)
    roles = {g.role for g in access.grants}
    sections = []
    # The desk replaces the review list (its sign-off part is the review inbox) and, unless
    # the user also holds an office role, the scope-wide overdue list: its problems part is
    # the overdue ones this leader answers for, not the whole county's.
    desk = leader_desk(user, today) if Role.LEADER in roles else None
    office = access.is_superuser or bool(roles & OFFICE_ROLES)

    admin_units = access.unit_ids_with_role({Role.UNIT_ADMIN})
    if admin_units:
        sections.append(
            _section_problems(
                Section("acknowledge", _("待签收问题"), _("没有待签收的问题。")),
                _led(Q(status=Status.ASSIGNED, lead_unit_id__in=admin_units)),
            )
        )
        section = _section_problems(
            Section("rework", _("销号被退回，待补充整改"), _("没有被退回的销号申请。")),
            _rework(admin_units),
        )
        if section.count:
            sections.append(section)

    if access.is_superuser or Role.OFFICE_ADMIN in roles:
        units = scope_units_for_roles(user, {Role.OFFICE_ADMIN}).values("pk")
        sections.append(
            _section_problems(
                Section("assign", _("待交办问题（草稿）"), _("没有待交办的问题。")),
                _led(Q(status=Status.DRAFT, lead_unit_id__in=units), ("-created_at",)),
            )
        )
        sections[-1].more_url = reverse("web:problems") + "?status=draft"
    if access.is_superuser or roles & OFFICE_ROLES:
        units = scope_units_for_roles(user, OFFICE_ROLES).values("pk")
        section = _section_problems(
            Section("list_review", _("待审核问题清单"), _("没有待审核的问题清单。")),
            _led(Q(status=Status.LIST_REVIEW, lead_unit_id__in=units)),
        )
        section.more_url = reverse("web:problems") + "?status=list_review"
        sections.append(section)

    if desk is None and (access.is_superuser or roles & REVIEW_ROLES):
        sections.append(_reviews(user))

    unit_ids = access.unit_ids_with_role(UNIT_ROLES)
    if unit_ids:
        horizon = today + dt.timedelta(days=MEASURE_HORIZON)
        measures = (
            # A measure of the user's own unit is visible by that unit; one the user owns
            # elsewhere is checked row by row (not the scope's whole set: 41 ms a township).
            Measure.objects.filter(
                Q(unit_id__in=unit_ids) | (Q(owner=user) & visible_problem_q(user, "problem")),
                problem__status__in=ACTIVE_STATES,
                status__in=(MeasureStatus.NOT_STARTED, MeasureStatus.IN_PROGRESS),
                due_date__lte=horizon,
            )
            .select_related("problem", "unit")
            .order_by("due_date", "problem_id", "seq")
        )
        section = Section("measures", _("7天内到期或已逾期的措施"), _("近期没有到期的整改措施。"))
        section.count = measures.count()
        section.items = list(measures[:SHOWN])
        for m in section.items:
            m.is_overdue = m.due_date < today
            m.days_left = (m.due_date - today).days
            m.overdue_days = -m.days_left
        sections.append(section)

    report_units = access.unit_ids_with_role(SUBMITTERS)
    if report_units:
        tasks = (
            ReportTask.objects.filter(unit_id__in=report_units, submitted_at=None)
            .filter(period__starts_on__lte=today)
            .select_related("period__batch", "unit")
            .order_by("period__due_on", "unit_id")
        )
        section = Section("reports", _("待报送的整改进展"), _("没有待报送的进展。"))
        section.count = tasks.count()
        section.items = list(tasks[:SHOWN])
        for t in section.items:
            t.status = task_status(t, t.period.due_on, today)
            t.status_label = STATUS_LABELS[t.status]
        section.more_url = reverse("web:reports")
        sections.append(section)

    reply_units = access.unit_ids_with_role(REPLY_ROLES)
    if reply_units:
        letters = (
            SupervisionAction.objects.filter(
                target_unit_id__in=reply_units,
                replied_at__isnull=True,
                problem__in=visible_problems(user),
            )
            .select_related("problem", "issued_by")
            .order_by("reply_due_date", "created_at")
        )
        section = Section("supervision", _("待回复的督办"), _("没有待回复的督办。"))
        section.count = letters.count()
        section.items = list(letters[:SHOWN])
        sections.append(section)

    if desk is None or office:
        overdue = _section_problems(
            Section("overdue", _("逾期问题"), _("范围内没有逾期问题。")),
            _problems(user, problem_overdue_q(today)),
            together=not access.covers_every_unit,
        )
        overdue.more_url = reverse("web:problems") + "?overdue=true&ordering=due_date"
        sections.append(overdue)

    return MyWork(sections=sections, desk=desk, today=today)
