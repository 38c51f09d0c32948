"""Shared parts of the administration pages (/manage/…) for office admins.

Django admin stays for superusers; these pages are the office's: units, users and their roles,
batches, campaigns (and the units' webhooks, served by notifications/). Someone who is an
office admin nowhere gets 403 for the whole section; an object outside the admin's scope is
a 404, as everywhere else. Every write goes through the same service as the API's.
"""

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from issues.models import Role
from issues.selectors.scope import scope_units_for_roles
from issues.services.org import is_any_office_admin
from issues.views.choices import indented

WEBHOOKS = "notifications:webhooks"  # served by notifications/ when installed


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    url: str


def _reversed(name: str) -> str:
    """The URL of `name`, or "" when no installed app serves it."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def manage_tabs() -> list[Tab]:
    tabs = [
        Tab("units", pgettext_lazy("列表", "单位"), reverse("web:manage-units")),
        Tab("users", _("用户与任职"), reverse("web:manage-users")),
        Tab("batches", pgettext_lazy("列表", "整改批次"), reverse("web:manage-batches")),
        Tab("campaigns", pgettext_lazy("列表", "专项整治"), reverse("web:manage-campaigns")),
        Tab("categories", _("问题类别"), reverse("web:manage-categories")),
        Tab("calendar", _("工作日历"), reverse("web:manage-calendar")),
    ]
    webhooks = _reversed(WEBHOOKS)
    if webhooks:
        tabs.append(Tab("webhooks", _("消息推送"), webhooks))
    return tabs


def office_admin_required(view):
    """Signed in, and an office admin somewhere (or a superuser); otherwise 403."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_any_office_admin(request.user):
            raise PermissionDenied(_("只有整改办管理员可以使用管理功能。"))
        return view(request, *args, **kwargs)

    return wrapped


def managed_units(user):
    """The units this office admin administers: the scopes of their office_admin roles."""
    return scope_units_for_roles(user, {Role.OFFICE_ADMIN})


def indented_units(user, queryset=None) -> list[tuple[int, str]]:
    """(id, name indented by depth) in tree order, for a <select>."""
    return indented(managed_units(user) if queryset is None else queryset)


def manage_context(active: str, **extra) -> dict:
    return {"tabs": manage_tabs(), "active_tab": active, **extra}
