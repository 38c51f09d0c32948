"""Issue 14 item 5: the review inbox (待办's section, /reviews/, /api/v1/reviews/pending/) costs
the same queries for 1 pending request as for 30, and is counted and paged in SQL."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from issues.services.workflow import perform_action

pytestmark = pytest.mark.django_db

PAGES = ("/api/v1/reviews/pending/", "/", "/reviews/")


def file_extensions(cast, make_problem, n):
    for _ in range(n):
        problem = make_problem("in_progress")
        perform_action(
            problem_id=problem.pk,
            action="request_extension",
            actor=cast.admin_a,
            data={"kind": "extend", "requested_due_date": "2026-09-30", "reason": "资金未到位"},
        )


def get(web, api, url):
    user = get_user_model().objects.get(username="head_a")  # memberships read afresh
    client = api(user) if url.startswith("/api/") else web(user)
    response = client.get(url)
    assert response.status_code == 200
    return response


def queries(web, api, url) -> int:
    get(web, api, url)  # warm: the session's first write
    with CaptureQueriesContext(connection) as ctx:
        get(web, api, url)
    return len(ctx.captured_queries)


def test_it_reads_the_inbox_in_the_same_queries_for_1_and_30_requests(
    cast, make_problem, web, api, django_assert_max_num_queries
):
    file_extensions(cast, make_problem, 1)
    one = {url: queries(web, api, url) for url in PAGES}
    assert get(web, api, PAGES[0]).json()["count"] == 1
    file_extensions(cast, make_problem, 29)
    for url in PAGES:
        get(web, api, url)
        with django_assert_max_num_queries(one[url]):
            response = get(web, api, url)
    assert one["/api/v1/reviews/pending/"] <= 4, one
    api_page = get(web, api, PAGES[0]).json()
    assert api_page["count"] == 30 and len(api_page["results"]) == 30
    home = get(web, api, "/").context["sections"]
    reviews = next(s for s in home if s.key == "reviews")
    assert reviews.count == 30 and len(reviews.items) == 10
    assert reviews.items[0].step_label == "单位负责人审核"
    response = get(web, api, "/reviews/")
    assert len(response.context["items"]) == 20
    assert response.context["page"].paginator.count == 30
    assert "30 项申请等待您审核" in response.content.decode()


def test_it_pages_the_inbox_oldest_first(cast, make_problem, web, api):
    file_extensions(cast, make_problem, 23)
    ids = [row["request_id"] for row in get(web, api, PAGES[0]).json()["results"]]
    assert ids == sorted(ids)
    first = [i["request"].pk for i in get(web, api, "/reviews/").context["items"]]
    second = [i["request"].pk for i in get(web, api, "/reviews/?page=2").context["items"]]
    assert first + second == ids
    assert 'href="?page=2"' in get(web, api, "/reviews/").content.decode()
