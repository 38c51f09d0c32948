"""ProblemSerializer and MeasureSerializer write their fields out by hand for speed; DRF's
generic field-by-field path must give exactly the same JSON, for problems of every kind."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory

from issues.api.problem_serializers import MeasureSerializer, ProblemSerializer
from issues.models import Problem
from issues.selectors.problems import measure_list, problem_list

pytestmark = pytest.mark.django_db

STATES = [
    "draft",
    "list_review",
    "assigned",
    "in_progress",
    "closeout_review",
    "closed",
    "long_term",
    "routine",
    "withdrawn",
]


def as_json(data) -> object:
    return json.loads(JSONRenderer().render(data))


def rendered(data) -> bytes:
    """The response body: types count (1 is not true), and so does the order of the keys."""
    return JSONRenderer().render(data)


def generic(serializer_class, instance, **kwargs):
    """What DRF's ModelSerializer itself makes of the declared fields."""
    serializer = serializer_class(instance, **kwargs)
    return serializers.ModelSerializer.to_representation(serializer, instance)


@pytest.fixture
def varied(cast, make_problem):
    measures = [
        {"content": "措施一", "unit": cast.unit_a},
        {"content": "措施二", "unit": cast.unit_b, "due_date": dt.date(2026, 2, 1)},
    ]
    made = [make_problem(state) for state in STATES]
    made.append(
        make_problem(
            "in_progress",
            cooperating_units=[cast.unit_b],
            measures=measures,
            amount=Decimal("1234.5"),
            campaign=None,
            origin="legacy",
        )
    )
    made.append(make_problem("draft", rectify_type="long_term", due_date=None, measures=[]))
    return made


def test_the_written_out_fields_equal_drfs_generic_output(cast, varied):
    request = APIRequestFactory().get("/api/v1/problems/")
    for user in (cast.oa, cast.admin_a):
        request.user = user
        context = {"request": request}
        rows = problem_list(user).filter(pk__in=[p.pk for p in varied]).order_by("pk")
        assert len(rows) == len(varied)
        for problem in rows:
            fast = ProblemSerializer(problem, context=context).data
            expected = generic(ProblemSerializer, problem, context=context)
            expected["measures"] = [generic(MeasureSerializer, m) for m in problem.measures.all()]
            assert list(fast) == ProblemSerializer.Meta.fields
            assert rendered(fast) == rendered(expected), problem.status
    # The amount keeps its two decimals as a number; datetimes are in the local time zone.
    amount = next(row for row in as_json(rows_data(cast, varied)) if row["amount"] is not None)
    assert amount["amount"] == 1234.5
    assert amount["created_at"].endswith("+08:00")


def rows_data(cast, varied):
    request = APIRequestFactory().get("/api/v1/problems/")
    request.user = cast.oa
    rows = problem_list(cast.oa).filter(pk__in=[p.pk for p in varied]).order_by("pk")
    return ProblemSerializer(rows, many=True, context={"request": request}).data


def test_a_measure_read_on_its_own_equals_drfs_generic_output(cast, varied):
    measures = measure_list(cast.oa).filter(problem__in=varied).order_by("pk")
    assert measures.exists()
    for measure in measures:
        fast = MeasureSerializer(measure).data
        assert list(fast) == MeasureSerializer.Meta.fields
        assert rendered(fast) == rendered(generic(MeasureSerializer, measure))
    assert Problem.objects.filter(pk__in=[p.pk for p in varied]).count() == len(varied)
