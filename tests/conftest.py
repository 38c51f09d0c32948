"""The shared cast: a small county, and one person for each role.

    县委 (county, root)
    ├── 整改办 (office)          office_admin "oa", office_reviewer "rev", leader "leader"
    │                            (their memberships sit on the county root: scope = everything)
    ├── 教育局 (unit_a)           unit_admin "admin_a", unit_head "head_a", unit_staff "staff_a",
    │   └── 实验小学 (school_a)   viewer "viewer_a" sits on 教育局
    ├── 卫健局 (unit_b)           unit_admin "admin_b", unit_head "head_b", unit_staff "staff_b"
    └── 民政局 (unit_c)           unit_admin "outsider" — an unrelated unit
    plus "root", a Django superuser.

Data is made through the real services (problem_create, perform_action), never by poking rows.
"""

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework.test import APIClient

from issues.models import Batch, Membership, ProblemSchedule, Role, Unit, UnitKind
from issues.services.problems import problem_create
from issues.services.workflow import perform_action

PASSWORD = "pass-12345"
TODAY = dt.date(2026, 3, 2)
SHANGHAI = ZoneInfo("Asia/Shanghai")  # a Monday; tests that depend on "today" freeze time here

# Playwright's sync API runs an event loop in the test thread (browser tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    """The suite skips what this environment cannot run, so CI calls one command twice:
    `postgres` tests need PostgreSQL, `redis` tests a Redis broker, `browser` tests Chromium,
    `e2e` tests both services configured and their binaries to start a stack of their own."""
    from django.conf import settings

    on_postgres = "postgresql" in settings.DATABASES["default"]["ENGINE"]
    on_redis = settings.CELERY_BROKER_URL.startswith("redis://")
    has_chromium = shutil.which("chromium") is not None or os.path.exists("/usr/bin/chromium")
    # e2e starts its own PostgreSQL and Redis (scripts/stack); it runs in the full-stack run,
    # where the binaries are known to be there, and stays out of the quick embedded run.
    has_servers = shutil.which("redis-server") is not None and any(
        Path("/usr/lib/postgresql").glob("*/bin/initdb")
    )
    reasons = {
        "postgres": None if on_postgres else "needs PostgreSQL (runs in the full-stack run)",
        "redis": None if on_redis else "needs a Redis broker (runs in the full-stack run)",
        "browser": None if has_chromium else "needs Debian's chromium",
        "e2e": None
        if on_postgres and on_redis and has_servers
        else "full stack via scripts/stack (runs in the full-stack run)",
    }
    for item in items:
        for marker, reason in reasons.items():
            if reason and marker in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reason))
                break


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _today():
    """Every test runs on TODAY (10:00 in Asia/Shanghai) unless it travels elsewhere."""
    import time_machine

    with time_machine.travel(
        dt.datetime(TODAY.year, TODAY.month, TODAY.day, 10, 0, tzinfo=SHANGHAI), tick=False
    ) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _ledger_signing_key(settings):
    """A fixed checkpoint key: tests never create the embedded key file under var/."""
    settings.LEDGER_SIGNING_KEY = "5a" * 32


@pytest.fixture(autouse=True)
def _media_root(settings):
    path = tempfile.mkdtemp(prefix="tracker-media-")
    settings.MEDIA_ROOT = path
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(autouse=True)
def _close_counters():
    """A list's counters (issues.selectors.beside) keep connections of their own: closed after
    each test, so none outlives the test database it was opened on."""
    yield
    from issues.selectors.beside import close_counters

    close_counters()


def next_reminder(problem) -> dt.date | None:
    """The stored next reminder date of a problem (or problem id), read fresh."""
    problem_id = getattr(problem, "pk", problem)
    return (
        ProblemSchedule.objects.filter(problem_id=problem_id)
        .values_list("next_reminder_on", flat=True)
        .first()
    )


def make_user(username, *, unit=None, role=None, superuser=False):
    User = get_user_model()
    user = User.objects.create_user(username=username, password=PASSWORD, first_name=username)
    if superuser:
        user.is_superuser = user.is_staff = True
        user.save()
    if unit is not None:
        Membership.objects.create(user=user, unit=unit, role=role)
    return user


@pytest.fixture
def cast(db):
    county = Unit.objects.create(name="县委", code="XW", kind=UnitKind.PARTY_DEPT)
    office = Unit.objects.create(name="整改办", code="ZGB", parent=county)
    unit_a = Unit.objects.create(name="教育局", code="JYJ", kind=UnitKind.GOV_DEPT, parent=county)
    school_a = Unit.objects.create(
        name="实验小学", code="SYXX", kind=UnitKind.INSTITUTION, parent=unit_a
    )
    unit_b = Unit.objects.create(name="卫健局", code="WJJ", kind=UnitKind.GOV_DEPT, parent=county)
    unit_c = Unit.objects.create(name="民政局", code="MZJ", kind=UnitKind.GOV_DEPT, parent=county)
    c = SimpleNamespace(
        county=county,
        office=office,
        unit_a=unit_a,
        school_a=school_a,
        unit_b=unit_b,
        unit_c=unit_c,
        oa=make_user("oa", unit=county, role=Role.OFFICE_ADMIN),
        rev=make_user("rev", unit=county, role=Role.OFFICE_REVIEWER),
        leader=make_user("leader", unit=county, role=Role.LEADER),
        admin_a=make_user("admin_a", unit=unit_a, role=Role.UNIT_ADMIN),
        head_a=make_user("head_a", unit=unit_a, role=Role.UNIT_HEAD),
        staff_a=make_user("staff_a", unit=unit_a, role=Role.UNIT_STAFF),
        viewer_a=make_user("viewer_a", unit=unit_a, role=Role.VIEWER),
        admin_b=make_user("admin_b", unit=unit_b, role=Role.UNIT_ADMIN),
        head_b=make_user("head_b", unit=unit_b, role=Role.UNIT_HEAD),
        staff_b=make_user("staff_b", unit=unit_b, role=Role.UNIT_STAFF),
        outsider=make_user("outsider", unit=unit_c, role=Role.UNIT_ADMIN),
        root=make_user("root", superuser=True),
    )
    c.batch = Batch.objects.create(
        name="县委第三轮巡察反馈问题",
        source="circuit_inspection",
        issuer="县委第三巡察组",
        code_prefix="2024-XC3",
        default_due_date=dt.date(2026, 6, 30),
    )
    c.reviewed_batch = Batch.objects.create(
        name="2023年主题教育检视问题",
        source="self_examination",
        code_prefix="2023-ZTJY",
        needs_list_review=True,
        closeout_chain=["unit_head", "office", "leader"],
    )
    return c


# One branch per state on the way: a walk along the workflow reads best as one list of steps.
@pytest.fixture
def make_problem(cast):  # noqa: C901
    """make_problem(state="in_progress", batch=..., lead_unit=..., **fields) → Problem.

    Walks the real workflow to reach the state, so the ledger is a true history.
    """
    from issues.models import Evidence, Measure, MeasureStatus  # noqa: F401

    def make(  # noqa: C901
        state="draft", *, batch=None, lead_unit=None, cooperating_units=(), measures=None, **fields
    ):
        lead_unit = lead_unit or cast.unit_a
        admin = cast.admin_a if lead_unit == cast.unit_a else cast.admin_b
        fields.setdefault("title", "问题标题")
        fields.setdefault("description", "具体表现")
        fields.setdefault("source", "circuit_inspection")
        fields.setdefault("due_date", dt.date(2026, 6, 30))
        if measures is None:
            measures = [{"content": "措施一", "unit": lead_unit}]
        if batch is None:
            batch = cast.reviewed_batch if state == "list_review" else cast.batch
        problem = problem_create(
            actor=cast.oa,
            batch=batch,
            lead_unit=lead_unit,
            cooperating_units=list(cooperating_units),
            measures=measures,
            **fields,
        )
        if state == "draft":
            return problem
        if state == "list_review":
            return perform_action(problem_id=problem.pk, action="submit", actor=cast.oa)
        problem = perform_action(problem_id=problem.pk, action="assign", actor=cast.oa)
        if state == "assigned":
            return problem
        if state == "withdrawn":
            return perform_action(
                problem_id=problem.pk,
                action="withdraw",
                actor=cast.oa,
                data={"comment": "重复问题"},
            )
        problem = perform_action(problem_id=problem.pk, action="acknowledge", actor=admin)
        if state == "in_progress":
            return problem
        if state in ("long_term", "routine"):
            problem = _to_long_term(cast, problem, admin)
            if state == "routine":
                problem = perform_action(
                    problem_id=problem.pk,
                    action="to_routine",
                    actor=cast.oa,
                    data={"comment": "纳入日常"},
                )
            return problem
        _finish_measures_and_upload(cast, problem, admin)
        problem = perform_action(
            problem_id=problem.pk,
            action="request_closeout",
            actor=admin,
            data={"summary": "已整改完成"},
        )
        if state == "closeout_review":
            return problem
        if state == "closed":
            head = cast.head_a if lead_unit == cast.unit_a else cast.head_b
            for reviewer in (head, cast.rev, cast.leader):
                problem = perform_action(
                    problem_id=problem.pk, action="approve_closeout", actor=reviewer
                )
                if problem.status == "closed":
                    return problem
        raise ValueError(f"make_problem cannot reach {state!r}")

    return make


def _to_long_term(cast, problem, admin):
    head = cast.head_a if problem.lead_unit == cast.unit_a else cast.head_b
    perform_action(
        problem_id=problem.pk,
        action="request_extension",
        actor=admin,
        data={
            "kind": "long_term",
            "reason": "需长期坚持",
            "stage_goal": "阶段目标",
            "next_review_date": "2026-12-31",
        },
    )
    perform_action(problem_id=problem.pk, action="approve_extension", actor=head)
    return perform_action(problem_id=problem.pk, action="approve_extension", actor=cast.rev)


def _finish_measures_and_upload(cast, problem, admin):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from issues.services.problems import measure_update
    from issues.services.reports import evidence_upload

    for measure in problem.measures.all():
        measure_update(actor=admin, measure_id=measure.pk, status="done", done_note="完成")
    evidence_upload(
        actor=admin,
        problem_id=problem.pk,
        kind="minutes",
        description="会议纪要",
        upload=SimpleUploadedFile("纪要.pdf", b"%PDF-1.4 minutes", content_type="application/pdf"),
    )


@pytest.fixture
def api():
    """api(user) → an APIClient authenticated as `user` (None: anonymous)."""

    def client_for(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return client_for


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture(scope="module")
def wsgi_keeps_db_connection():
    """Tests that call the WSGI application directly (not through Django's test client) must
    keep the test's database connection: Django closes "old" connections at the start and end
    of each request, which on PostgreSQL would close the connection holding the test's
    transaction. Django's test client disconnects `close_old_connections` only for the length
    of its own request and connects it again after, so disconnecting the signal here would not
    survive one `Client()` call; the connections themselves are told to stay open instead."""
    from unittest import mock

    from django.db.backends.base.base import BaseDatabaseWrapper

    with mock.patch.object(BaseDatabaseWrapper, "close_if_unusable_or_obsolete", lambda self: None):
        yield
