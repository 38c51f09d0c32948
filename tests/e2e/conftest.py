"""The full stack as it runs in production, started by scripts/stack in a fresh directory.

One stack serves each e2e module and is stopped after it: its own PostgreSQL cluster (a
fresh database), its own Redis, gunicorn with 2 workers, one Celery worker and one beat
ringing the reminder scan every 2 s. It shares nothing with the pytest-django test
database or the CI's Redis.
"""

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from .stack import Stack

PASSWORD = "e2e-pass-12345"
SCAN_INTERVAL_SECONDS = 2


@pytest.fixture(autouse=True)
def _today():
    """The stack runs on the real clock, so the tests do too (no frozen time here)."""
    yield None


@pytest.fixture(scope="module")
def stack():
    # Under /tmp, world-traversable: as root, PostgreSQL runs as `postgres` and must reach it.
    directory = Path(tempfile.mkdtemp(prefix="zgtz-e2e-"))
    directory.chmod(0o755)
    stack = Stack(
        directory / "stack",
        REMINDER_SCAN_INTERVAL_SECONDS=str(SCAN_INTERVAL_SECONDS),
        STACK_WEB_WORKERS="2",
        STACK_WORKER_CONCURRENCY="2",
        # The webhook sink listens on http://127.0.0.1 (refused by default).
        WEBHOOK_ALLOW_HTTP="true",
        WEBHOOK_ALLOW_PRIVATE="true",
    )
    try:
        stack.start()
        yield stack
    finally:
        try:
            stack.stop()
        finally:
            if not os.environ.get("E2E_KEEP"):
                shutil.rmtree(directory, ignore_errors=True)


def local_today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


@pytest.fixture(scope="module")
def county(stack):
    """A county with one department, set up over HTTP by a superuser: an office admin on the
    county, and the department's unit admin and unit head. Tokens are fetched once each
    (each sign-in issues a new token; only failed sign-ins count towards the lockout)."""
    stack.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model\n"
        f"get_user_model().objects.create_superuser('root', 'root@example.org', '{PASSWORD}')",
    )
    root = stack.api().login("root", PASSWORD)
    top = root.post("/api/v1/units/", {"name": "县委", "code": "XW", "kind": "party_dept"})
    unit = root.post(
        "/api/v1/units/",
        {"name": "教育局", "code": "JYJ", "kind": "gov_dept", "parent": top["id"]},
    )

    def person(username, unit_id, role):
        user = root.post(
            "/api/v1/users/",
            {"username": username, "password": PASSWORD, "display_name": username},
        )
        root.post("/api/v1/memberships/", {"user": user["id"], "unit": unit_id, "role": role})
        return user

    office_admin = person("oa", top["id"], "office_admin")
    admin = person("admin_a", unit["id"], "unit_admin")
    head = person("head_a", unit["id"], "unit_head")
    # More liaisons: every overdue problem then makes 1 + 1 + 6 reminders (SPEC §5: the
    # unit_admins and the unit_head of the lead unit), so a delivery run has work to cut.
    extra = [person(f"liaison{i}", unit["id"], "unit_admin") for i in range(6)]
    office = stack.api().login("oa", PASSWORD)
    batch = office.post(
        "/api/v1/batches/",
        {"name": "端到端测试批次", "source": "circuit_inspection", "code_prefix": "E2E"},
    )
    return SimpleNamespace(
        root=root,
        office=office,
        liaison=stack.api().login("admin_a", PASSWORD),
        unit=unit,
        admin=admin,
        head=head,
        recipients=2 + len(extra),
        batch=batch,
        office_admin=office_admin,
    )
