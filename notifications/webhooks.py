"""Per-unit webhooks: JSON signed with HMAC-SHA256, retried with backoff, failures recorded.

Retries are rows with a `next_attempt_at`, picked up by the periodic cycle — never Celery
ETA/countdown tasks, which Redis redelivers after its visibility timeout.
"""

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import urllib.parse

from django.db.models import F, Q
from django.utils import timezone

from . import webhook_http
from .links import problem_link
from .models import DeliveryState, WebhookDelivery, WebhookEndpoint, WebhookFormat

logger = logging.getLogger(__name__)

BACKOFF = [
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=12),
]
MAX_ATTEMPTS = len(BACKOFF) + 1
LEASE = dt.timedelta(minutes=10)
SIGNATURE_HEADER = "X-Tracker-Signature"
TIMESTAMP_HEADER = "X-Tracker-Timestamp"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>` of HMAC-SHA256(secret, "<timestamp>." + body)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def robot_text(payload: dict) -> str:
    return f"{payload['title']}\n问题编号：{payload['problem_code']}\n查看：{payload['link']}"


def render(endpoint: WebhookEndpoint, payload: dict) -> dict:
    """DingTalk and WeCom group robots both accept {"msgtype": "text", "text": {"content"}}."""
    if endpoint.format in (WebhookFormat.DINGTALK, WebhookFormat.WECOM):
        return {"msgtype": "text", "text": {"content": robot_text(payload)}}
    return payload


def endpoint_url(endpoint: WebhookEndpoint, timestamp_ms: int) -> str:
    """DingTalk's 加签: timestamp and a base64 HMAC of "timestamp\\nsecret" in the query."""
    if endpoint.format != WebhookFormat.DINGTALK:
        return endpoint.url
    text = f"{timestamp_ms}\n{endpoint.secret}".encode()
    digest = hmac.new(endpoint.secret.encode(), text, hashlib.sha256).digest()
    sign_param = urllib.parse.quote_plus(base64.b64encode(digest))
    joiner = "&" if "?" in endpoint.url else "?"
    return f"{endpoint.url}{joiner}timestamp={timestamp_ms}&sign={sign_param}"


def queue_for_reminder(reminder, notification) -> int:
    """One delivery per endpoint of the lead unit and event (not per recipient)."""
    endpoints = list(
        WebhookEndpoint.objects.filter(unit_id=reminder.problem.lead_unit_id, is_active=True)
    )
    if not endpoints:
        return 0
    problem = reminder.problem
    payload = {
        "event": reminder.event_key,
        "kind": reminder.kind,
        "level": reminder.level,
        "due_date": reminder.due_date.isoformat(),
        "problem_id": problem.pk,
        "problem_code": problem.code,
        "title": notification.title,
        "link": problem_link(problem.pk),
    }
    now = timezone.now()
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                endpoint=e, event_key=reminder.event_key, payload=payload, next_attempt_at=now
            )
            for e in endpoints
        ],
        ignore_conflicts=True,
    )
    return len(endpoints)


def post(endpoint: WebhookEndpoint, payload: dict, event_key: str) -> int:
    body = json.dumps(render(endpoint, payload), ensure_ascii=False).encode()
    timestamp_ms = int(time.time() * 1000)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        TIMESTAMP_HEADER: str(timestamp_ms),
        SIGNATURE_HEADER: sign(endpoint.secret, str(timestamp_ms), body),
        "Idempotency-Key": event_key,
        "User-Agent": "zhenggai-taizhang-webhook/1",
    }
    return webhook_http.post(endpoint_url(endpoint, timestamp_ms), body, headers)


def webhook_deliver(delivery_id: int) -> bool:
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, state=DeliveryState.PENDING, next_attempt_at__lte=now
    ).update(state=DeliveryState.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if claimed != 1:
        return False
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    try:
        status = post(delivery.endpoint, delivery.payload, delivery.event_key)
    except webhook_http.WebhookError as exc:
        return _failed(delivery, exc.kind, exc.detail, exc.status)
    except Exception as exc:  # a bug, not the network: still recorded, still retried
        logger.exception("webhook %s: unexpected error", delivery_id)
        return _failed(delivery, "network", f"{type(exc).__name__}: {exc}", None)
    WebhookDelivery.objects.filter(pk=delivery_id, state=DeliveryState.SENDING).update(
        state=DeliveryState.SENT,
        sent_at=timezone.now(),
        last_status=status,
        last_error="",
        failure="",
    )
    return True


def _failed(delivery: WebhookDelivery, kind: str, error: str, status: int | None) -> bool:
    attempts = delivery.attempts
    if attempts >= MAX_ATTEMPTS:
        state, next_at = DeliveryState.FAILED, delivery.next_attempt_at
    else:
        state, next_at = DeliveryState.PENDING, timezone.now() + BACKOFF[attempts - 1]
    logger.warning("webhook %s attempt %s failed: %s", delivery.pk, attempts, error)
    WebhookDelivery.objects.filter(pk=delivery.pk, state=DeliveryState.SENDING).update(
        state=state,
        next_attempt_at=next_at,
        last_error=error[:2000],
        last_status=status,
        failure=kind,
    )
    return False


def webhooks_dispatch(now=None, limit: int = 1000) -> list[int]:
    """Recover stale claims, then queue each delivery whose attempt is due and that has no task
    in the queue for it: never queued, a retry scheduled since it was queued, or queued longer
    than the lease ago (a lost broker message; the claim makes a duplicate harmless).
    Records only: tasks.py queues or runs the deliveries."""
    now = now or timezone.now()
    stale = WebhookDelivery.objects.filter(state=DeliveryState.SENDING, claimed_at__lt=now - LEASE)
    # A crash counts as an attempt: a delivery that keeps killing its worker ends `failed`.
    stale.filter(attempts__gte=MAX_ATTEMPTS).update(
        state=DeliveryState.FAILED, last_error="delivery did not finish (worker lost)"
    )
    stale.update(state=DeliveryState.PENDING, enqueued_at=None)
    ids = list(
        WebhookDelivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
        .filter(
            Q(enqueued_at=None)
            | Q(enqueued_at__lt=F("next_attempt_at"))
            | Q(enqueued_at__lt=now - LEASE)
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    if ids:
        WebhookDelivery.objects.filter(pk__in=ids).update(enqueued_at=now)
    return ids
