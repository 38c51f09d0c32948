"""Administration of the unit tree, users and their roles (memberships).

Writes call issues.services.org (unit_create, unit_update, user_create, membership_grant,
membership_revoke) — the services the API calls — and show their errors in place.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from issues.exceptions import DomainError
from issues.models import Membership, Unit
from issues.selectors.scope import scope_units, visible_memberships, visible_users
from issues.services import org
from issues.views.common import safe_next
from issues.views.form_post import post_form
from issues.views.manage_common import (
    indented_units,
    manage_context,
    managed_units,
    office_admin_required,
)
from issues.views.manage_forms import GrantForm, UnitForm, UserCreateForm

PAGE_SIZE = 50


def _render(request, template, active, status=200, **context):
    return render(request, template, manage_context(active, **context), status=status)


# --- units -------------------------------------------------------------------------------------


def _unit_url(unit) -> str:
    return reverse("web:manage-units") + f"#unit-{unit.pk}"


def _user_url(person) -> str:
    return reverse("web:manage-user", args=[person.pk])


def _tree(units: list[Unit]) -> list[Unit]:
    """Units in tree order (siblings by sort, then id), each with `depth` set."""
    by_parent: dict = {}
    ids = {u.pk for u in units}
    for unit in units:
        parent = unit.parent_id if unit.parent_id in ids else None
        by_parent.setdefault(parent, []).append(unit)
    ordered = []

    def walk(parent, depth):
        for unit in sorted(by_parent.get(parent, []), key=lambda u: (u.sort, u.pk)):
            unit.depth = depth
            unit.has_children = bool(by_parent.get(unit.pk))
            ordered.append(unit)
            walk(unit.pk, depth + 1)

    walk(None, 0)
    return ordered


@require_http_methods(["GET"])
@office_admin_required
def unit_index(request):
    units = list(managed_units(request.user).annotate(members=Count("memberships")))
    for unit in units:
        unit.report_url = reverse("print-unit-report", args=[unit.pk])
    return _render(request, "issues/manage/units.html", "units", units=_tree(units))


@require_http_methods(["GET", "POST"])
@office_admin_required
def unit_add(request):
    user = request.user
    initial = {"kind": "gov_dept", "sort": 0}
    parent_id = request.GET.get("parent", "")
    if parent_id.isdigit():
        initial["parent"] = int(parent_id)
    form = UnitForm(request.POST or None, user=user, initial=initial)
    posted = post_form(
        request,
        form,
        lambda: org.unit_create(actor=user, **form.cleaned_data),
        success=lambda unit: _("已新增单位：%(name)s") % {"name": unit.name},
        then=_unit_url,
    )
    if posted.response:
        return posted.response
    return _render(
        request,
        "issues/manage/unit_form.html",
        "units",
        status=posted.status,
        form=form,
        page_error=posted.page_error,
        unit=None,
    )


@require_http_methods(["GET", "POST"])
@office_admin_required
def unit_edit(request, pk):
    user = request.user
    unit = get_object_or_404(managed_units(user).select_related("parent"), pk=pk)
    initial = {
        "name": unit.name,
        "short_name": unit.short_name,
        "code": unit.code,
        "kind": unit.kind,
        "parent": unit.parent_id,
        "sort": unit.sort,
        "is_active": unit.is_active,
    }
    form = UnitForm(request.POST or None, user=user, unit=unit, initial=initial)

    def save():
        changed = {name: form.cleaned_data[name] for name in form.changed_data}
        return org.unit_update(actor=user, unit_id=unit.pk, **changed)

    posted = post_form(
        request,
        form,
        save,
        success=lambda _saved: _("已保存单位：%(name)s") % {"name": form.cleaned_data["name"]},
        then=_unit_url(unit),
    )
    if posted.response:
        return posted.response
    members = (
        Membership.objects.filter(unit=unit)
        .select_related("user")
        .order_by("role", "user__first_name", "user__username")
    )
    return _render(
        request,
        "issues/manage/unit_form.html",
        "units",
        status=posted.status,
        form=form,
        page_error=posted.page_error,
        unit=unit,
        members=members,
    )


# --- users and memberships ---------------------------------------------------------------------


@require_http_methods(["GET"])
@office_admin_required
def user_index(request):
    user = request.user
    q = request.GET.get("q", "").strip()
    users = visible_users(user).filter(is_active=True).order_by("first_name", "username")
    if q:
        users = users.filter(
            Q(username__icontains=q) | Q(first_name__icontains=q) | Q(email__icontains=q)
        )
    unit_id = request.GET.get("unit", "")
    units = indented_units(user, scope_units(user))
    if unit_id.isdigit() and int(unit_id) in dict(units):
        path = Unit.objects.values_list("path", flat=True).get(pk=unit_id)
        users = users.filter(memberships__unit__path__startswith=path).distinct()
    memberships = visible_memberships(user).select_related("unit").order_by("unit__path", "role")
    page = Paginator(
        users.prefetch_related(Prefetch("memberships", queryset=memberships, to_attr="shown")),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return _render(
        request,
        "issues/manage/users.html",
        "users",
        page=page,
        q=q,
        units=units,
        unit_id=int(unit_id) if unit_id.isdigit() else None,
        query=urlencode({k: v for k, v in (("q", q), ("unit", unit_id)) if v}),
    )


@require_http_methods(["GET", "POST"])
@office_admin_required
def user_add(request):
    actor = request.user
    form = UserCreateForm(request.POST or None, user=actor)

    def create():
        data = form.cleaned_data
        with transaction.atomic():
            created = org.user_create(
                actor=actor,
                username=data["username"],
                password=data["password"],
                display_name=data["display_name"],
                email=data["email"],
            )
            org.membership_grant(actor=actor, user=created, unit=data["unit"], role=data["role"])
        return created

    posted = post_form(
        request,
        form,
        create,
        success=lambda created: _("已创建用户 %(name)s。") % {"name": org.display_name(created)},
        then=_user_url,
    )
    if posted.response:
        return posted.response
    return _render(
        request,
        "issues/manage/user_form.html",
        "users",
        status=posted.status,
        form=form,
        page_error=posted.page_error,
    )


@require_http_methods(["GET", "POST"])
@office_admin_required
def user_detail(request, pk):
    actor = request.user
    person = get_object_or_404(visible_users(actor), pk=pk)
    form = GrantForm(request.POST or None, user=actor)
    posted = post_form(
        request,
        form,
        lambda: org.membership_grant(actor=actor, user=person, **form.cleaned_data),
        success=_("已授予角色。"),
        then=_user_url(person),
    )
    if posted.response:
        return posted.response
    managed = set(managed_units(actor).values_list("pk", flat=True))
    memberships = list(
        visible_memberships(actor).filter(user=person).select_related("unit").order_by("unit__path")
    )
    for m in memberships:
        m.revocable = m.unit_id in managed
    return _render(
        request,
        "issues/manage/user_detail.html",
        "users",
        status=posted.status,
        person=person,
        memberships=memberships,
        form=form,
        page_error=posted.page_error,
    )


@require_POST
@office_admin_required
def membership_revoke(request, pk):
    actor = request.user
    membership = get_object_or_404(visible_memberships(actor).select_related("unit", "user"), pk=pk)
    person = membership.user
    try:
        org.membership_revoke(actor=actor, membership=membership)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            _("已撤销 %(name)s 在 %(unit)s 的“%(role)s”角色。")
            % {
                "name": org.display_name(person),
                "unit": membership.unit.name,
                "role": membership.get_role_display(),
            },
        )
    return redirect(safe_next(request, reverse("web:manage-user", args=[person.pk])))
