"""Build the demo county through the real services.

Units, users and memberships go through issues.services.org; every problem is created with
problem_create and walked to its state with perform_action, measure_update, measure_create,
evidence_upload and progress_report_create, acting as the person who would really do it.
So the ledger is a true history, and the demo breaks loudly if a service rule changes.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from issues.models import Batch, Campaign, Category, Problem, Unit
from issues.services.org import membership_grant, unit_create

from . import county as C
from .problems import PROBLEMS
from .walk import Walk

User = get_user_model()


def is_seeded() -> bool:
    return Unit.objects.filter(code=C.ROOT_CODE).exists()


def seed(today: dt.date | None = None) -> None:
    """Build the whole county in one transaction: all of it or nothing."""
    with transaction.atomic():
        County(today or timezone.localdate()).build()


def demo_problems():
    return Problem.objects.filter(
        batch__code_prefix__in=[b["code_prefix"] for b in C.BATCHES.values()]
    )


class County:
    def __init__(self, today: dt.date):
        self.today = today
        self.units: dict[str, Unit] = {}
        self.users: dict[str, object] = {}
        self.unit_key_by_pk: dict[int, str] = {}

    def day(self, offset: int | None) -> dt.date | None:
        return None if offset is None else self.today + dt.timedelta(days=offset)

    def user(self, username):
        return self.users[username]

    def trio(self, key):
        """(联络员, 主要负责人, 经办人) of a unit."""
        return tuple(self.users[name] for name in C.unit_usernames(self._unit_spec(key)))

    def staff_of(self, unit_pk):
        return self.users[f"{self.unit_key_by_pk[unit_pk]}_jbr"]

    @staticmethod
    def _unit_spec(key) -> C.DemoUnit:
        return next(u for u in C.UNITS if u.key == key)

    # --- organisation ------------------------------------------------------------------------

    def build(self):
        taken = User.objects.filter(username__in=C.all_usernames()).values_list(
            "username", flat=True
        )
        if taken:
            raise ValueError(f"演示用户名已被占用：{', '.join(sorted(taken))}")
        self._people_and_units()
        self._dictionaries()
        for number, spec in enumerate(PROBLEMS):
            Walk(self, spec, number).run()

    def _people_and_units(self):
        # One hash for the one demo password: hashing it 65 times would take most of the run.
        password = make_password(C.DEMO_PASSWORD)

        def new_user(username, display_name, superuser=False):
            user = User.objects.create(
                username=username,
                first_name=display_name,
                password=password,
                is_staff=superuser,
                is_superuser=superuser,
            )
            self.users[username] = user
            return user

        admin = new_user("admin", "系统管理员", superuser=True)
        name, short, kind = C.ROOT
        root = unit_create(actor=admin, name=name, short_name=short, kind=kind, code=C.ROOT_CODE)
        self.root = root
        name, short, kind = C.OFFICE
        unit_create(
            actor=admin, name=name, short_name=short, kind=kind, code="QHX-ZGB", parent=root
        )
        for username, display_name, role, _ in C.COUNTY_PEOPLE[1:]:
            user = new_user(username, display_name)
            membership_grant(actor=admin, user=user, unit=root, role=role)
        for sort, spec in enumerate(C.UNITS, 1):
            unit = unit_create(
                actor=admin,
                name=spec.name,
                short_name=spec.short_name,
                kind=spec.kind,
                code=f"{C.ROOT_CODE}-{spec.key.upper()}",
                parent=root,
                sort=sort,
            )
            self.units[spec.key] = unit
            self.unit_key_by_pk[unit.pk] = spec.key
            for username, display_name, (_, role) in zip(
                C.unit_usernames(spec), spec.people, C.UNIT_ROLES, strict=True
            ):
                user = new_user(username, display_name)
                membership_grant(actor=admin, user=user, unit=unit, role=role)

    def _dictionaries(self):
        self.categories = {}
        for sort, name in enumerate(C.THEME_CATEGORIES + C.INSPECTION_CATEGORIES, 1):
            self.categories[name], _ = Category.objects.get_or_create(
                name=name, defaults={"sort": sort}
            )
        self.batches = {}
        for key, spec in C.BATCHES.items():
            fields = dict(spec)
            fields["received_date"] = self.day(fields.pop("received"))
            fields["default_due_date"] = self.day(fields.pop("default_due"))
            self.batches[key] = Batch.objects.create(owner_unit=self.root, **fields)
        self.campaigns = {}
        for key, spec in C.CAMPAIGNS.items():
            self.campaigns[key] = Campaign.objects.create(
                name=spec["name"],
                lead_unit=self.units[spec["lead_unit"]],
                leader=self.user("xianzhang"),
                start_date=self.day(spec["start"]),
                end_date=self.day(spec["end"]),
                goal=spec["goal"],
                owner_unit=self.root,  # issued by the county office
            )
