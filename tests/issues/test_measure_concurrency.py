"""Issue 10 item 4, no lost updates: two real concurrent PATCHes of one measure (threads with
their own connections, PostgreSQL) — one marks it done, one rewrites its content — both
survive, and the ledger's last word on each field matches the row.

To make the race certain rather than likely, the test holds the problem's row lock itself
while both requests start, waits until both are queued behind it, then lets go. A service that
read the measure before taking the lock would have both requests read the old row, and the
second save would silently put the first one's field back.
"""

import threading
import time

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from issues.models import Measure, Problem
from ledger.models import LedgerEntry
from ledger.services import ledger_verify

from .test_concurrency import WON, race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def waiting_for_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0]


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    client.handler.load_middleware()
    return client


def test_it_keeps_both_of_two_concurrent_measure_patches(cast, make_problem):
    problem = make_problem("in_progress")
    measure = problem.measures.get()
    url = f"/api/v1/measures/{measure.pk}/"
    bodies = [{"status": "done", "done_note": "已完成"}, {"content": "措施一（修订）"}]
    clients = [client_for(cast.admin_a), client_for(cast.staff_a)]
    responses = [None, None]
    holding = threading.Event()
    release = threading.Event()

    def hold_the_problem_lock():
        with transaction.atomic():
            Problem.objects.select_for_update().get(pk=problem.pk)
            holding.set()
            release.wait(timeout=30)
        connection.close()

    holder = threading.Thread(target=hold_the_problem_lock)
    holder.start()
    assert holding.wait(timeout=30)

    def patch(i):
        def call():
            responses[i] = clients[i].patch(url, bodies[i], format="json")

        return call

    racers = threading.Thread(target=lambda: results.extend(race(patch(0), patch(1))))
    results = []
    racers.start()
    deadline = time.monotonic() + 20
    while waiting_for_locks() < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert waiting_for_locks() == 2, "both PATCHes should wait for the problem's lock"
    release.set()
    racers.join(timeout=60)
    holder.join(timeout=30)

    assert results == [WON, WON]
    assert [r.status_code for r in responses] == [200, 200], [r.content for r in responses]
    measure = Measure.objects.get(pk=measure.pk)
    assert (measure.status, measure.done_note, measure.content) == (
        "done",
        "已完成",
        "措施一（修订）",
    )
    assert measure.done_at is not None
    # The ledger's latest value for each field is the row's value.
    latest = {}
    for entry in LedgerEntry.objects.filter(problem=problem, action="measure_update").order_by(
        "seq"
    ):
        for name, (_, new) in entry.changes.items():
            latest[name] = new
    assert latest["status"] == measure.status
    assert latest["done_note"] == measure.done_note
    assert latest["content"] == measure.content
    assert ledger_verify().ok
