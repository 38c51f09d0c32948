"""The page chrome: navigation by role and the user's units. (The unread badge and the
unread notifications come from notifications.context_processors.)

Everything is lazy: a page that never renders the chrome (the login page, a file download)
runs none of these queries, and a page that does runs each once.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from issues.models import OFFICE_ROLES, Membership, Role
from issues.selectors.scope import access_for

REVIEW_ROLES = {Role.UNIT_HEAD, Role.LEADER, *OFFICE_ROLES}
# Every role reads the dashboard of its own scope; unit admins and staff included (issue 16).
DASHBOARD_ROLES = {
    Role.LEADER,
    Role.VIEWER,
    Role.UNIT_HEAD,
    Role.UNIT_ADMIN,
    Role.UNIT_STAFF,
    *OFFICE_ROLES,
}
DASHBOARD_PATH = "/dashboard/"
# 进展报送: the offices that chase and the units' liaisons and heads who report (SPEC §12).
REPORT_ROLES = {Role.UNIT_ADMIN, Role.UNIT_HEAD, Role.LEADER, *OFFICE_ROLES}


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url: str


def _exists(path: str) -> bool:
    """Whether some app serves `path` (the dashboard may not be built yet)."""
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def _nav(user, current_path: str) -> list[NavItem]:
    access = access_for(user)
    roles = {g.role for g in access.grants}
    items = [
        NavItem("home", _("待办"), reverse("web:home")),
        NavItem("problems", _("问题台账"), reverse("web:problems")),
    ]
    if access.is_superuser or roles & REVIEW_ROLES:
        items.append(NavItem("reviews", _("审核"), reverse("web:reviews")))
    if access.is_superuser or roles & REPORT_ROLES:
        items.append(NavItem("reports", _("报送"), reverse("web:reports")))
    if (access.is_superuser or roles & DASHBOARD_ROLES) and _exists(DASHBOARD_PATH):
        items.append(NavItem("dashboard", _("驾驶舱"), DASHBOARD_PATH))
    if access.is_superuser or Role.OFFICE_ADMIN in roles:
        items.append(NavItem("manage", _("管理"), reverse("web:manage")))
    if user.is_staff:
        try:
            items.append(NavItem("admin", _("系统管理"), reverse("admin:index")))
        except NoReverseMatch:
            pass
    return items


def _current(items, path: str) -> str:
    best = ""
    for item in items:
        prefix = item.url
        if (path == prefix or (prefix != "/" and path.startswith(prefix))) and len(prefix) > len(
            best
        ):
            best = prefix
    return next((i.key for i in items if i.url == best), "")


def _memberships(user):
    rows = Membership.objects.filter(user=user).select_related("unit").order_by("unit__sort", "pk")
    return [{"unit": m.unit.short_name or m.unit.name, "role": m.get_role_display()} for m in rows]


def chrome(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    nav = SimpleLazyObject(lambda: _nav(user, request.path))
    return {
        "nav_items": nav,
        "nav_current": SimpleLazyObject(lambda: _current(nav, request.path)),
        "my_memberships": SimpleLazyObject(lambda: _memberships(user)),
    }
