"""The API's side of the problem filter: the strict empty-parameter rule and query ids.

The filter itself (ProblemFilter, SPEC §9) is the selectors' (issues.selectors.problem_filter),
shared with the pages; it is re-exported here for the API modules that name it.
"""

import functools

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


@functools.lru_cache(maxsize=256)
def _given_only(filterset_class, names: frozenset[str]):
    """`filterset_class` with only the filters named in the request. A filter not given does
    nothing, but a FilterSet deep-copies every filter and its form every form field: ~5 ms of
    Python for ProblemFilter's fifteen when a list asks for one (`?q=…`, bench/README.md).
    The schema and the pages keep the full class (only the request's FilterSet is narrowed)."""
    narrowed = type(filterset_class.__name__, (filterset_class,), {})
    narrowed.base_filters = {
        name: f for name, f in filterset_class.base_filters.items() if name in names
    }
    return narrowed


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
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return None
        if filterset_class is getattr(view, "filterset_class", None):
            # A declared class (one per view, so the cache stays small; `filterset_fields`
            # makes a new class per request).
            given = frozenset(
                name for name in filterset_class.base_filters if name in request.query_params
            )
            filterset_class = _given_only(filterset_class, given)
        filterset = filterset_class(**self.get_filterset_kwargs(request, queryset, view))
        empty = {
            name: ["不能为空；不按此项筛选时请省略该参数。"]
            for name in filterset.filters
            if request.query_params.get(name) == ""
        }
        if empty:
            raise ValidationError(empty)
        return filterset
