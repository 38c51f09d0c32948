"""Build the demo county through the real services.

Units, users and memberships go through issues.services.org; every problem is created with
problem_create and walked to its state with perform_action, measure_update, measure_create,
evidence_upload and progress_report_create, acting as the person who would really do it.
So the ledger is a true history, and the demo breaks loudly if a service rule changes.

The history spans the past half year: 巡察 findings arrive in early summer, the audit's in
August, the 主题教育 self-examination in September, and each step is taken on its own day under
a frozen clock (devdata.demo.clock), in time order across all problems.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from issues.models import Batch, Campaign, Category, Problem, Unit
from issues.services.org import membership_grant, unit_create
from issues.services.reporting import report_periods_open
from issues.services.schedule import problem_reschedule
from notifications.services import notifications_mark_all_read

from . import county as C
from .clock import History, moment
from .problems import PROBLEMS
from .reporting import unit_reports
from .walk import Walk

User = get_user_model()


def is_seeded() -> bool:
    return Unit.objects.filter(code=C.ROOT_CODE).exists()


def seed() -> None:
    """Build the county on a fresh database. Each step commits at its own moment, as each
    action does in the running system, so what follows a commit (the notifications of
    notifications/events.py) happens then too."""
    County(timezone.now()).build()


def demo_problems():
    return Problem.objects.filter(
        batch__code_prefix__in=[b["code_prefix"] for b in C.BATCHES.values()]
    )


class County:
    def __init__(self, now: dt.datetime):
        self.now = now
        self.today = timezone.localdate(now)
        self.batches: dict[str, Batch] = {}
        self.units: dict[str, Unit] = {}
        self.users: dict[str, object] = {}
        self.unit_key_by_pk: dict[int, str] = {}

    def day(self, offset: int | None) -> dt.date | None:
        return None if offset is None else self.today + dt.timedelta(days=offset)

    def moment(self, offset: int, slot: int = 0) -> dt.datetime:
        return moment(self.today + dt.timedelta(days=offset), slot)

    @staticmethod
    def now_date() -> dt.date:
        """The clock's date while the history plays."""
        return timezone.localdate()

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
        history = History(self.now)
        history.add(self._founding())
        for key in C.BATCHES:
            history.add(self._receive(key))
        walks = [Walk(self, spec, number) for number, spec in enumerate(PROBLEMS)]
        for walk in walks:
            history.add(walk.run())
            history.add(walk.episodes())
        for key, spec in C.BATCHES.items():
            if spec.get("report_cycle", "none") != "none":
                history.add(self._periods(key))
                for unit_key in sorted({p.unit for p in PROBLEMS if p.batch == key}):
                    history.add(unit_reports(self, key, unit_key))
        for number, username in enumerate(C.all_usernames()):
            history.add(self._reading(number, username))
        history.run()
        # Back to the present: the reminder dates and this month's reporting tasks as of today.
        with transaction.atomic():
            report_periods_open()
            for problem in demo_problems():
                problem_reschedule(problem)

    def _reading(self, number: int, username: str):
        """Everyone has read their notifications up to the last week or two."""
        yield self.moment(-14 + number % 10, number)
        notifications_mark_all_read(user=self.user(username))

    def _founding(self):
        """The county, its people and dictionaries, before the first batch arrives."""
        yield self.moment(min(b["received"] for b in C.BATCHES.values()) - 10)
        self._people_and_units()
        self._dictionaries()

    def _receive(self, key):
        """A batch is registered the day its feedback document arrives."""
        fields = dict(C.BATCHES[key])
        received = fields.pop("received")
        yield self.moment(received)
        fields["received_date"] = self.day(received)
        fields["default_due_date"] = self.day(fields.pop("default_due"))
        self.batches[key] = Batch.objects.create(owner_unit=self.root, **fields)

    def _periods(self, key):
        """What the reminder loop does on the first of every month: open the period (from
        the first full month after the batch arrived)."""
        first = (self.day(C.BATCHES[key]["received"]) + dt.timedelta(days=31)).replace(day=1)
        while first <= self.today:
            yield moment(first, 0)
            report_periods_open(batch_ids=[self.batches[key].pk])
            first = (first + dt.timedelta(days=32)).replace(day=1)

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
