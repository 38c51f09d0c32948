"""seed_demo: a believable county through the real workflow, half a year into its
rectification, idempotent, every login works."""

import datetime as dt
from collections import Counter
from io import StringIO
from pathlib import Path
from types import SimpleNamespace

import pytest
import time_machine
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import RequestFactory, override_settings
from django.utils import timezone

from devdata import demo
from issues.models import (
    Batch,
    Campaign,
    Category,
    Evidence,
    Measure,
    Membership,
    Problem,
    ProblemSchedule,
    ProgressReport,
    Regulation,
    ReportTask,
    ReviewRequest,
    Status,
    SupervisionAction,
    Unit,
)
from issues.selectors.deadlines import Light, annotate_deadlines
from issues.selectors.reporting import on_time_report_rate, task_status
from issues.selectors.stats import monthly_trend
from ledger.models import LedgerEntry
from ledger.services import ledger_verify
from tests.conftest import SHANGHAI, TODAY

pytestmark = pytest.mark.django_db
User = get_user_model()
COUNTED = (
    Unit,
    User,
    Membership,
    Category,
    Batch,
    Campaign,
    Problem,
    Measure,
    ProgressReport,
    Evidence,
    ReviewRequest,
    SupervisionAction,
    Regulation,
    LedgerEntry,
)


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> dict:
    return {model.__name__: model.objects.count() for model in COUNTED}


def logins(output: str) -> str:
    return output[output.index("网址") :]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """Seed once for the module (it takes seconds), inside a transaction rolled back at the end.

    Each test's own transaction nests inside it as a savepoint, so tests stay independent.
    """
    media = tmp_path_factory.mktemp("demo-media")
    noon = dt.datetime(TODAY.year, TODAY.month, TODAY.day, 10, 0, tzinfo=SHANGHAI)
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=str(media),
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
        time_machine.travel(noon, tick=False),
        transaction.atomic(),
    ):
        yield SimpleNamespace(output=seed(), media=media)
        transaction.set_rollback(True)


def test_it_builds_about_sixty_problems_in_every_state(seeded):
    states = Counter(Problem.objects.values_list("status", flat=True))
    assert set(states) == set(Status.values)
    assert 55 <= sum(states.values()) <= 65
    assert f"问题 {sum(states.values())} 个" in seeded.output


def test_it_writes_a_ledger_that_verifies_and_matches_every_problem(seeded):
    assert ledger_verify().ok
    for problem in Problem.objects.all():
        entries = list(problem.ledger_entries.order_by("seq"))
        assert entries[0].action == "create"
        assert entries[-1].to_state == problem.status, problem.code


def test_it_covers_the_episodes_a_demo_needs(seeded):
    lights = set(annotate_deadlines(Problem.objects.all()).values_list("light", flat=True))
    assert lights == set(Light.RANK)
    assert Problem.objects.filter(reopen_count__gt=0, status=Status.IN_PROGRESS).exists()
    assert Problem.objects.filter(rework_count__gt=0, status=Status.CLOSED).exists()
    assert Problem.objects.filter(supervision_level="listed").exists()
    assert Problem.objects.filter(cooperating_units__isnull=False).distinct().count() >= 5
    extensions = Counter(
        ReviewRequest.objects.filter(request_type="extension", kind="extend").values_list(
            "status", flat=True
        )
    )
    assert extensions["pending"] == 1 and extensions["approved"] >= 1
    assert Regulation.objects.filter(problems__status=Status.CLOSED).count() >= 5
    pending_closeouts = ReviewRequest.objects.filter(request_type="closeout", status="pending")
    assert pending_closeouts.count() == Problem.objects.filter(status="closeout_review").count()
    # Every problem that went through close-out carries evidence, and the files are real.
    for problem in Problem.objects.filter(status__in=[Status.CLOSED, Status.CLOSEOUT_REVIEW]):
        assert problem.evidence.exists(), problem.code
    for evidence in Evidence.objects.all():
        head = Path(seeded.media, evidence.file.name).read_bytes()[:4]
        assert head == (b"%PDF" if evidence.file_name.endswith(".pdf") else b"\x89PNG")


def test_a_second_run_changes_nothing_and_prints_the_same_logins(seeded):
    before = counts()

    again = seed()

    assert counts() == before
    assert "already seeded" in again
    assert logins(again) == logins(seeded.output)


def test_every_demo_user_can_log_in_with_the_demo_password(seeded):
    usernames = demo.all_usernames()
    assert User.objects.filter(username__in=usernames).count() == len(usernames)
    for username in usernames:
        # A sign-in always has a request: the lockout (django-axes) refuses to guess one.
        request = RequestFactory().post("/login/")
        assert authenticate(request, username=username, password=demo.DEMO_PASSWORD), username
        assert username in seeded.output
    assert list(User.objects.filter(is_superuser=True).values_list("username", flat=True)) == [
        "admin"
    ]
    assert not User.objects.filter(is_staff=True).exclude(username="admin").exists()


# --- the half year of history ----------------------------------------------------------------


def test_its_history_spans_half_a_year_appended_in_time_order(seeded):
    now = timezone.now()
    times = list(LedgerEntry.objects.order_by("seq").values_list("created_at", flat=True))
    assert times == sorted(times)
    assert (now - times[0]).days >= 150
    assert dt.timedelta(0) < now - times[-1] < dt.timedelta(days=7)  # and it runs up to today
    first = Problem.objects.order_by("created_at").first()
    assert (now - first.created_at).days >= 150
    out = StringIO()
    call_command("verify_ledger", stdout=out)
    assert f"ledger OK: {len(times)} entries" in out.getvalue()


def test_the_monthly_trend_shows_problems_arriving_and_closing_over_the_months(seeded):
    trend = monthly_trend(Problem.objects.all(), months=12)
    assert len([m for m in trend if m["created"]]) >= 3
    assert len([m for m in trend if m["closed"]]) >= 4
    # 巡察 first, the 主题教育 self-examination months later
    first_month = {
        prefix: timezone.localdate(
            Problem.objects.filter(code__startswith=prefix).earliest("created_at").created_at
        )
        for prefix in ("2024-XC3", "2024-SJ", "2023-ZTJY")
    }
    assert first_month["2024-XC3"] < first_month["2024-SJ"] < first_month["2023-ZTJY"]


def test_close_outs_are_approved_over_the_months_some_late(seeded):
    closed = Problem.objects.filter(status=Status.CLOSED)
    assert len({timezone.localdate(p.closed_at).strftime("%Y-%m") for p in closed}) >= 4
    assert closed.filter(closed_on_time=True).count() >= 8
    late = closed.filter(closed_on_time=False)
    assert late.count() >= 3
    for problem in late:
        assert timezone.localdate(problem.closed_at) > problem.due_date, problem.code
    for problem in closed:
        entries = problem.ledger_entries.order_by("seq")
        assert (entries.last().created_at - entries.first().created_at).days >= 20, problem.code


def test_units_report_every_month_mostly_on_time(seeded):
    today = timezone.localdate()
    tasks = ReportTask.objects.select_related("period")
    statuses = Counter(task_status(t, t.period.due_on, today) for t in tasks)
    assert statuses["submitted"] > statuses["late"] > 0
    assert statuses["missing"] > 0 and statuses["pending"] > 0  # this month's is not due yet
    assert len({t.period.period for t in tasks if t.submitted_at}) >= 4
    assert 40 <= on_time_report_rate(Problem.objects.all()) <= 90
    assert ProgressReport.objects.values("period").distinct().count() >= 5


def test_reminders_are_scheduled_from_today_not_from_the_last_step(seeded):
    today = timezone.localdate()
    scheduled = ProblemSchedule.objects.exclude(next_reminder_on=None)
    assert scheduled.exists()
    assert not scheduled.filter(next_reminder_on__lt=today).exists()
