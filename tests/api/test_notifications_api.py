import datetime as dt

from issues.models import SupervisionAction
from issues.services.workflow import perform_action
from notifications.models import Notification, WebhookEndpoint


def test_it_lists_only_the_callers_notifications_and_marks_them_read(
    cast, make_problem, api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        problem = make_problem("assigned")  # `assign` notifies the lead unit's unit_admins
    mine = Notification.objects.get(recipient=cast.admin_a)
    assert mine.kind == "assign" and mine.problem_id == problem.pk
    client = api(cast.admin_a)
    body = client.get("/api/v1/notifications/?unread=true").json()
    assert [n["id"] for n in body["results"]] == [mine.pk]
    assert set(body["results"][0]) == {
        "id",
        "kind",
        "problem",
        "title",
        "body",
        "created_at",
        "read_at",
    }
    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread": 1}
    assert api(cast.admin_b).get("/api/v1/notifications/").json()["count"] == 0
    # Somebody else's notification does not exist for you.
    response = api(cast.admin_b).post(f"/api/v1/notifications/{mine.pk}/read/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    response = client.post(f"/api/v1/notifications/{mine.pk}/read/")
    assert response.status_code == 200 and response.json()["read_at"] is not None
    assert client.get("/api/v1/notifications/?unread=true").json()["count"] == 0


def test_it_keeps_email_opt_outs_per_kind(cast, api):
    client = api(cast.admin_a)
    response = client.put(
        "/api/v1/notifications/email-preferences/", {"email_opt_out": ["due_soon"]}, format="json"
    )
    assert response.status_code == 200
    assert client.get("/api/v1/notifications/email-preferences/").json()["email_opt_out"] == [
        "due_soon"
    ]
    bad = client.put(
        "/api/v1/notifications/email-preferences/", {"email_opt_out": ["nope"]}, format="json"
    )
    assert bad.status_code == 400 and bad.json()["code"] == "validation_error"


def test_it_lets_the_lead_unit_reply_to_a_supervision_once(cast, make_problem, api):
    problem = make_problem("in_progress")
    perform_action(
        problem_id=problem.pk,
        action="supervise",
        actor=cast.rev,
        data={
            "kind": "letter",
            "content": "请于3月10日前书面回复整改进展",
            "reply_due_date": "2026-03-10",
        },
    )
    supervision = SupervisionAction.objects.get(problem=problem)
    listed = api(cast.admin_a).get(f"/api/v1/problems/{problem.pk}/supervisions/").json()
    assert [s["id"] for s in listed["results"]] == [supervision.pk]
    assert api(cast.outsider).get(f"/api/v1/problems/{problem.pk}/supervisions/").status_code == 404
    url = f"/api/v1/supervisions/{supervision.pk}/reply/"
    assert api(cast.staff_a).post(url, {"reply": "x"}, format="json").status_code == 403
    assert api(cast.outsider).post(url, {"reply": "x"}, format="json").status_code == 404
    response = api(cast.admin_a).post(url, {"reply": "已召开专题会议部署整改"}, format="json")
    assert response.status_code == 200 and response.json()["reply"] == "已召开专题会议部署整改"
    assert problem.ledger_entries.filter(action="supervision_reply").count() == 1
    again = api(cast.head_a).post(url, {"reply": "再次回复"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


def test_it_manages_unit_webhooks_within_scope_and_shows_failures(cast, api):
    client = api(cast.admin_a)
    response = client.post(
        "/api/v1/webhooks/",
        {
            "unit": cast.unit_a.pk,
            "url": "https://hooks.example.org/hook",
            "secret": "s3cret",
            "format": "dingtalk",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert "secret" not in response.json()
    endpoint = WebhookEndpoint.objects.get()
    denied = api(cast.admin_b).post(
        "/api/v1/webhooks/",
        {
            "unit": cast.unit_a.pk,
            "url": "https://hooks.example.org/hook",
            "secret": "x",
        },
        format="json",
    )
    assert denied.status_code in (400, 403)
    assert api(cast.admin_b).get("/api/v1/webhooks/").json()["count"] == 0
    from notifications.models import WebhookDelivery

    WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_key="problem:1:overdue:1:2026-03-01",
        payload={},
        state="failed",
        attempts=6,
        last_error="HTTP 500",
        last_status=500,
        next_attempt_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
    )
    rows = client.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/").json()["results"]
    assert rows[0]["state"] == "failed" and rows[0]["last_error"] == "HTTP 500"
    # Another unit's endpoint does not exist for admin_b (404, not an empty 200).
    assert api(cast.admin_b).get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/").status_code == 404
