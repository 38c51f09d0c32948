from issues.selectors.scope import scope_units

from .models import (
    DeliveryState,
    Escalation,
    EscalationState,
    Notification,
    Reminder,
    ReminderState,
    ScanFailure,
    WebhookDelivery,
    WebhookEndpoint,
)


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


def delivery_health() -> dict[str, int]:
    """What the reminder machinery could not do (shown to superusers in /healthz): problems the
    scan keeps failing on, escalations and reminders given up, webhook deliveries failed."""
    return {
        "scan_failures": ScanFailure.objects.count(),
        "escalations_failed": Escalation.objects.filter(state=EscalationState.FAILED).count(),
        "reminders_failed": Reminder.objects.filter(state=ReminderState.FAILED).count(),
        "webhooks_failed": WebhookDelivery.objects.filter(state=DeliveryState.FAILED).count(),
    }
