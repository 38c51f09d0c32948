"""Scope (SPEC §1): the one place that turns a user into what they may see.

A membership's scope is its unit and every unit below it. A user sees a problem when some
scope holds its lead unit, one of its cooperating units, or the unit of one of its measures.
Everything visible — lists, details, nested resources, downloads, exports, statistics, form
choices — is filtered through `scope_units` or `visible_problems`.
"""

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Exists, OuterRef, Q, QuerySet

from issues.models import OFFICE_ROLES, Campaign, Measure, Membership, Problem, Role, Unit


@dataclass(frozen=True)
class Grant:
    unit_id: int
    path: str
    role: str


class Access:
    """A user's memberships, read once per request (cached on the user object)."""

    def __init__(self, user):
        self.user = user
        self.is_superuser = bool(user is not None and user.is_superuser)
        if user is None or not user.is_authenticated:
            self.grants: tuple[Grant, ...] = ()
        else:
            self.grants = tuple(
                Grant(unit_id, path, role)
                for unit_id, path, role in Membership.objects.filter(user=user).values_list(
                    "unit_id", "unit__path", "role"
                )
            )

    @property
    def sees_everything(self) -> bool:
        return self.is_superuser

    def has_role_over(self, roles, unit) -> bool:
        """Some membership with one of `roles` whose scope holds `unit`."""
        return self.is_superuser or any(
            g.role in roles and unit.path.startswith(g.path) for g in self.grants
        )

    def has_role_at(self, roles, unit) -> bool:
        """Some membership with one of `roles` at exactly `unit`."""
        return self.is_superuser or any(
            g.role in roles and g.unit_id == unit.pk for g in self.grants
        )

    def is_office(self, unit=None) -> bool:
        if unit is None:
            return self.is_superuser or any(g.role in OFFICE_ROLES for g in self.grants)
        return self.has_role_over(OFFICE_ROLES, unit)

    def unit_ids_with_role(self, roles) -> set[int]:
        return {g.unit_id for g in self.grants if g.role in roles}


def access_for(user) -> Access:
    if user is None:
        return Access(None)
    cached = getattr(user, "_tracker_access", None)
    if cached is None:
        cached = Access(user)
        user._tracker_access = cached
    return cached


def scope_units(user) -> QuerySet[Unit]:
    """The units the user may see, as a queryset usable as a SQL subquery."""
    access = access_for(user)
    if access.sees_everything:
        return Unit.objects.all()
    paths = {g.path for g in access.grants}
    if not paths:
        return Unit.objects.none()
    # Nested paths are redundant: "/1/" already covers "/1/4/".
    roots = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
    return Unit.objects.filter(reduce(or_, (Q(path__startswith=p) for p in sorted(roots))))


def scope_units_for_roles(user, roles) -> QuerySet[Unit]:
    """Units under memberships holding one of `roles` (e.g. where an office admin may grant)."""
    access = access_for(user)
    if access.sees_everything:
        return Unit.objects.all()
    paths = sorted({g.path for g in access.grants if g.role in roles})
    if not paths:
        return Unit.objects.none()
    return Unit.objects.filter(reduce(or_, (Q(path__startswith=p) for p in paths)))


def visible_problems(user, queryset: QuerySet[Problem] | None = None) -> QuerySet[Problem]:
    qs = Problem.objects.all() if queryset is None else queryset
    access = access_for(user)
    if access.sees_everything:
        return qs
    units = scope_units(user).values("pk")
    cooperating = Problem.cooperating_units.through.objects.filter(
        problem_id=OuterRef("pk"), unit_id__in=units
    )
    measured = Measure.objects.filter(problem_id=OuterRef("pk"), unit_id__in=units)
    return qs.filter(Q(lead_unit_id__in=units) | Exists(cooperating) | Exists(measured))


def visible_users(user):
    """Users sharing a unit in the caller's scope (for lists and form choices)."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    access = access_for(user)
    if access.sees_everything:
        return User.objects.all()
    units = scope_units(user).values("pk")
    return User.objects.filter(
        Q(pk=user.pk) | Exists(Membership.objects.filter(user_id=OuterRef("pk"), unit_id__in=units))
    )


def visible_memberships(user) -> QuerySet[Membership]:
    """Memberships held in a unit of the user's scope."""
    return Membership.objects.filter(unit_id__in=scope_units(user).values("pk"))


def visible_campaigns(user) -> QuerySet[Campaign]:
    """Campaigns led by a unit in the user's scope."""
    if access_for(user).sees_everything:
        return Campaign.objects.all()
    return Campaign.objects.filter(lead_unit_id__in=scope_units(user).values("pk"))


__all__ = [
    "Access",
    "Role",
    "access_for",
    "scope_units",
    "scope_units_for_roles",
    "visible_campaigns",
    "visible_memberships",
    "visible_problems",
    "visible_users",
]
