"""Writes behind the notification API: read marks, e-mail opt-outs, unit webhooks."""

import urllib.parse

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from issues.bounds import validate_line
from issues.exceptions import ActionForbidden, InvalidInput, NotFound
from issues.models import Role
from issues.selectors.scope import access_for

from .kinds import EMAIL_KINDS
from .models import EmailOptOut, Notification, WebhookEndpoint
from .webhook_http import url_problem


def notification_mark_read(*, user, notification_id: int) -> Notification:
    notification = Notification.objects.filter(pk=notification_id, recipient=user).first()
    if notification is None:
        raise NotFound("通知不存在。")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at=None).update(read_at=timezone.now())


@transaction.atomic
def email_opt_outs_set(*, user, kinds) -> list[str]:
    unknown = sorted(set(kinds) - set(EMAIL_KINDS))
    if unknown:
        raise InvalidInput(
            "未知的通知类型。", {"email_opt_out": [f"未知类型：{k}" for k in unknown]}
        )
    EmailOptOut.objects.filter(user=user).exclude(kind__in=kinds).delete()
    EmailOptOut.objects.bulk_create(
        [EmailOptOut(user=user, kind=kind) for kind in kinds], ignore_conflicts=True
    )
    return sorted(kinds)


def may_manage_webhooks(actor, unit) -> bool:
    access = access_for(actor)
    return access.has_role_over({Role.OFFICE_ADMIN}, unit) or access.has_role_at(
        {Role.UNIT_ADMIN}, unit
    )


def _check_url(url: str) -> None:
    _check_line("url", url)
    problem = url_problem(url)
    if problem:
        raise InvalidInput(problem, {"url": [problem]})


def _check_line(name: str, value: str) -> None:
    """A URL's path and a signing secret go into HTTP requests and headers: no control
    characters (URLValidator refuses them only in the host)."""
    try:
        validate_line(value)
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0], {name: list(exc.messages)}) from exc


def webhook_create(
    *, actor, unit, url: str, secret: str, format: str = "json", is_active: bool = True
) -> WebhookEndpoint:
    if not may_manage_webhooks(actor, unit):
        raise ActionForbidden("只有整改办管理员或本单位联络员可以配置 Webhook。")
    _check_url(url)
    _check_line("secret", secret)
    return WebhookEndpoint.objects.create(
        unit=unit, url=url, secret=secret, format=format, is_active=is_active
    )


WEBHOOK_EDITABLE = frozenset({"url", "secret", "format", "is_active"})


def webhook_update(*, actor, endpoint: WebhookEndpoint, **fields) -> WebhookEndpoint:
    """The same checks as on create; the unit of an endpoint does not change."""
    if not may_manage_webhooks(actor, endpoint.unit):
        raise ActionForbidden("只有整改办管理员或本单位联络员可以配置 Webhook。")
    unit = fields.pop("unit", endpoint.unit)
    if unit != endpoint.unit:
        raise InvalidInput("不能把推送地址移到其他单位。", {"unit": ["不能修改单位。"]})
    unknown = set(fields) - WEBHOOK_EDITABLE
    if unknown:
        raise InvalidInput("不能修改这些字段。", {name: ["不能修改。"] for name in sorted(unknown)})
    if "url" in fields:
        _check_url(fields["url"])
    if "secret" in fields:
        _check_line("secret", fields["secret"])
    for name, value in fields.items():
        setattr(endpoint, name, value)
    endpoint.save()
    return endpoint


def mask_url(url: str) -> str:
    """The URL with its query values hidden (robot access tokens live there)."""
    parts = urllib.parse.urlsplit(url)
    if not parts.query:
        return url
    names = [name for name, _ in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)]
    query = "&".join(f"{name}=***" for name in names) or "***"
    return urllib.parse.urlunsplit(parts._replace(query=query))
