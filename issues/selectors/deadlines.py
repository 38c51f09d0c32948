"""Overdue and the warning light (SPEC §4), derived in SQL from stored dates — never stored.

The light reads only the problem's own row: its due date, its batch's yellow_days (turned into
batch ids per threshold) and `open_measures_due`, the earliest due date among its unfinished
measures, kept current by issues.services.schedule.problem_reschedule.

"Today" is the local date in the installation's time zone (timezone.localdate()), never the
UTC date. Lists annotate `is_overdue`, `light` and `light_rank` so they can be filtered and
ordered by urgency in the database.
"""

import datetime as dt
from collections import defaultdict

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from issues.bounds import add_days
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


def batch_thresholds() -> tuple[tuple[int, tuple[int, ...]], ...]:
    """The batches' yellow_days as ((days, batch ids), …), fewest days first: one small query
    (an installation has few batches). Callers that build the light more than once a request,
    or key a compiled statement on it (issues/api/problem_rows.py), read it once."""
    by_days = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(_THRESHOLDS_SQL)
        for batch_id, days in cursor.fetchall():
            by_days[days].append(batch_id)
    return tuple((days, tuple(ids)) for days, ids in sorted(by_days.items()))


# Written as SQL once: the ORM's query cost ~0.5 ms of Python to build and compile on every
# list request, twice what PostgreSQL took to run it (bench/README.md).
_THRESHOLDS_SQL = f"SELECT id, yellow_days FROM {Batch._meta.db_table} ORDER BY id"  # noqa: S608


def _due_soon_q(today: dt.date, thresholds=None) -> Q:
    """Due within the batch's yellow_days. Thresholds differ per batch; they become plain date
    bounds per group of batch ids, so that lists and counts need no join with the batch table."""
    q = Q(pk__in=[])
    for days, batch_ids in batch_thresholds() if thresholds is None else thresholds:
        q |= Q(batch_id__in=batch_ids, due_date__gte=today, due_date__lte=add_days(today, days))
    return q


def _light_conditions(today: dt.date, thresholds=None) -> list[tuple[Q, str]]:
    """(condition, light) in order: the first condition that holds gives the light."""
    active = Q(status__in=ACTIVE_STATES)
    return [
        (problem_overdue_q(today), Light.RED),
        (active & (_due_soon_q(today, thresholds) | Q(open_measures_due__lt=today)), Light.YELLOW),
        (active, Light.GREEN),
        (Q(status__in=DONE_STATES), Light.BLUE),
    ]


def light_q(name: str, today: dt.date | None = None) -> Q:
    """Problems whose light is `name`, as plain column conditions (red: overdue), which
    PostgreSQL can use an index for; filtering on the annotated CASE evaluates it per row."""
    today = today or timezone.localdate()
    q, earlier = None, Q()
    for condition, light in _light_conditions(today):
        if light == name:
            q = condition
            break
        earlier |= condition
    if q is None:  # grey: none of the others
        return ~earlier
    return q & ~earlier if earlier else q


def annotate_deadlines(
    queryset: QuerySet[Problem], today: dt.date | None = None, thresholds=None
) -> QuerySet:
    """`thresholds`: batch_thresholds(), when the caller has read them already."""
    today = today or timezone.localdate()
    # The rank is built from the same conditions rather than as a CASE over `light`, which
    # would repeat the whole CASE in SQL once per light.
    conditions = _light_conditions(today, thresholds)
    light = Case(
        *(When(q, then=Value(name)) for q, name in conditions),
        default=Value(Light.GREY),
    )
    rank = Case(
        *(When(q, then=Value(Light.RANK[name])) for q, name in conditions),
        default=Value(Light.RANK[Light.GREY]),
        output_field=IntegerField(),
    )
    return queryset.annotate(
        is_overdue=Case(
            When(problem_overdue_q(today), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        light=light,
        light_rank=rank,
    )


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
    return measure_values_overdue(measure.status, measure.due_date, problem_status, today)


def measure_values_overdue(
    status: str, due_date: dt.date | None, problem_status: str, today: dt.date | None = None
) -> bool:
    """The same rule over plain values (the problem list's rows)."""
    today = today or timezone.localdate()
    return (
        status in OPEN_MEASURE
        and problem_status in ACTIVE_STATES
        and due_date is not None
        and due_date < today
    )
