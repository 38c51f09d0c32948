"""Problem list filters (SPEC §9), all applied in SQL on the scoped, annotated queryset."""

import django_filters as filters
from django.db.models import Exists, OuterRef, Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from issues.models import Origin, Problem, Source, Status, Unit
from issues.selectors.deadlines import Light, light_q


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
        return qs.order_by(*ordering, "-created_at", "-id")


class ProblemFilter(filters.FilterSet):
    status = ChoiceInFilter(choices=Status.choices)
    batch = filters.NumberFilter(field_name="batch_id")
    campaign = filters.NumberFilter(field_name="campaign_id")
    source = filters.ChoiceFilter(choices=Source.choices)
    category = filters.NumberFilter(field_name="category_id")
    origin = filters.ChoiceFilter(choices=Origin.choices)
    lead_unit = filters.NumberFilter(field_name="lead_unit_id")
    unit = filters.NumberFilter(method="filter_unit", label="单位（牵头或配合，含下级）")
    light = filters.ChoiceFilter(
        choices=[(name, name) for name in Light.RANK], method="filter_light"
    )
    overdue = StrictBooleanFilter(field_name="is_overdue")
    due_before = filters.DateFilter(field_name="due_date", lookup_expr="lte")
    due_after = filters.DateFilter(field_name="due_date", lookup_expr="gte")
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
        fields = []

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

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value) | Q(title__icontains=value) | Q(description__icontains=value)
        )
