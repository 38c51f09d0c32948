from issues.selectors.scope import scope_units

from .models import Notification, WebhookDelivery, WebhookEndpoint


def notifications_for(user, *, unread: bool | None = None):
    qs = Notification.objects.filter(recipient=user)
    if unread is True:
        qs = qs.filter(read_at=None)
    elif unread is False:
        qs = qs.exclude(read_at=None)
    return qs.order_by("-created_at", "-id")


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at=None).count()


def visible_webhooks(user):
    return WebhookEndpoint.objects.filter(unit__in=scope_units(user).values("pk")).select_related(
        "unit"
    )


def webhook_deliveries(user, endpoint_id: int):
    return WebhookDelivery.objects.filter(
        endpoint_id=endpoint_id, endpoint__in=visible_webhooks(user).values("pk")
    ).order_by("-created_at", "-id")
