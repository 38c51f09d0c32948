"""The API's orjson renderer writes the same bytes as DRF's JSONRenderer."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from tracker.renderers import OrjsonRenderer

pytestmark = pytest.mark.django_db

SAMPLES = [
    {"整改": "台账", "n": 1, "ok": True, "none": None, "f": 0.1, "big": 2**53},
    [Decimal("1234.50"), Decimal("0.10"), Decimal("12345678901234.56")],
    {"at": dt.datetime(2026, 3, 1, 8, 30, 5, 123456, tzinfo=dt.UTC)},
    {"at": dt.datetime(2026, 3, 1, 8, 30, 5, tzinfo=dt.timezone(dt.timedelta(hours=8)))},
    {"day": dt.date(2026, 3, 1), "time": dt.time(8, 30), "span": dt.timedelta(days=2)},
    {"id": uuid.UUID(int=7), "lazy": gettext_lazy("整改台账"), "tuple": (1, 2)},
    {"separators": "line\u2028para\u2029end", "quote": '"\\/\n\t\x01'},
    {"nested": [{"a": [1, {"b": []}]}, {}], "emoji": "😀"},
]


@pytest.mark.parametrize("data", SAMPLES)
def test_it_writes_the_bytes_drf_writes(data):
    assert OrjsonRenderer().render(data) == JSONRenderer().render(data)


def test_it_leaves_what_orjson_refuses_to_drf():
    too_big = {"n": 2**70, 1: "integer key"}
    assert OrjsonRenderer().render(too_big) == JSONRenderer().render(too_big)
    assert OrjsonRenderer().render(None) == b""


def test_it_indents_as_drf_when_asked():
    data = {"a": [1, 2]}
    media = "application/json; indent=2"
    assert OrjsonRenderer().render(data, media) == JSONRenderer().render(data, media)
    assert b"\n" in OrjsonRenderer().render(data, media)


def test_it_renders_the_api(cast, make_problem):
    make_problem("in_progress", amount=Decimal("1234.5"), title="行\u2028分隔")
    make_problem("closed")
    client = APIClient()
    client.force_authenticate(cast.oa)
    response = client.get("/api/v1/problems/")
    assert response.status_code == 200
    assert isinstance(response.accepted_renderer, OrjsonRenderer)
    assert response.json()["count"] == 2
    assert response.content == JSONRenderer().render(response.data)
