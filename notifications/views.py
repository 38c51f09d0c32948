"""The user's notifications (通知): list, open (marks read, goes to the problem), mark read.

These pages live here, not under issues/, because the arrow points notifications/ → issues/:
reads and writes go through notifications.selectors and notifications.services (as the API's
do), and the only thing taken from issues/ is the scope selector and the problem page's URL.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from issues.exceptions import NotFound
from issues.selectors.scope import visible_problems

from .selectors import notifications_for, unread_count
from .services import notification_mark_read, notifications_mark_all_read

PAGE_SIZE = 50


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
