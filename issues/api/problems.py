"""Problems, their workflow actions and their measures (SPEC §9).

Each view finds its object through the scope selectors (outside scope: 404) and hands the
input to one service; the services decide who may do what, and in which state.
"""

import functools
from collections.abc import Callable

from django.db import connection
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from issues.api.problem_rows import problem_rows_json
from issues.api.problem_serializers import (
    MeasureSerializer,
    MeasureUpdateSerializer,
    MeasureWriteSerializer,
    ProblemSerializer,
    ProblemWriteSerializer,
)
from issues.models import Problem
from issues.selectors.beside import beside
from issues.selectors.problem_filter import ProblemFilter
from issues.selectors.problems import measure_list, problem_list
from issues.selectors.scope import access_for, visible_page, visible_problems
from issues.selectors.similar import similar_problems
from issues.selectors.stats_cache import shared_list_count_later
from issues.services.problems import measure_create, measure_update, problem_create, problem_update
from issues.services.workflow import ACTIONS, perform_action


class ProblemViewMixin:
    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no DB
            return Problem.objects.none()
        return problem_list(self.request.user)

    def problem_response(self, problem_id, status_code=status.HTTP_200_OK):
        """The problem re-read as lists show it, so light and allowed actions are fresh."""
        problem = get_object_or_404(problem_list(self.request.user), pk=problem_id)
        context = self.get_serializer_context()
        return Response(ProblemSerializer(problem, context=context).data, status=status_code)


@extend_schema_view(post=extend_schema(request=ProblemWriteSerializer, responses=ProblemSerializer))
class ProblemListView(ProblemViewMixin, generics.ListCreateAPIView):
    serializer_class = ProblemSerializer
    filterset_class = ProblemFilter

    def get_queryset(self):
        """Scope only: filters, the count and the page's ids need no annotation (ordering by
        light adds its own); the page's rows are read afterwards by rows_for_ids."""
        if getattr(self, "swagger_fake_view", False):
            return Problem.objects.none()
        return visible_problems(self.request.user)

    @property
    def count_with_ids(self) -> bool:
        """Count with the page's ids (one query) when a scope union filters the list; a scope
        that holds every unit keeps the cheap separate COUNT (issues/pagination.py)."""
        return not access_for(self.request.user).covers_every_unit

    def known_count(self, queryset) -> Callable[[], int] | None:
        """A scope that holds every unit: what waits for the list's length, counted beside the
        page's reads (issues.selectors.beside) and shared a short while
        (issues.selectors.stats_cache); else None."""
        return shared_list_count_later(
            self.request.user,
            "problem-count",
            self.request.query_params,
            lambda: beside(queryset.db, queryset.all().count),
        )

    def rows_for_ids(self, ids):
        """A page's rows, read by id once the filtered list has picked them (in scope), as
        plain values written straight into the JSON (issues/api/problem_rows.py)."""
        return problem_rows_json(ids, self.request.user)

    page_ids = None

    def list(self, request, *args, **kwargs):
        """The page's rows are already the JSON: ProblemSerializer is the schema only here."""
        queryset = self.get_queryset()
        filtered = self.filter_queryset(queryset)
        if filtered is queryset and self.count_with_ids and connection.vendor == "postgresql":
            # Nothing filtered, the default order, a scope union: the page from the scope's
            # own indexes (the list as a unit opens it).
            self.page_ids = functools.partial(visible_page, request.user)
        page = self.paginate_queryset(filtered)
        return self.get_paginated_response(page)

    def create(self, request, *args, **kwargs):
        serializer = ProblemWriteSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        problem = problem_create(actor=request.user, **serializer.validated_data)
        return self.problem_response(problem.pk, status.HTTP_201_CREATED)


@extend_schema_view(
    patch=extend_schema(request=ProblemWriteSerializer, responses=ProblemSerializer),
)
class ProblemDetailView(ProblemViewMixin, generics.RetrieveUpdateAPIView):
    serializer_class = ProblemSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def update(self, request, *args, **kwargs):
        problem = self.get_object()
        # The instance lets a field compare with what the problem has (a deactivated
        # category may stay); the service writes, never serializer.save().
        serializer = ProblemWriteSerializer(
            problem, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        problem_update(actor=request.user, problem_id=problem.pk, **serializer.validated_data)
        return self.problem_response(problem.pk)


@extend_schema(
    parameters=[
        OpenApiParameter("action", str, OpenApiParameter.PATH, enum=list(ACTIONS)),
    ],
    request=OpenApiTypes.OBJECT,
    responses=ProblemSerializer,
)
class ProblemActionView(ProblemViewMixin, generics.GenericAPIView):
    """Any action of SPEC §3; the body holds its inputs. 409 wrong state, 403 wrong person."""

    serializer_class = ProblemSerializer

    def post(self, request, pk, action):
        problem = perform_action(
            problem_id=pk, action=action, actor=request.user, data=request.data
        )
        return self.problem_response(problem.pk)


class ProblemChildMixin:
    """Nested under problems/{id}/: the problem must be visible, else 404."""

    def get_problem(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no problem
            return None
        if not hasattr(self, "_problem"):
            self._problem = get_object_or_404(
                visible_problems(self.request.user).select_related("lead_unit"),
                pk=self.kwargs["pk"],
            )
        return self._problem


@extend_schema_view(post=extend_schema(request=MeasureWriteSerializer, responses=MeasureSerializer))
class ProblemMeasureListView(ProblemChildMixin, generics.ListCreateAPIView):
    serializer_class = MeasureSerializer

    def get_queryset(self):
        return measure_list(self.request.user).filter(problem=self.get_problem()).order_by("seq")

    def create(self, request, *args, **kwargs):
        problem = self.get_problem()
        serializer = MeasureWriteSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        measure = measure_create(
            actor=request.user, problem_id=problem.pk, **serializer.validated_data
        )
        data = MeasureSerializer(measure_list(request.user).get(pk=measure.pk)).data
        return Response(data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    patch=extend_schema(request=MeasureUpdateSerializer, responses=MeasureSerializer),
)
class MeasureDetailView(generics.RetrieveUpdateAPIView):
    serializer_class = MeasureSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return measure_list(self.request.user)

    def update(self, request, *args, **kwargs):
        measure = self.get_object()
        serializer = MeasureUpdateSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        measure_update(actor=request.user, measure_id=measure.pk, **serializer.validated_data)
        return Response(MeasureSerializer(self.get_queryset().get(pk=measure.pk)).data)


class SimilarProblemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    lead_unit = serializers.IntegerField(help_text="牵头单位 id")
    status = serializers.CharField()
    similarity = serializers.FloatField(help_text="0..1, 越大越相似")


@extend_schema(responses=SimilarProblemSerializer(many=True))
class ProblemSimilarView(ProblemChildMixin, generics.GenericAPIView):
    """举一反三: up to 20 problems in the caller's scope most like this one (a plain list)."""

    serializer_class = SimilarProblemSerializer
    pagination_class = None
    queryset = (
        Problem.objects.none()
    )  # for the schema's path parameter; rows come from the selector

    def get(self, request, pk):
        rows = similar_problems(request.user, self.get_problem())
        return Response(SimilarProblemSerializer(rows, many=True).data)
