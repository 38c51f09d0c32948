"""The API's side of the problem filter: the strict empty-parameter rule and query ids.

The filter itself (ProblemFilter, SPEC §9) is the selectors' (issues.selectors.problem_filter),
shared with the pages; it is re-exported here for the API modules that name it.
"""

from django import forms
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

from issues.bounds import ID_MAX
from issues.selectors.problem_filter import ID_SCHEMA, IdFilter, ProblemFilter

__all__ = ["ID_SCHEMA", "IdFilter", "ProblemFilter", "StrictFilterBackend", "query_id"]


def query_id(params, name: str) -> int | None:
    """An optional id in the query string, with the same rule as IdFilter (else a 400)."""
    raw = params.get(name)
    if raw is None:
        return None
    field = forms.IntegerField(min_value=1, max_value=ID_MAX)
    try:
        return field.clean(raw)
    except forms.ValidationError as exc:
        raise ValidationError({name: exc.messages}) from None


class StrictFilterBackend(DjangoFilterBackend):
    """The API's filters: a parameter given with an empty value (`?due_before=`) is a 400, not
    silently no filter. The pages share the FilterSets but not this rule: an HTML form sends
    its empty fields."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not any(
            name in request.query_params for name in filterset_class.base_filters
        ):
            # No filter asked for: the queryset as it is. Building the FilterSet and its form
            # deep-copies every filter and form field, ~3 ms of a list request for nothing.
            return queryset
        return super().filter_queryset(request, queryset, view)

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            empty = {
                name: ["不能为空；不按此项筛选时请省略该参数。"]
                for name in filterset.filters
                if request.query_params.get(name) == ""
            }
            if empty:
                raise ValidationError(empty)
        return filterset
