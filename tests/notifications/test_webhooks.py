"""Per-unit webhooks (SPEC §5): a JSON POST signed with HMAC-SHA256 in a header, DingTalk/WeCom
robot text, retries with backoff recorded on the row, `failed` after the last attempt, and one
delivery per endpoint per event. A real HTTP server on 127.0.0.1 receives the POSTs.
"""

import base64
import datetime as dt
import hashlib
import hmac
import json
import urllib.parse
from itertools import pairwise

import pytest
from django.utils import timezone

from notifications import webhooks
from notifications.models import Notification, Reminder, WebhookDelivery, WebhookEndpoint
from notifications.scan import reminders_scan
from notifications.webhooks import BACKOFF, MAX_ATTEMPTS, webhook_deliver

from .conftest import at, posted_json

SECRET = "s3cret-Ω"
DUE = dt.date(2026, 3, 10)
OVERDUE_DAY = DUE + dt.timedelta(days=1)
TITLE = "机密标题：某局违规发放津贴问题"


@pytest.fixture
def problem(cast, make_problem):
    return make_problem(
        "in_progress",
        due_date=DUE,
        title=TITLE,
        measures=[{"content": "措施", "due_date": dt.date(2026, 6, 30)}],
    )


def endpoint_for(cast, receiver, fmt="json", url=None):
    return WebhookEndpoint.objects.create(
        unit=cast.unit_a, url=url or receiver.url, secret=SECRET, format=fmt
    )


def deliveries_after_one_cycle(run_cycle, _today):
    """Overdue/1 is delivered in-app (admin_a and head_a) and queues the webhook rows."""
    _today.move_to(at(OVERDUE_DAY))
    run_cycle()
    return list(WebhookDelivery.objects.order_by("pk"))


def test_the_json_post_is_signed_with_hmac_sha256_over_timestamp_and_body(
    run_cycle, cast, problem, receiver, _today
):
    endpoint_for(cast, receiver)
    [delivery] = deliveries_after_one_cycle(run_cycle, _today)
    assert receiver.received == []  # queued, sent by the next cycle
    run_cycle()
    [request] = receiver.received
    assert request.path == "/hook"
    assert request.headers["Content-Type"].startswith("application/json")
    timestamp = request.headers["X-Tracker-Timestamp"]
    expected = hmac.new(
        SECRET.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256
    ).hexdigest()
    signature = request.headers["X-Tracker-Signature"]
    assert signature.startswith("sha256=")
    assert hmac.compare_digest(signature, "sha256=" + expected)
    assert int(timestamp) == int(timezone.now().timestamp() * 1000)
    # A signature made with another secret, or over another body, does not verify.
    forged = hmac.new(b"other", timestamp.encode() + b"." + request.body, hashlib.sha256)
    assert signature != "sha256=" + forged.hexdigest()

    payload = posted_json(request)
    reminder = Reminder.objects.filter(problem=problem, kind="overdue").first()
    assert payload == {
        "event": reminder.event_key,
        "kind": "overdue",
        "level": 1,
        "due_date": "2026-03-10",
        "problem_id": problem.pk,
        "problem_code": problem.code,
        "title": Notification.objects.get(reminder=reminder).title,
        "link": f"https://zg.example.org/problems/{problem.pk}/",
    }
    assert TITLE not in request.body.decode()  # robots post to outside servers: no detail
    assert request.headers["Idempotency-Key"] == reminder.event_key
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("sent", 1, 200)
    assert delivery.last_error == ""


@pytest.mark.parametrize("fmt", ["dingtalk", "wecom"])
def test_robot_formats_send_text_messages(run_cycle, cast, problem, receiver, _today, fmt):
    endpoint_for(cast, receiver, fmt)
    deliveries_after_one_cycle(run_cycle, _today)
    run_cycle()
    [request] = receiver.received
    body = posted_json(request)
    assert set(body) == {"msgtype", "text"}
    assert body["msgtype"] == "text"
    assert set(body["text"]) == {"content"}
    content = body["text"]["content"]
    assert problem.code in content and "已逾期" in content
    assert f"https://zg.example.org/problems/{problem.pk}/" in content
    assert TITLE not in content
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(request.path).query)
    if fmt == "wecom":
        assert query == {}
    else:
        assert set(query) == {"timestamp", "sign"}
        [timestamp], [sign] = query["timestamp"], query["sign"]
        assert int(timestamp) == int(timezone.now().timestamp() * 1000)
        digest = hmac.new(
            SECRET.encode(), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256
        ).digest()
        assert sign == base64.b64encode(digest).decode()  # parse_qs already unquoted it


def test_dingtalk_keeps_the_access_token_already_in_the_url(
    run_cycle, cast, problem, receiver, _today
):
    endpoint_for(cast, receiver, "dingtalk", url=receiver.url + "?access_token=abc")
    deliveries_after_one_cycle(run_cycle, _today)
    run_cycle()
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(receiver.received[0].path).query)
    assert query["access_token"] == ["abc"] and set(query) == {"access_token", "timestamp", "sign"}


def test_one_delivery_per_endpoint_per_event_whatever_the_number_of_recipients(
    run_cycle, cast, problem, receiver, _today
):
    first = endpoint_for(cast, receiver)
    second = endpoint_for(cast, receiver, "wecom")
    WebhookEndpoint.objects.create(unit=cast.unit_b, url=receiver.url, secret="b")  # not ours
    WebhookEndpoint.objects.create(
        unit=cast.unit_a, url=receiver.url, secret="off", is_active=False
    )
    rows = deliveries_after_one_cycle(run_cycle, _today)
    assert Reminder.objects.filter(kind="overdue").count() == 2  # admin_a and head_a
    assert sorted(r.endpoint_id for r in rows) == sorted([first.pk, second.pk])
    for _ in range(3):
        run_cycle()
    assert len(receiver.received) == 2
    assert WebhookDelivery.objects.count() == 2
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"sent"}


def test_a_failing_receiver_is_retried_with_backoff_and_then_marked_failed(
    run_cycle, cast, problem, receiver, _today
):
    receiver.status = 500
    endpoint_for(cast, receiver)
    [delivery] = deliveries_after_one_cycle(run_cycle, _today)
    started = timezone.now()
    run_cycle()
    assert len(receiver.received) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("pending", 1, 500)
    assert "500" in delivery.last_error
    assert delivery.next_attempt_at == started + BACKOFF[0]
    assert delivery.next_attempt_at > timezone.now()

    now = started
    for attempt in range(2, MAX_ATTEMPTS + 1):
        due = delivery.next_attempt_at
        # Not before its time: neither the cycle nor a stray task sends it.
        _today.move_to(due - dt.timedelta(seconds=1))
        run_cycle()
        assert webhook_deliver(delivery.pk) is False
        assert len(receiver.received) == attempt - 1
        # At its time the cycle sends it again.
        _today.move_to(due)
        now = due
        run_cycle()
        assert len(receiver.received) == attempt
        delivery.refresh_from_db()
        assert delivery.attempts == attempt
        if attempt < MAX_ATTEMPTS:
            assert delivery.state == "pending"
            assert delivery.next_attempt_at == now + BACKOFF[attempt - 1]
    assert delivery.state == "failed"
    assert "500" in delivery.last_error and delivery.last_status == 500

    _today.move_to(now + dt.timedelta(days=3))
    run_cycle()
    assert webhook_deliver(delivery.pk) is False
    assert len(receiver.received) == MAX_ATTEMPTS


def test_the_backoff_grows(cast):
    assert all(a < b for a, b in pairwise(BACKOFF))
    assert MAX_ATTEMPTS == len(BACKOFF) + 1


def test_a_receiver_that_recovers_gets_the_delivery_once(
    run_cycle, cast, problem, receiver, _today
):
    receiver.statuses = [500, 503]
    endpoint_for(cast, receiver)
    [delivery] = deliveries_after_one_cycle(run_cycle, _today)
    run_cycle()
    for _ in range(2):
        delivery.refresh_from_db()
        _today.move_to(delivery.next_attempt_at)
        run_cycle()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("sent", 3, 200)
    assert delivery.last_error == ""
    assert len(receiver.received) == 3
    for _ in range(2):
        _today.move_to(timezone.now() + dt.timedelta(hours=13))
        run_cycle()
    assert len(receiver.received) == 3
    bodies = {r.body for r in receiver.received}
    assert len({json.loads(b)["event"] for b in bodies}) == 1


def test_an_unreachable_receiver_is_recorded_and_retried(
    run_cycle, cast, problem, local_webhooks, _today
):
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    WebhookEndpoint.objects.create(
        unit=cast.unit_a, url=f"http://127.0.0.1:{port}/hook", secret=SECRET
    )
    _today.move_to(at(OVERDUE_DAY))
    run_cycle()
    run_cycle()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == ("pending", 1)
    assert delivery.last_status is None
    assert "Connection" in delivery.last_error or "refused" in delivery.last_error
    assert delivery.failure == "connect"


def test_a_due_delivery_is_queued_once_until_a_retry_or_the_lease(
    run_cycle, cast, problem, receiver, _today
):
    endpoint_for(cast, receiver)
    [delivery] = deliveries_after_one_cycle(run_cycle, _today)
    now = timezone.now()
    assert webhooks.webhooks_dispatch(now) == [delivery.pk]
    # Its task waits in the queue (not run here): later cycles do not queue it again…
    assert webhooks.webhooks_dispatch(now + dt.timedelta(minutes=5)) == []
    # …unless that message was lost: once the lease is over it is queued again.
    later = now + webhooks.LEASE + dt.timedelta(seconds=1)
    assert webhooks.webhooks_dispatch(later) == [delivery.pk]
    assert receiver.received == []


def test_a_delivery_claimed_by_a_crashed_worker_is_sent_after_the_lease(
    run_cycle, cast, problem, receiver, _today
):
    endpoint_for(cast, receiver)
    [delivery] = deliveries_after_one_cycle(run_cycle, _today)
    crashed = timezone.now()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(webhooks, "post", lambda *a, **k: (_ for _ in ()).throw(SystemExit()))
        with pytest.raises(SystemExit):
            webhook_deliver(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == "sending"
    _today.move_to(crashed + webhooks.LEASE - dt.timedelta(seconds=1))
    run_cycle()
    assert receiver.received == []
    _today.move_to(crashed + webhooks.LEASE + dt.timedelta(seconds=1))
    run_cycle()
    assert len(receiver.received) == 1
    run_cycle()
    assert len(receiver.received) == 1


def test_a_delivery_that_kills_its_worker_every_time_ends_failed_after_the_last_attempt(
    run_cycle, cast, problem, receiver, _today
):
    endpoint_for(cast, receiver)
    [delivery] = deliveries_after_one_cycle(run_cycle, _today)
    start = timezone.now()
    crashes = 0
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(webhooks, "post", lambda *a, **k: (_ for _ in ()).throw(SystemExit()))
        for n in range(1, MAX_ATTEMPTS + 4):
            _today.move_to(start + n * (webhooks.LEASE + dt.timedelta(seconds=1)))
            try:
                run_cycle()
            except SystemExit:
                crashes += 1
    delivery.refresh_from_db()
    assert crashes == MAX_ATTEMPTS
    assert (delivery.state, delivery.attempts) == ("failed", MAX_ATTEMPTS)
    assert delivery.last_error


def test_no_endpoint_no_delivery(run_cycle, cast, problem, _today):
    _today.move_to(at(OVERDUE_DAY))
    run_cycle()
    run_cycle()
    assert not WebhookDelivery.objects.exists()
    assert Reminder.objects.filter(state="sent").count() == 2


def test_webhook_rows_are_made_only_by_delivery_not_by_the_scan(cast, problem, receiver, _today):
    endpoint_for(cast, receiver)
    _today.move_to(at(OVERDUE_DAY))
    reminders_scan()
    assert not WebhookDelivery.objects.exists()
