"""Scope (SPEC §1): the one place that turns a user into what they may see.

A membership's scope is its unit and every unit below it. A user sees a problem when some
scope holds its lead unit, one of its cooperating units, or the unit of one of its measures.
Everything visible — lists, details, nested resources, downloads, exports, statistics, form
choices — is filtered through `scope_units` or `visible_problems`.
"""

import functools
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

from issues.models import (
    OFFICE_ROLES,
    Campaign,
    Measure,
    Membership,
    Problem,
    ProblemReach,
    Role,
    Unit,
)


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
        self.root_units = 0  # how many root units the installation has (see covers_every_unit)
        if user is None or not user.is_authenticated:
            self.grants: tuple[Grant, ...] = ()
        else:
            with connection.cursor() as cursor:
                cursor.execute(_grants_sql(), [user.pk])
                rows = cursor.fetchall()
            self.grants = tuple(Grant(unit_id, path, role) for unit_id, path, role, _ in rows)
            if rows:
                self.root_units = rows[0][3]

    @property
    def sees_everything(self) -> bool:
        return self.is_superuser

    @property
    def covers_every_unit(self) -> bool:
        """Superuser, or a membership at every root unit (the county's office, typically):
        every problem is in scope, so lists and counts need no scope filter at all."""
        if self.is_superuser:
            return True
        roots = {g.path for g in self.grants if g.path.count("/") == 2}  # "/<id>/"
        return bool(roots) and len(roots) == self.root_units

    @property
    def is_root_office_admin(self) -> bool:
        """Superuser, or an office admin at a root unit (the county's own office, not a
        township's): who writes installation-wide rules (categories, the calendar, batches
        owned by no office, checkpoints)."""
        return self.is_superuser or any(
            g.role == Role.OFFICE_ADMIN and g.path.count("/") == 2 for g in self.grants
        )

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


@functools.cache
def _grants_sql() -> str:
    """A user's memberships (unit id, unit path, role), each with how many root units the
    installation has (read with them, no query of its own), for the user id parameter.

    Written as SQL once: building and compiling the same query with the ORM (a filter, a join,
    a subquery) cost ~1 ms of Python on every request that reads a scope (bench/README.md),
    about as much as PostgreSQL took to run it."""
    memberships, units = Membership._meta.db_table, Unit._meta.db_table
    parent = Unit._meta.get_field("parent").column
    return (  # table and column names only; the user id is a parameter
        f"SELECT m.unit_id, u.path, m.role, "  # noqa: S608
        f"(SELECT COUNT(*) FROM {units} WHERE {parent} IS NULL) "
        f"FROM {memberships} m JOIN {units} u ON u.id = m.unit_id "
        "WHERE m.user_id = %s ORDER BY m.id"
    )


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
    if access.covers_every_unit:
        return Unit.objects.all()
    roots = _scope_roots(access)
    if not roots:
        return Unit.objects.none()
    return Unit.objects.filter(reduce(or_, (Q(path__startswith=p) for p in roots)))


def _scope_roots(access: Access) -> list[str]:
    """The paths of the user's scopes, nested ones left out ("/1/" already covers "/1/4/")."""
    paths = {g.path for g in access.grants}
    return sorted(p for p in paths if not any(p != q and p.startswith(q) for q in paths))


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
    """Problems whose lead unit, a cooperating unit or a measure's unit is in scope.

    As `id IN (…)` of indexed lookups rather than an OR of EXISTS: the OR made PostgreSQL test
    every row of the table (73 ms to count 1 760 visible problems out of 100 000; 10 ms as a
    union of the three sources, bench/bench_list.py). On PostgreSQL the set is read from
    issues_problemreach, which triggers keep equal to that union (issues.models.ProblemReach):
    one index-only scan instead of three lookups and a de-duplication, 14 -> 3.5 ms for a
    township at 1 000 000 problems. A scope that holds every unit needs no filter at all."""
    qs = Problem.objects.all() if queryset is None else queryset
    access = access_for(user)
    if access.covers_every_unit:
        return qs
    prefixes = _scope_prefixes(access)
    if not prefixes:
        return qs.none()
    if connection.vendor == "postgresql":
        return qs.filter(pk__in=RawSQL(_reached_ids_sql(len(prefixes)), prefixes))  # noqa: S611
    return qs.filter(pk__in=RawSQL(_visible_ids_sql(len(prefixes)), prefixes * 3))  # noqa: S611


def _scope_prefixes(access: Access) -> list[str]:
    """The scopes' LIKE patterns ("/1/27/%"): unit paths are made of ids and slashes only
    (issues.models.Unit), so a path is its own prefix; every saved unit has one."""
    return [f"{path}%" for path in _scope_roots(access)]


def _units_sql(roots: int) -> str:
    """The ids of the units under `roots` LIKE patterns, each a parameter."""
    units = " OR ".join(["path LIKE %s"] * roots)
    return f"SELECT id FROM {Unit._meta.db_table} WHERE {units}"  # noqa: S608


@functools.cache
def _visible_ids_sql(roots: int) -> str:
    """The ids of the problems led by, cooperated on or with a measure in a unit under one of
    `roots` path prefixes (each passed as a LIKE pattern parameter, three times over; no
    value is ever written into the text).

    Written as SQL once per number of scopes: the same union built with the ORM — three
    subqueries, each over the scope's units — cost ~4 ms of Python per request to build and
    compile again (the problem list of a township's unit admin, bench/README.md), several
    times what PostgreSQL takes to run it."""
    unit_ids = _units_sql(roots)
    cooperating = Problem.cooperating_units.through._meta.db_table
    branches = [  # table names only
        f"SELECT id FROM {Problem._meta.db_table} WHERE lead_unit_id IN ({unit_ids})",  # noqa: S608
        f"SELECT problem_id FROM {cooperating} WHERE unit_id IN ({unit_ids})",  # noqa: S608
        f"SELECT problem_id FROM {Measure._meta.db_table} WHERE unit_id IN ({unit_ids})",  # noqa: S608
    ]
    return " UNION ALL ".join(branches)


@functools.cache
def _reached_ids_sql(roots: int) -> str:
    """The same ids from issues_problemreach (PostgreSQL, where triggers keep it): the
    problems with a row for a unit under one of `roots` path prefixes (parameters).

    Distinct and in id order: PostgreSQL then reads the problems they select in the order of
    their primary key (about the table's physical order) rather than a hash's, ~10 % less
    for a filter that tests each of a township's problems (bench/README.md)."""
    reach = ProblemReach._meta.db_table
    units = _units_sql(roots)
    return f"SELECT DISTINCT problem_id FROM {reach} WHERE unit_id IN ({units}) ORDER BY 1"  # noqa: S608


def visible_page(user, offset: int, limit: int) -> list[tuple[int, int]]:
    """[(id, count of the whole list), …] of one page of every problem `user` sees, newest
    first (the list's default order: created_at, then id, descending) — PostgreSQL, a user
    whose scope does not hold every unit (those need no scope filter at all).

    The same set as `visible_problems`, read from issues_problemreach (issues.models.
    ProblemReach: one row per problem and unit that sees it, kept by triggers) with an
    index-only scan of the scope's units. From the three sources it took an EXCEPT over
    every cooperating and measure row of the scope and a primary-key probe for each problem
    led from outside it: 15 ms for a township at 1 000 000 problems, 4 ms this way
    (bench/README.md)."""
    prefixes = _scope_prefixes(access_for(user))
    if not prefixes:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_visible_page_sql(len(prefixes)), [*prefixes, limit, offset])
        return cursor.fetchall()


@functools.cache
def _visible_page_sql(roots: int) -> str:
    reach = ProblemReach._meta.db_table
    parts = [  # the table names only; the path prefixes, limit and offset are parameters
        f"WITH units AS ({_units_sql(roots)}),",
        "visible AS (",
        f" SELECT DISTINCT problem_id, created_at FROM {reach}",  # noqa: S608
        " WHERE unit_id IN (SELECT id FROM units))",
        "SELECT problem_id, COUNT(*) OVER () FROM visible",
        "ORDER BY created_at DESC, problem_id DESC LIMIT %s OFFSET %s",
    ]
    return "\n".join(parts)


def visible_problem_q(user, problem: str) -> Q:
    """The same rule as `visible_problems`, row by row, for the problem at `problem` (a path
    from the queried model, e.g. "request__problem"): its lead unit's path, or an EXISTS over
    its cooperating units and its measures. For a short walk in an index's order that stops
    at a LIMIT (a user's latest decisions); counts and whole lists use `visible_problems`,
    which builds the scope's set once."""
    access = access_for(user)
    if access.covers_every_unit:
        return Q()
    roots = _scope_roots(access)
    if not roots:
        return Q(pk__in=[])

    def in_scope(unit: str) -> Q:
        return reduce(or_, (Q(**{f"{unit}__path__startswith": p}) for p in roots))

    Cooperating = Problem.cooperating_units.through
    outer = OuterRef(f"{problem}_id")
    return (
        in_scope(f"{problem}__lead_unit")
        | Exists(Cooperating.objects.filter(in_scope("unit"), problem_id=outer))
        | Exists(Measure.objects.filter(in_scope("unit"), problem_id=outer))
    )


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
