"""The problem filter (SPEC §9): one definition for the list page, the API and the export.

All applied in SQL on the scoped queryset: on plain columns (the API's list annotates the light
only to order by it; its rows are read afterwards). The API adds only its strictness about
empty parameters (issues.api.filters.StrictFilterBackend); the pages call `filter_problems`
with what their GET form sends.
"""

from functools import reduce
from operator import or_

import django_filters as filters
from django import forms
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.lookups import DataContains
from django.core.exceptions import FullResultSet
from django.db import connection
from django.db.models import BooleanField, Exists, Expression, Func, OuterRef, Q, TextField, Value
from django.db.models.functions import StrIndex
from django.db.models.lookups import GreaterThan
from django.db.models.sql.where import WhereNode
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from issues.bounds import ID_MAX, validate_date
from issues.models import Origin, Problem, Source, Status, Unit
from issues.selectors.deadlines import Light, annotate_deadlines, light_q, problem_overdue_q
from issues.selectors.scope import access_for

ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": ID_MAX}


@extend_schema_field(ID_SCHEMA)
class IdFilter(filters.NumberFilter):
    """An id: a whole number from 1 to ID_MAX. `?unit=4.5e16` or `?batch=abc` is a 400, not a
    500 from the database and not silently no filter."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)


class BoundedDateFilter(filters.DateFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validators", [validate_date])
        super().__init__(*args, **kwargs)


class ChoiceInFilter(filters.BaseInFilter, filters.ChoiceFilter):
    """`?status=assigned,in_progress`: comma-separated, each value checked against the choices."""


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(filters.TypedChoiceFilter):
    """Only `true` or `false`; anything else is a 400 rather than silently no filter."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [("true", "true"), ("false", "false")])
        kwargs.setdefault("coerce", lambda value: value == "true")
        super().__init__(*args, **kwargs)


class ProblemOrdering(filters.OrderingFilter):
    """The chosen order, then newest first, then id: pages never overlap or skip a row."""

    def filter(self, qs, value):
        if not value:
            return qs
        ordering = [self.get_ordering_value(param) for param in value]
        if any(o.lstrip("-") == "light_rank" for o in ordering) and (
            "light_rank" not in qs.query.annotations
        ):
            qs = annotate_deadlines(qs)  # the API's list annotates only when it orders by it
        return qs.order_by(*ordering, "-created_at", "-id")


class ProblemFilter(filters.FilterSet):
    status = ChoiceInFilter(choices=Status.choices)
    batch = IdFilter(field_name="batch_id")
    campaign = IdFilter(field_name="campaign_id")
    source = filters.ChoiceFilter(choices=Source.choices)
    category = IdFilter(field_name="category_id")
    origin = filters.ChoiceFilter(choices=Origin.choices)
    lead_unit = IdFilter(field_name="lead_unit_id")
    responsible_leader = IdFilter(field_name="responsible_leader_id")
    unit = IdFilter(method="filter_unit", label="单位（牵头或配合，含下级）")
    light = filters.ChoiceFilter(
        choices=[(name, name) for name in Light.RANK], method="filter_light"
    )
    overdue = StrictBooleanFilter(method="filter_overdue")
    due_before = BoundedDateFilter(field_name="due_date", lookup_expr="lte")
    due_after = BoundedDateFilter(field_name="due_date", lookup_expr="gte")
    q = filters.CharFilter(method="filter_text", label="编号、标题或具体表现")
    ordering = ProblemOrdering(
        fields=(
            ("due_date", "due_date"),
            ("code", "code"),
            ("created_at", "created_at"),
            ("light_rank", "light"),
        )
    )

    class Meta:
        model = Problem
        fields: list[str] = []

    def filter_unit(self, queryset, name, value):
        path = Unit.objects.filter(pk=value).values_list("path", flat=True).first()
        if path is None:
            return queryset.none()
        cooperating = Problem.cooperating_units.through.objects.filter(
            problem_id=OuterRef("pk"), unit__path__startswith=path
        )
        return queryset.filter(Q(lead_unit__path__startswith=path) | Exists(cooperating))

    def filter_light(self, queryset, name, value):
        return queryset.filter(light_q(value))

    def filter_overdue(self, queryset, name, value):
        """The `is_overdue` annotation's condition on plain columns (no annotation needed)."""
        overdue = problem_overdue_q(timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        # Only a user who sees every problem: a unit's search tests its own few thousand
        # problems cheaper with LIKE than through the pairs of the whole table.
        every_problem = self.request is not None and access_for(self.request.user).covers_every_unit
        return queryset.filter(text_q(value, every_problem=every_problem))


TEXT_COLUMNS = ("code", "title", "description")


class TextPairs(Func):
    """The overlapping character pairs of code, title and description, as one text[]: the
    expression the GIN index of migration 0022 holds (PostgreSQL only)."""

    template = "(text_pairs(%(expressions)s))"
    arg_joiner = ") || text_pairs("
    output_field = ArrayField(TextField())


def text_q(value: str, *, every_problem: bool = False) -> Q:
    """`value` in the code, title or description, ignoring case.

    `icontains` is `UPPER(column) LIKE UPPER(…)` on PostgreSQL, the expression the trigram
    indexes of issues 0012 serve. A value with no cased character (Chinese, digits) is found
    in a column's upper-cased text exactly where it is found in the text itself, so it also
    tests the column as it is, first: a row that fails that cheap test is never upper-cased
    (and a value too short for a trigram is tested only so).
    A unit's keyword search tests every problem in its scope: for 台账 over a township's 3 322
    at 1 000 000, 28–33 ms upper-cased, 18 ms as it is (psql, bench/README.md). The trigram
    indexes serve a longer value as before.

    A two-character caseless value is in a text exactly when it is one of the text's pairs, so
    for a user who sees `every_problem`, on PostgreSQL, the pairs index (migration 0022) finds
    the rows: at 1 000 000 problems the county office's first search of such a word 419-499 ->
    105-121 ms, a word found nowhere ~0.4 s -> 6-8 ms (Intel Xeon); the function's plans kept
    serial (migration 0023): 130 -> 57-69 ms; its count by the pairs alone (ForRows): 32-48 ms
    at the machine's usual speed (AMD EPYC; bench/README.md)."""
    caseless = all(char.upper() == char == char.lower() for char in value)
    if every_problem and caseless and len(value) == 2 and connection.vendor == "postgresql":
        return _pairs_q(value)
    # pg_trgm extracts no trigram from fewer than three characters: such a value is never
    # served by the indexes, so a caseless one is tested on the text as it is, and only so.
    served_by_trigrams = len(value) >= 3

    def matches(column: str) -> Q:
        as_it_is = Q(**{f"{column}__contains": value})
        ignoring_case = Q(**{f"{column}__icontains": value})
        if not caseless:
            return ignoring_case
        return as_it_is & ignoring_case if served_by_trigrams else as_it_is

    return reduce(or_, (matches(column) for column in TEXT_COLUMNS))


def _pairs_q(value: str) -> Q:
    """A two-character caseless `value` among the pairs of code, title or description.

    The pairs alone find the right rows; `strpos(column, value) > 0` says the same thing again
    for the planner of a query that returns rows (ForRows). Where it walks the newest problems
    first (a common word: 50 matches within a few thousand rows), PostgreSQL runs the cheap
    strpos on each row and the pairs function only on the rows that pass. LIKE would do that
    too, but PostgreSQL multiplies its guess for a LIKE with the pairs' exact estimate and then
    never walks (公安, 15 053 of 1 000 000 problems: estimated 598, page 80 ms instead of 20)."""
    pairs = TextPairs(*TEXT_COLUMNS)
    has_pair = DataContains(pairs, [value])
    anywhere = reduce(
        or_, (Q(GreaterThan(StrIndex(column, Value(value)), 0)) for column in TEXT_COLUMNS)
    )
    return Q(has_pair, ForRows(anywhere))


class ForRows(Expression):
    """`condition`, which every row the rest of the filter finds already meets, written into a
    query that returns rows — a page's ids (a LIMIT), an export's server-side cursor — where it
    lets the planner walk an index in order and stop early; left out of an aggregate over
    every row (a count, the summary's buckets), which reads every match anyway and would only
    evaluate it once per row for nothing. The rows are the same either way.

    The county office's count of a word in 1.5 % of 1 000 000 problems ran strpos on each of
    its 15 000 rows: 20-22 -> 17-19 ms without it, a word in 4 % 49-56 -> 40-46 ms (SQL;
    bench/README.md). Not "only a query with a LIMIT": a server-side cursor (an export) is
    planned for its first rows too, and for 台账 (250 000 rows) walks `problem_created` either
    way; without the restatement it called the pairs function on each of the 1 000 000 rows:
    14.2 -> 42.3 s for all of them."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, condition: Q):
        super().__init__()
        self.condition: Q | WhereNode = condition  # a WhereNode once resolved

    def get_source_expressions(self):
        return [self.condition]

    def set_source_expressions(self, exprs):
        (self.condition,) = exprs

    def as_sql(self, compiler, connection):
        if _totals_only(compiler.query):
            raise FullResultSet  # the WHERE drops it: no condition at all
        return compiler.compile(self.condition)


def _totals_only(query) -> bool:
    """The query returns aggregates over all its rows and nothing else (QuerySet.count(),
    .aggregate()): no column, no GROUP BY."""
    selected = query.annotation_select
    return (
        not query.select
        and not query.default_cols
        and query.group_by is None
        and bool(selected)
        and all(expression.contains_aggregate for expression in selected.values())
    )


def filter_problems(params, queryset, request=None) -> ProblemFilter:
    """`queryset` (a user's problem_list) narrowed by the §9 query parameters in `params`.

    The bound FilterSet: `.qs` is the filtered list, `.errors` what was refused (the API turns
    them into a 400, the page shows them above the form)."""
    return ProblemFilter(params, queryset=queryset, request=request)
