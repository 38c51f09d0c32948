"""Bounded input at the API door (issue 11): out-of-range dates and day counts, ids in filters,
control characters. Each is a 400 in the §9 shape, changes nothing, and the site keeps serving."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from issues.models import Batch, Problem, Unit
from notifications.models import WebhookEndpoint
from tests.api.conftest import assert_error

User = get_user_model()

OUT_OF_RANGE = ["9999-12-31", "0001-01-01", "1999-12-31", "2100-01-01"]


def _still_serving(api, user):
    for path in ("/api/v1/problems/", "/api/v1/batches/", "/api/v1/stats/summary/"):
        assert api(user).get(path).status_code == 200, path


def test_it_refuses_the_poison_pill_batch_rules(cast, api, make_problem):
    make_problem("in_progress")
    url = f"/api/v1/batches/{cast.batch.pk}/"
    for field, value in [
        ("yellow_days", 33331736),
        ("escalate_after_days", 2000000000),
        ("overdue_repeat_days", 0),
        ("review_pending_days", 91),
        ("max_extension_days", 100000),
        ("remind_days_before", [7, 3, 100000]),
        ("remind_days_before", list(range(1, 12))),
    ]:
        r = api(cast.oa).patch(url, {field: value}, format="json")
        assert_error(r, 400, "validation_error", field)
    cast.batch.refresh_from_db()
    assert (cast.batch.yellow_days, cast.batch.escalate_after_days) == (7, 7)
    _still_serving(api, cast.oa)


def test_it_accepts_the_bounds_themselves(cast, api):
    url = f"/api/v1/batches/{cast.batch.pk}/"
    r = api(cast.oa).patch(
        url,
        {"yellow_days": 90, "escalate_after_days": 365, "remind_days_before": [90, 0]},
        format="json",
    )
    assert r.status_code == 200, r.json()
    r = api(cast.oa).patch(url, {"yellow_days": 0, "escalate_after_days": 1}, format="json")
    assert r.status_code == 200, r.json()


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_it_refuses_out_of_range_dates_on_create(cast, api, value):
    payload = {
        "batch": cast.batch.pk,
        "title": "标题",
        "description": "具体表现",
        "lead_unit": cast.unit_a.pk,
        "source": "circuit_inspection",
        "due_date": value,
    }
    assert_error(
        api(cast.oa).post("/api/v1/problems/", payload, format="json"),
        400,
        "validation_error",
        "due_date",
    )
    measures = {
        **payload,
        "due_date": "2026-06-30",
        "measures": [{"content": "措施", "due_date": value}],
    }
    assert_error(
        api(cast.oa).post("/api/v1/problems/", measures, format="json"),
        400,
        "validation_error",
        "measures",
    )
    assert not Problem.objects.exists()
    batch = {"name": "批次", "code_prefix": "PC", "default_due_date": value}
    assert_error(
        api(cast.oa).post("/api/v1/batches/", batch, format="json"),
        400,
        "validation_error",
        "default_due_date",
    )
    assert not Batch.objects.filter(code_prefix="PC").exists()
    _still_serving(api, cast.oa)


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01"])
def test_it_refuses_out_of_range_dates_in_every_action(cast, api, make_problem, value):
    def act(user, problem, action, body, field):
        before = Problem.objects.get(pk=problem.pk)
        r = api(user).post(f"/api/v1/problems/{problem.pk}/actions/{action}/", body, format="json")
        assert_error(r, 400, "validation_error", field)
        after = Problem.objects.get(pk=problem.pk)
        assert (after.status, after.due_date) == (before.status, before.due_date), action

    act(cast.oa, make_problem("draft"), "assign", {"due_date": value}, "due_date")
    act(cast.rev, make_problem("list_review"), "approve_list", {"due_date": value}, "due_date")
    in_progress = make_problem("in_progress")
    act(
        cast.admin_a,
        in_progress,
        "request_extension",
        {"kind": "extend", "requested_due_date": value, "reason": "原因"},
        "requested_due_date",
    )
    act(
        cast.admin_a,
        in_progress,
        "request_extension",
        {"kind": "long_term", "reason": "原因", "stage_goal": "目标", "next_review_date": value},
        "next_review_date",
    )
    act(
        cast.oa,
        in_progress,
        "supervise",
        {"kind": "urge", "content": "催办", "reply_due_date": value},
        "reply_due_date",
    )
    review = make_problem("closeout_review")
    act(
        cast.head_a,
        review,
        "reject_closeout",
        {"comment": "补充", "new_due_date": value},
        "new_due_date",
    )
    act(
        cast.rev,
        make_problem("closed"),
        "reopen",
        {"comment": "反弹", "new_due_date": value},
        "new_due_date",
    )
    measure = in_progress.measures.get()
    r = api(cast.admin_a).patch(
        f"/api/v1/measures/{measure.pk}/", {"due_date": value}, format="json"
    )
    assert_error(r, 400, "validation_error", "due_date")
    r = api(cast.admin_a).post(
        f"/api/v1/problems/{in_progress.pk}/measures/",
        {"content": "新措施", "due_date": value},
        format="json",
    )
    assert_error(r, 400, "validation_error", "due_date")
    assert in_progress.measures.count() == 1
    _still_serving(api, cast.oa)


@pytest.mark.parametrize(
    "query",
    [
        "unit=4.5e16",
        "unit=1e400",
        "batch=abc",
        "lead_unit=-1",
        "category=0",
        "campaign=99999999999",
        "page_size=false",
        "page_size=0",
        "page=abc",
        "page=-1",
        "due_before=9999-12-31",
    ],
)
def test_it_answers_bad_filters_with_400(cast, api, query):
    for path in ("/api/v1/problems/", "/api/v1/exports/ledger.csv", "/api/v1/stats/summary/"):
        if path != "/api/v1/problems/" and query.startswith("page"):
            continue  # exports and statistics are not paged
        r = api(cast.oa).get(f"{path}?{query}")
        body = assert_error(r, 400, "validation_error")
        assert query.split("=")[0] in body["errors"], (path, body)


def test_it_keeps_the_page_rules_that_work(cast, api, make_problem):
    make_problem("draft")
    assert api(cast.oa).get("/api/v1/problems/?page_size=500").json()["count"] == 1
    assert api(cast.oa).get("/api/v1/problems/?page=1&page_size=1").status_code == 200
    assert_error(api(cast.oa).get("/api/v1/problems/?page=2"), 404, "not_found")
    assert api(cast.oa).get(f"/api/v1/problems/?unit={cast.unit_a.pk}").json()["count"] == 1


@pytest.mark.parametrize("bad", ["\x00", "\x07", "\x1b[31m", "\u0085", "\x7f"])
def test_it_refuses_control_characters_in_names_codes_and_text(cast, api, make_problem, bad):
    # Inside the text: at either end DRF strips whitespace (\x85) before validating.
    r = api(cast.oa).post("/api/v1/units/", {"name": f"单{bad}位", "code": "DW1"}, format="json")
    assert_error(r, 400, "validation_error", "name")
    r = api(cast.oa).post("/api/v1/units/", {"name": "单位", "code": f"D{bad}W"}, format="json")
    assert_error(r, 400, "validation_error", "code")
    assert not Unit.objects.filter(name__startswith="单位").exists()
    r = api(cast.oa).patch(
        f"/api/v1/batches/{cast.batch.pk}/", {"name": f"批{bad}次"}, format="json"
    )
    assert_error(r, 400, "validation_error", "name")
    problem = make_problem("draft")
    r = api(cast.oa).patch(
        f"/api/v1/problems/{problem.pk}/", {"description": f"表{bad}现"}, format="json"
    )
    assert_error(r, 400, "validation_error", "description")
    r = api(cast.oa).post(
        f"/api/v1/problems/{problem.pk}/actions/withdraw/", {"comment": f"撤{bad}销"}, format="json"
    )
    assert_error(r, 400, "validation_error", "comment")
    assert Problem.objects.get(pk=problem.pk).status == "draft"


def test_it_lets_line_breaks_into_text_but_not_into_names(cast, api, make_problem):
    problem = make_problem("draft")
    r = api(cast.oa).patch(
        f"/api/v1/problems/{problem.pk}/",
        {"description": "第一行\r\n第二行\t制表"},
        format="json",
    )
    assert r.status_code == 200, r.json()
    r = api(cast.oa).patch(
        f"/api/v1/problems/{problem.pk}/", {"title": "标题\n换行"}, format="json"
    )
    assert_error(r, 400, "validation_error", "title")


@pytest.mark.parametrize("bad", ["\x00", "\x07", "\x1b[31m", "\u0085", "\x7f", " "])
def test_it_refuses_control_characters_in_user_names(cast, api, bad):
    r = api(cast.oa).post(
        "/api/v1/users/", {"username": f"li{bad}si", "password": "Zhenggai-2026-ok"}, format="json"
    )
    assert_error(r, 400, "validation_error", "username")
    assert not User.objects.filter(username__startswith="li").exists()


def test_it_takes_chinese_user_names(cast, api):
    r = api(cast.oa).post(
        "/api/v1/users/", {"username": "李四.jyj", "password": "Zhenggai-2026-ok"}, format="json"
    )
    assert r.status_code == 201, r.json()


@pytest.mark.parametrize("bad", ["\x01", "\x1b[31m", "\u0085", "\x7f"])
def test_it_refuses_control_characters_in_webhook_addresses_and_secrets(cast, api, bad):
    good = {"unit": cast.unit_a.pk, "url": "https://hooks.example.org/hook", "secret": "s3cret"}
    client = api(cast.admin_a)
    for field, value in [("url", f"https://hooks.example.org/a{bad}b"), ("secret", f"s{bad}t")]:
        r = client.post("/api/v1/webhooks/", {**good, field: value}, format="json")
        assert_error(r, 400, "validation_error", field)
    assert not WebhookEndpoint.objects.exists()
    endpoint = client.post("/api/v1/webhooks/", good, format="json").json()
    r = client.patch(f"/api/v1/webhooks/{endpoint['id']}/", {"secret": f"x{bad}y"}, format="json")
    assert_error(r, 400, "validation_error", "secret")
    assert WebhookEndpoint.objects.get().secret == "s3cret"


def test_a_page_far_past_the_end_is_a_404_for_every_kind_of_list(cast, api, make_problem):
    """An 18-digit page number (the most `page` takes) times the page size is past what the
    database's OFFSET holds: still the 404 of a page past the end, never a 500 — for the
    county office and for a unit (whose unfiltered list is read by scope.visible_page)."""
    make_problem("draft")
    for user in (cast.oa, cast.admin_a):
        for query in ("", "&status=draft"):
            r = api(user).get(f"/api/v1/problems/?page=999999999999999999&page_size=200{query}")
            assert_error(r, 404, "not_found")
        # The page (no digit limit there) shows its last page, as Django's get_page does.
        page = Client()
        page.force_login(user)
        r = page.get("/problems/?page=" + "9" * 40)
        assert r.status_code == 200 and r.context["page"].number == 1
