"""Issue 14 item 1: GET /api/v1/problems/ builds its rows from plain values
(issues/api/problem_rows.py); each row must be byte for byte what ProblemSerializer makes of the
same problem read as a model instance — fields, their order and types, the measures, the
cooperating units, and `allowed_actions` for every kind of user and review situation."""

import datetime as dt
from decimal import Decimal

import orjson
import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIRequestFactory

from issues.api.problem_serializers import ProblemSerializer
from issues.models import Unit
from issues.selectors.problems import problem_list
from issues.services.workflow import perform_action
from tests.conftest import make_user
from tracker.renderers import OrjsonRenderer

pytestmark = pytest.mark.django_db

STATES = (
    "draft",
    "list_review",
    "assigned",
    "in_progress",
    "closeout_review",
    "closed",
    "long_term",
    "routine",
    "withdrawn",
)
EXTENSION = {"kind": "extend", "requested_due_date": "2026-09-30", "reason": "资金未到位"}


@pytest.fixture
def varied(cast, make_problem):
    c = cast
    made = [make_problem(state) for state in STATES]
    # Cooperating units in the units' own order (sort, then id), not the order given.
    Unit.objects.filter(pk=c.unit_b.pk).update(sort=9)
    made.append(
        make_problem(
            "in_progress",
            cooperating_units=[c.unit_b, c.unit_c],
            measures=[
                {"content": "措施一", "unit": c.unit_a},
                {"content": "逾期措施", "unit": c.unit_b, "due_date": dt.date(2026, 2, 1)},
            ],
            amount=Decimal("1234.5"),
            origin="legacy",
        )
    )
    made.append(make_problem("draft", rectify_type="long_term", due_date=None, measures=[]))
    made.append(make_problem("in_progress", due_date=dt.date(2026, 3, 1)))  # overdue, red
    office_step = make_problem("closeout_review")
    perform_action(problem_id=office_step.pk, action="approve_closeout", actor=c.head_a)
    leader_step = make_problem(
        "closeout_review", batch=c.reviewed_batch, responsible_leader=c.leader
    )
    for reviewer in (c.head_a, c.rev):
        perform_action(problem_id=leader_step.pk, action="approve_closeout", actor=reviewer)
    by_unit = make_problem("in_progress")
    perform_action(
        problem_id=by_unit.pk, action="request_extension", actor=c.admin_a, data=EXTENSION
    )
    by_office = make_problem("assigned", lead_unit=c.unit_b)
    perform_action(problem_id=by_office.pk, action="request_extension", actor=c.oa, data=EXTENSION)
    made += [office_step, leader_step, by_unit, by_office]
    c.dual = make_user("dual", unit=c.unit_a, role="unit_head")
    c.dual.memberships.create(unit=c.county, role="office_reviewer")
    return made


def expected_rows(user) -> dict[int, bytes]:
    """ProblemSerializer over model instances (the detail's path), one row at a time."""
    request = APIRequestFactory().get("/api/v1/problems/")
    request.user = user
    rows = problem_list(user)
    data = ProblemSerializer(rows, many=True, context={"request": request}).data
    return {row["id"]: OrjsonRenderer().render(row) for row in data}


def test_it_writes_every_row_as_the_serializer_does_for_every_user(cast, varied, api):
    names = "oa rev leader admin_a head_a staff_a viewer_a admin_b head_b outsider root dual"
    User = get_user_model()
    seen_actions = set()
    for name in names.split():
        user = User.objects.get(pk=getattr(cast, name).pk)
        response = api(user).get("/api/v1/problems/?page_size=200")
        assert response.status_code == 200
        results = response.json()["results"]
        expected = expected_rows(User.objects.get(pk=user.pk))
        assert [row["id"] for row in results] == [
            p.pk for p in problem_list(user).order_by("-created_at", "-id")
        ], name
        for row, raw in zip(results, response.data["results"], strict=True):
            assert list(row) == ProblemSerializer.Meta.fields
            assert OrjsonRenderer().render(raw) == expected[row["id"]], (name, row["status"])
            seen_actions.update(row["allowed_actions"])
    # The situations above make the review and filing rules answer, not only the states.
    assert {"approve_closeout", "reject_closeout", "approve_extension", "withdraw_closeout"} <= (
        seen_actions
    )
    assert {"request_extension", "request_closeout", "acknowledge", "assign"} <= seen_actions


def test_it_reads_a_page_in_the_same_queries_whatever_its_size(cast, varied, api):
    counts = {}
    for size in (1, 5, 50):
        with CaptureQueriesContext(connection) as ctx:
            response = api(cast.oa).get(f"/api/v1/problems/?page_size={size}")
        assert response.status_code == 200
        counts[size] = len(ctx.captured_queries)
    assert counts[1] == counts[5] == counts[50], counts


def test_it_counts_with_the_page_ids_for_a_scoped_user(cast, varied, api):
    """A unit's list reads its count with the page's ids (one query over the scope union):
    the same count and pages as counting apart, and a page past the end is still a 404."""
    client = api(cast.admin_a)
    expected = [p.pk for p in problem_list(cast.admin_a).order_by("-created_at", "-id")]
    pages, number = [], 1
    while True:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/api/v1/problems/?page_size=4&page={number}")
        if response.status_code == 404:
            break
        body = response.json()
        assert body["count"] == len(expected)
        sqls = [q["sql"] for q in ctx.captured_queries]
        assert not any(sql.startswith("SELECT COUNT(*)") for sql in sqls), number
        if connection.vendor == "postgresql":  # unfiltered: from the scope's own indexes
            assert any(sql.startswith("WITH units AS") for sql in sqls), number
        pages += [row["id"] for row in body["results"]]
        number += 1
    assert pages == expected and number == -(-len(expected) // 4) + 1
    last = client.get("/api/v1/problems/?page_size=4&page=last").json()
    assert [row["id"] for row in last["results"]] == expected[(number - 2) * 4 :]
    # The county office (every unit in scope) keeps the separate COUNT, an index-only scan.
    with CaptureQueriesContext(connection) as ctx:
        assert api(cast.oa).get("/api/v1/problems/").json()["count"] == len(varied)
    assert any("COUNT(*)" in q["sql"] for q in ctx.captured_queries)


@pytest.mark.parametrize(
    "query, narrow",
    [
        ("status=in_progress", lambda qs: qs.filter(status="in_progress")),
        ("ordering=due_date", lambda qs: qs.order_by("due_date", "-created_at", "-id")),
        ("q=%E9%97%AE%E9%A2%98", lambda qs: qs),  # 问题: every title here
    ],
)
def test_a_filtered_or_reordered_unit_list_is_paged_from_its_queryset(
    cast, varied, api, query, narrow
):
    """Only the list as it opens (no filter, newest first) is read by visible_page; any
    filter or ordering goes through the queryset, with the same count and rows."""
    base = problem_list(cast.admin_a).order_by("-created_at", "-id")
    expected = [p.pk for p in narrow(base)]
    with CaptureQueriesContext(connection) as ctx:
        body = api(cast.admin_a).get(f"/api/v1/problems/?page_size=200&{query}").json()
    assert [row["id"] for row in body["results"]] == expected and body["count"] == len(expected)
    assert not any(q["sql"].startswith("WITH units AS") for q in ctx.captured_queries)


def test_remembered_actions_follow_a_changed_membership_or_unit_at_once(cast, varied, api):
    """allowed_actions are remembered across requests by user and situation
    (problem_rows._ALLOWED): a role taken away, or the lead unit moved under the user's
    office, gives the serializer's new answer on the very next request."""
    from issues.services.org import unit_update

    User = get_user_model()
    office_b = make_user("office_b", unit=cast.unit_b, role="office_admin")

    def check(user):
        user = User.objects.get(pk=user.pk)  # as a request reads it
        results = api(user).get("/api/v1/problems/?page_size=200").json()["results"]
        actions = {row["id"]: row["allowed_actions"] for row in results}
        expected = expected_rows(user)
        assert actions == {pk: orjson.loads(raw)["allowed_actions"] for pk, raw in expected.items()}
        return actions

    before = check(cast.admin_a)
    cast.admin_a.memberships.update(role="viewer")
    assert check(cast.admin_a) != before

    # 卫健局's office sees 教育局's problem through its cooperating unit; once 教育局 sits
    # under 卫健局, the office may act on it.
    before = check(office_b)
    unit_update(actor=cast.root, unit_id=cast.unit_a.pk, parent=cast.unit_b)
    assert check(office_b) != before
