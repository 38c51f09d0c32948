"""Overdue and the warning light (SPEC §4), derived in SQL — never stored.

"Today" is the local date in the installation's time zone (timezone.localdate()), never the
UTC date. Lists annotate `is_overdue`, `light` and `light_rank` so they can be filtered and
ordered by urgency in the database.
"""

import datetime as dt

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from issues.models import (
    ACTIVE_STATES,
    OVERDUE_STATES,
    Batch,
    Measure,
    MeasureStatus,
    Problem,
    Status,
)


class Light:
    RED = "red"
    YELLOW = "yellow"
    GREEN = "green"
    BLUE = "blue"
    GREY = "grey"

    # Most urgent first: ordering by light_rank puts red problems on top.
    RANK = {RED: 0, YELLOW: 1, GREEN: 2, BLUE: 3, GREY: 4}
    LABELS = {RED: "红", YELLOW: "黄", GREEN: "绿", BLUE: "蓝", GREY: "灰"}


DONE_STATES = (Status.CLOSED, Status.ROUTINE)
OPEN_MEASURE = (MeasureStatus.NOT_STARTED, MeasureStatus.IN_PROGRESS)


def problem_overdue_q(today: dt.date) -> Q:
    return Q(status__in=OVERDUE_STATES, due_date__lt=today)


def _due_soon_q(today: dt.date) -> Q:
    """Due within the batch's yellow_days. Thresholds differ per batch, but an installation has
    only a handful of distinct values: one small query turns them into plain date bounds."""
    days = Batch.objects.order_by().values_list("yellow_days", flat=True).distinct()
    q = Q(pk__in=[])
    for d in days:
        q |= Q(batch__yellow_days=d, due_date__gte=today, due_date__lte=today + dt.timedelta(d))
    return q


def measure_overdue_exists(today: dt.date) -> Exists:
    return Exists(
        Measure.objects.filter(
            problem_id=OuterRef("pk"), status__in=OPEN_MEASURE, due_date__lt=today
        )
    )


def annotate_deadlines(queryset: QuerySet[Problem], today: dt.date | None = None) -> QuerySet:
    today = today or timezone.localdate()
    active = Q(status__in=ACTIVE_STATES)
    light = Case(
        When(problem_overdue_q(today), then=Value(Light.RED)),
        When(active & (_due_soon_q(today) | Q(has_overdue_measure=True)), then=Value(Light.YELLOW)),
        When(active, then=Value(Light.GREEN)),
        When(status__in=DONE_STATES, then=Value(Light.BLUE)),
        default=Value(Light.GREY),
    )
    rank = Case(
        *(When(light=name, then=Value(rank)) for name, rank in Light.RANK.items()),
        output_field=IntegerField(),
    )
    return queryset.annotate(
        has_overdue_measure=measure_overdue_exists(today),
        is_overdue=Case(
            When(problem_overdue_q(today), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        light=light,
    ).annotate(light_rank=rank)


def annotate_measure_deadlines(queryset: QuerySet[Measure], today: dt.date | None = None):
    today = today or timezone.localdate()
    return queryset.annotate(
        is_overdue=Case(
            When(
                status__in=OPEN_MEASURE,
                problem__status__in=ACTIVE_STATES,
                due_date__lt=today,
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def measure_is_overdue(measure: Measure, problem_status: str, today: dt.date | None = None) -> bool:
    """The same rule for one measure already in memory (e.g. a prefetched list)."""
    today = today or timezone.localdate()
    return (
        measure.status in OPEN_MEASURE
        and problem_status in ACTIVE_STATES
        and measure.due_date is not None
        and measure.due_date < today
    )
