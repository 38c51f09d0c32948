"""The notification pages: the user's notifications (通知: list, open — marks read and goes to
the problem — mark read) and, for office admins, the units' webhooks with their deliveries.

They live here, not under issues/, because the arrow points notifications/ → issues/: reads
and writes go through notifications.selectors and notifications.services (as the API's do);
from issues/ they take the scope selector and the administration pages' frame.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from issues.exceptions import NotFound
from issues.selectors.scope import visible_problems
from issues.views.form_post import post_form
from issues.views.manage_common import manage_context, office_admin_required
from issues.views.manage_forms import IndentedUnitField

from .models import DeliveryState, WebhookDelivery, WebhookFormat
from .selectors import notifications_for, unread_count, visible_webhooks, webhook_deliveries
from .services import (
    notification_mark_read,
    notifications_mark_all_read,
    webhook_create,
    webhook_update,
)

PAGE_SIZE = 50
DELIVERIES_SHOWN = 50


def _index_url():
    return reverse("notifications:index")


def _next(request) -> str:
    """A local URL from the `next` field, or the notifications page (never an open redirect)."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return _index_url()


@require_GET
@login_required
def notification_index(request):
    only_unread = request.GET.get("unread") == "true"
    qs = notifications_for(request.user, unread=True if only_unread else None)
    page = Paginator(qs.select_related("problem"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/index.html",
        {"page": page, "only_unread": only_unread, "unread": unread_count(request.user)},
    )


def _mark(user, pk):
    try:
        return notification_mark_read(user=user, notification_id=pk)
    except NotFound as exc:
        raise Http404(exc.detail) from exc


@require_GET
@login_required
def notification_open(request, pk):
    """One click from the notification to the work: mark it read, go to its problem."""
    notification = _mark(request.user, pk)
    problem_id = notification.problem_id
    if problem_id and visible_problems(request.user).filter(pk=problem_id).exists():
        return redirect(reverse("web:problem-detail", args=[problem_id]))
    return redirect(_index_url())


@require_POST
@login_required
def notification_read(request, pk):
    _mark(request.user, pk)
    return redirect(_next(request))


@require_POST
@login_required
def notification_read_all(request):
    count = notifications_mark_all_read(user=request.user)
    messages.success(request, _("已将 %(n)s 条通知标为已读。") % {"n": count})
    return redirect(_index_url())


# --- unit webhooks (/manage/webhooks/, for office admins) ------------------------------------


class WebhookForm(forms.Form):
    url = forms.URLField(
        label=_lazy("推送地址"),
        max_length=500,
        assume_scheme="https",
        help_text=_lazy("钉钉或企业微信群机器人的 Webhook 地址，或本单位系统的接收地址。"),
    )
    format = forms.ChoiceField(label=_lazy("消息格式"), choices=WebhookFormat.choices)
    secret = forms.CharField(
        label=_lazy("签名密钥"),
        max_length=100,
        widget=forms.PasswordInput(render_value=False),
        help_text=_lazy("用于 HMAC-SHA256 签名（请求头 X-Tracker-Signature）。"),
    )

    def __init__(self, *args, user, endpoint=None, **kwargs):
        super().__init__(*args, **kwargs)
        if endpoint is None:
            self.fields["unit"] = IndentedUnitField(
                user=user, label=_lazy("单位"), empty_label=_lazy("（请选择单位）")
            )
            self.order_fields(["unit", "url", "format", "secret"])
        else:
            self.fields["secret"].required = False
            self.fields["secret"].help_text = _lazy("不填则保持原密钥不变。")
            self.fields["is_active"] = forms.BooleanField(label=_lazy("启用"), required=False)


def _delivery_counts(endpoint_ids) -> dict:
    """{endpoint id: {state: n}} in one grouped query."""
    counts: dict = {}
    rows = (
        WebhookDelivery.objects.filter(endpoint_id__in=endpoint_ids)
        .order_by()
        .values("endpoint_id", "state")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts.setdefault(row["endpoint_id"], {})[row["state"]] = row["n"]
    return counts


@require_http_methods(["GET", "POST"])
@office_admin_required
def webhook_index(request):
    user = request.user
    form = WebhookForm(request.POST or None, user=user)
    posted = post_form(
        request,
        form,
        lambda: webhook_create(actor=user, **form.cleaned_data),
        success=lambda endpoint: _("已新增 %(unit)s 的推送地址。") % {"unit": endpoint.unit},
        then=lambda endpoint: reverse("notifications:webhook", args=[endpoint.pk]),
    )
    if posted.response:
        return posted.response
    endpoints = list(visible_webhooks(user).order_by("unit__path", "pk"))
    counts = _delivery_counts([e.pk for e in endpoints])
    last_failures = {}
    for d in WebhookDelivery.objects.filter(
        endpoint_id__in=[e.pk for e in endpoints], state=DeliveryState.FAILED
    ).order_by("endpoint_id", "-created_at", "-id"):
        last_failures.setdefault(d.endpoint_id, d)
    for e in endpoints:
        e.counts = counts.get(e.pk, {})
        e.last_failure = last_failures.get(e.pk)
    return render(
        request,
        "notifications/webhooks.html",
        manage_context(
            "webhooks",
            endpoints=endpoints,
            form=form,
            form_open=request.method == "POST",
            page_error=posted.page_error,
        ),
        status=posted.status,
    )


@require_http_methods(["GET", "POST"])
@office_admin_required
def webhook_detail(request, pk):
    user = request.user
    endpoint = get_object_or_404(visible_webhooks(user), pk=pk)
    initial = {"url": endpoint.url, "format": endpoint.format, "is_active": endpoint.is_active}
    form = WebhookForm(request.POST or None, user=user, endpoint=endpoint, initial=initial)

    def save():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "secret" or v}
        return webhook_update(actor=user, endpoint=endpoint, **fields)

    posted = post_form(
        request,
        form,
        save,
        success=_("已保存推送设置。"),
        then=reverse("notifications:webhook", args=[endpoint.pk]),
    )
    if posted.response:
        return posted.response
    deliveries = list(webhook_deliveries(user, endpoint.pk)[:DELIVERIES_SHOWN])
    return render(
        request,
        "notifications/webhook_detail.html",
        manage_context(
            "webhooks",
            endpoint=endpoint,
            form=form,
            page_error=posted.page_error,
            deliveries=deliveries,
            counts=_delivery_counts([endpoint.pk]).get(endpoint.pk, {}),
        ),
        status=posted.status,
    )
