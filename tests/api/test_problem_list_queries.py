"""The problem list runs a constant number of queries, whatever the page size (SPEC §11)."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from issues.services.workflow import perform_action


def count_queries(api, user, url):
    """A fresh user object per request, as token authentication gives: nothing cached."""
    client = api(get_user_model().objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.json()
    return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries], response.json()


@pytest.fixture
def busy_ledger(cast, make_problem):
    """Rows with everything a row shows: measures, cooperating units, pending requests."""
    measures = [
        {"content": "措施一", "unit": cast.unit_a},
        {"content": "措施二", "unit": cast.unit_b, "due_date": dt.date(2026, 2, 1)},
    ]
    for _ in range(4):
        make_problem("closeout_review")
        problem = make_problem("in_progress", cooperating_units=[cast.unit_b], measures=measures)
        perform_action(
            problem_id=problem.pk,
            action="request_extension",
            actor=cast.admin_a,
            data={"kind": "extend", "requested_due_date": "2026-09-30", "reason": "资金未到位"},
        )
        make_problem("draft", cooperating_units=[cast.school_a])
    make_problem("closed")


def test_it_lists_a_page_in_constant_queries(cast, api, busy_ledger):
    for user in (cast.oa, cast.admin_a, cast.head_a, cast.root):
        small, small_sql, small_body = count_queries(api, user, "/api/v1/problems/?page_size=10")
        large, large_sql, large_body = count_queries(api, user, "/api/v1/problems/?page_size=200")
        assert len(small_body["results"]) == 10
        assert len(large_body["results"]) == large_body["count"] > 10
        assert small == large, "\n".join(
            ["page_size=10:", *small_sql, "page_size=200:", *large_sql]
        )
        # memberships, batch thresholds, count, the page's ids, then its rows by id (thresholds,
        # rows, measures, cooperating units, pending requests, their steps): issues.pagination.
        assert large <= 10, "\n".join(large_sql)
        # The rows really carry what was prefetched.
        rows = large_body["results"]
        assert any(row["cooperating_units"] for row in rows)
        assert any(len(row["measures"]) == 2 for row in rows)
    actions = {action for row in large_body["results"] for action in row["allowed_actions"]}
    assert {"approve_closeout", "approve_extension", "reopen"} <= actions  # root's rows


def test_it_shows_a_problem_in_as_few_queries(cast, api, busy_ledger):
    from issues.models import Problem

    problem = Problem.objects.filter(status="closeout_review").first()
    queries, sql, _ = count_queries(api, cast.head_a, f"/api/v1/problems/{problem.pk}/")
    assert queries <= 7, "\n".join(sql)
