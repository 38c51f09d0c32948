"""消息推送: the units' webhooks, their recent deliveries and failures (notifications/)."""

import pytest
from django.utils import timezone

from notifications.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(cast):
    endpoint = WebhookEndpoint.objects.create(
        unit=cast.unit_a, url="https://oapi.dingtalk.com/robot/send?t=1", secret="s"
    )
    now = timezone.now()
    WebhookDelivery.objects.create(
        endpoint=endpoint, event_key="a", payload={}, state="sent", next_attempt_at=now
    )
    WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_key="b",
        payload={},
        state="failed",
        attempts=6,
        next_attempt_at=now,
        last_status=502,
        last_error="Bad Gateway",
    )
    return endpoint


def test_it_lists_webhooks_with_their_failures(cast, endpoint, web):
    body = web(cast.oa).get("/manage/webhooks/").content.decode()
    assert "oapi.dingtalk.com" in body
    assert f'data-testid="failed-{endpoint.pk}">1<' in body and "Bad Gateway" in body
    body = web(cast.oa).get(f"/manage/webhooks/{endpoint.pk}/").content.decode()
    assert "HTTP 502" in body and "失败" in body


def test_it_adds_and_edits_a_webhook(cast, web):
    client = web(cast.oa)
    data = {"unit": cast.unit_b.pk, "url": "https://qyapi.weixin.qq.com/x", "format": "wecom"}
    response = client.post("/manage/webhooks/", {**data, "secret": "abc"})
    endpoint = WebhookEndpoint.objects.get()
    assert response["Location"] == f"/manage/webhooks/{endpoint.pk}/"
    assert (endpoint.unit, endpoint.format, endpoint.secret) == (cast.unit_b, "wecom", "abc")
    client.post(f"/manage/webhooks/{endpoint.pk}/", {"url": data["url"], "format": "json"})
    endpoint.refresh_from_db()
    assert (endpoint.format, endpoint.secret, endpoint.is_active) == ("json", "abc", False)


def test_it_is_for_office_admins_only(cast, endpoint, web):
    assert web(cast.admin_a).get("/manage/webhooks/").status_code == 403
    assert web(cast.admin_a).get(f"/manage/webhooks/{endpoint.pk}/").status_code == 403
