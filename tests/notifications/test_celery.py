"""Celery (SPEC §5): beat only rings the bell, every beat entry carries `expires`, delivery
tasks acknowledge late and survive a lost worker, and no reminder is ever an ETA/countdown
task. Then the full stack: a real worker consuming from a real Redis delivers a reminder.
"""

import ast
import contextlib
import datetime as dt
import importlib
import time
from pathlib import Path
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.db import close_old_connections

from notifications import tasks
from notifications.models import Notification, Reminder
from tracker.celery import app

from .conftest import at

SOURCE_DIRS = ("issues", "ledger", "notifications", "tracker")


@pytest.fixture(scope="module")
def registered():
    app.loader.import_default_modules()
    return set(app.tasks)


def test_the_beat_schedule_rings_the_reminder_scan(registered):
    schedule = settings.CELERY_BEAT_SCHEDULE
    tasks_named = {entry["task"] for entry in schedule.values()}
    assert "notifications.tasks.scan_reminders" in tasks_named
    assert "notifications.tasks.send_email_digests" in tasks_named
    assert tasks_named <= registered, tasks_named - registered
    for name in tasks_named:  # the name resolves to the task the code defines
        module, attr = name.rsplit(".", 1)
        task = getattr(importlib.import_module(module), attr)
        assert app.tasks[name] is task._get_current_object()


@pytest.mark.parametrize("name", list(settings.CELERY_BEAT_SCHEDULE))
def test_every_beat_entry_expires_within_its_period(name):
    entry = settings.CELERY_BEAT_SCHEDULE[name]
    expires = entry.get("options", {}).get("expires")
    assert expires is not None, f"beat entry {name!r} has no expires"
    period = entry["schedule"]
    period = period.total_seconds() if isinstance(period, dt.timedelta) else float(period)
    assert 0 < float(expires) <= period, (name, expires, period)
    assert not {"eta", "countdown"} & set(entry.get("options", {}))


@pytest.mark.parametrize(
    "task", [tasks.scan_reminders, tasks.deliver_reminder, tasks.deliver_webhook]
)
def test_tasks_acknowledge_late_and_are_rejected_when_the_worker_is_lost(task):
    assert task.acks_late is True
    assert task.reject_on_worker_lost is True


def test_the_app_defaults_are_late_ack_and_reject_on_worker_lost():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert conf.timezone == settings.TIME_ZONE
    assert conf.task_time_limit and conf.task_soft_time_limit < conf.task_time_limit


def _python_sources():
    root = Path(settings.BASE_DIR)
    for top in SOURCE_DIRS:
        for path in sorted((root / top).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _scheduled_calls(path: Path):
    """Calls that would make a task run later than now: eta=/countdown= anywhere (apply_async,
    signatures, options dicts), and retries (self.retry and retry policies re-publish the
    message with a countdown)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            names = {k.arg for k in node.keywords}
            bad = names & {
                "eta",
                "countdown",
                "retry_backoff",
                "autoretry_for",
                "default_retry_delay",
            }
            func = node.func
            attr = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if attr == "retry":
                bad = bad | {attr}
            if bad:
                yield f"{path}:{node.lineno}: {sorted(bad)}"
        elif isinstance(node, ast.Dict):
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            if keys & {"eta", "countdown"}:
                yield f"{path}:{node.lineno}: options {sorted(keys & {'eta', 'countdown'})}"


def test_no_code_path_schedules_a_task_with_an_eta_or_countdown():
    sources = list(_python_sources())
    assert any(p.name == "tasks.py" for p in sources)  # the walk found the code
    offenders = [line for path in sources for line in _scheduled_calls(path)]
    assert offenders == [], "\n".join(offenders)


def test_the_eta_check_would_catch_one(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "deliver_reminder.apply_async((1,), countdown=60)\n"
        "task.apply_async(args=(1,), eta=when)\n"
        "self.retry(exc=exc)\n"
        "opts = {'countdown': 5}\n"
    )
    assert len(list(_scheduled_calls(sample))) == 4


def test_deliveries_are_queued_only_after_commit(cast, make_problem, _today):
    """A task queued inside the transaction could run before the row is visible."""
    make_problem("in_progress", due_date=dt.date(2026, 3, 10))
    _today.move_to(at(dt.date(2026, 3, 11)))
    with mock.patch.object(tasks.deliver_reminder, "delay") as delay:
        from django.db import transaction

        with transaction.atomic():
            result = tasks.run_cycle()
            assert result.queued == 2
            delay.assert_not_called()
    # pytest-django's test transaction never commits: the callbacks were only registered.
    delay.assert_not_called()


def test_without_a_broker_run_reminders_runs_the_same_cycle(
    cast, make_problem, _today, django_capture_on_commit_callbacks
):
    from io import StringIO

    from django.core.management import call_command

    make_problem(
        "in_progress",
        due_date=dt.date(2026, 3, 10),
        measures=[{"content": "措施", "due_date": dt.date(2026, 6, 30)}],
    )
    _today.move_to(at(dt.date(2026, 3, 11)))
    out = StringIO()
    # The command drops stale connections each loop; inside the test's transaction that would
    # close it (PostgreSQL), so keep the connection here.
    with mock.patch(
        "notifications.management.commands.run_reminders.close_old_connections"
    ) as close:
        for _ in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                call_command("run_reminders", stdout=out)
    assert close.call_count == 2
    assert "reminders:" in out.getvalue()
    assert set(Reminder.objects.values_list("recipient__username", "state")) == {
        ("admin_a", "sent"),
        ("head_a", "sent"),
    }
    assert Notification.objects.filter(reminder__isnull=False).count() == 2


# --- the full stack: a real worker on a real Redis -------------------------------------------


@contextlib.contextmanager
def real_worker():
    """An in-process worker (solo pool) consuming the real broker; not eager."""
    from celery.contrib.testing.worker import start_worker

    before = app.conf.task_always_eager
    app.conf.task_always_eager = False
    app.control.purge()  # nothing left over from another run may reach this worker
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
            yield
    finally:
        app.conf.task_always_eager = before
        close_old_connections()


def wait_until(predicate, timeout=30.0, step=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_delivers_a_reminder_end_to_end(cast, make_problem, _today):
    problem = make_problem(
        "in_progress",
        due_date=dt.date(2026, 3, 10),
        measures=[{"content": "措施", "due_date": dt.date(2026, 6, 30)}],
    )
    assert app.conf.broker_url.startswith("redis://")
    # The worker needs a clock that moves (timers, result polling): travel with tick=True.
    with time_machine.travel(at(dt.date(2026, 3, 11)), tick=True):
        with real_worker():
            result = tasks.run_cycle()  # autocommit: on_commit → deliver_reminder.delay → Redis
            assert result.queued == 2
            assert not app.conf.task_always_eager
            delivered = wait_until(
                lambda: Reminder.objects.filter(problem=problem, state="sent").count() == 2
            )
            states = list(Reminder.objects.values_list("recipient__username", "state"))
            assert delivered, states
            assert (
                Notification.objects.filter(
                    reminder__problem=problem, recipient__username__in=["admin_a", "head_a"]
                ).count()
                == 2
            )


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_scan_task_as_beat_would(cast, make_problem, _today):
    problem = make_problem(
        "in_progress",
        due_date=dt.date(2026, 3, 10),
        measures=[{"content": "措施", "due_date": dt.date(2026, 6, 30)}],
    )
    with time_machine.travel(at(dt.date(2026, 3, 11)), tick=True):
        with real_worker():
            entry = settings.CELERY_BEAT_SCHEDULE["reminders-scan"]
            outcome = app.send_task(entry["task"], **entry.get("options", {})).get(timeout=30)
            assert outcome["created"] == 2 and outcome["queued"] == 2
            assert wait_until(
                lambda: Notification.objects.filter(reminder__problem=problem).count() == 2
            )
            # The bell rung again: nothing new.
            again = tasks.scan_reminders.delay().get(timeout=30)
            assert (again["created"], again["queued"]) == (0, 0)
            time.sleep(1)
            assert Notification.objects.filter(reminder__problem=problem).count() == 2
