"""SPEC §5 and §10 on the real stack: beat rings, the worker delivers, and neither a killed
worker, a restarted Redis nor a second worker loses or doubles a reminder.

Everything a user does goes through gunicorn over HTTP with token authentication; the
tests read the stack's database only to count what was delivered.

Crash recovery: a delivery claimed by a process that died, or queued in a Redis that lost
its queue, is picked up again by the scan once its lease has expired
(notifications.delivery.LEASE, ten minutes). The tests do not wait ten minutes: they move
the claim and queue times of the rows held *before* the crash back by the lease — exactly
what ten minutes passing does to them — and let the running beat and worker recover them.
"""

import datetime as dt
import re
import time

import pytest
import redis

from notifications.delivery import LEASE

from .conftest import SCAN_INTERVAL_SECONDS, local_today
from .stack import WebhookSink, wait_until

pytestmark = pytest.mark.e2e

# seconds; SPEC: bounded waits only. A passing run waits a few seconds; the bound is generous
# because on a loaded two-core machine a worker's reconnection to a restarted Redis took > 60 s.
DELIVERY_TIMEOUT = 120
# After a Redis restart: in 2 of 6 runs of this file on the two-core CI machine (2026-12-03)
# the recovery took longer than 120 s, and the rows were delivered later, during the next
# test: late, not lost (likeliest a late reconnection of the worker; not verified). Still a bound.
RECOVERY_TIMEOUT = 300


def overdue_problems(county, count: int) -> list[int]:
    """`count` problems one day past their deadline, created and assigned over HTTP."""
    due = (local_today() - dt.timedelta(days=1)).isoformat()
    ids = []
    for i in range(count):
        problem = county.office.post(
            "/api/v1/problems/",
            {
                "batch": county.batch["id"],
                "title": f"逾期未整改问题 {i + 1}",
                "description": "台账显示逾期",
                "lead_unit": county.unit["id"],
                "source": "circuit_inspection",
                "due_date": due,
            },
        )
        assigned = county.office.post(f"/api/v1/problems/{problem['id']}/actions/assign/")
        assert assigned["status"] == "assigned" and assigned["is_overdue"] is True
        ids.append(problem["id"])
    return ids


def sent_count(stack, ids) -> int:
    return stack.scalar(
        "SELECT count(*) FROM notifications_reminder WHERE problem_id = ANY(%s) AND state = 'sent'",
        (ids,),
    )


def all_sent(stack, ids, expected: int) -> bool:
    return sent_count(stack, ids) == expected


def assert_delivered_exactly_once(stack, ids, expected: int):
    """Every reminder exists, is sent, and has exactly one in-app notification; no
    recipient got the same overdue notice twice."""
    rows = stack.sql(
        """SELECT r.id, r.state, count(n.id) FROM notifications_reminder r
           LEFT JOIN notifications_notification n ON n.reminder_id = r.id
           WHERE r.problem_id = ANY(%s) GROUP BY r.id, r.state""",
        (ids,),
    )
    assert len(rows) == expected, f"{len(rows)} reminders, expected {expected}"
    assert {state for _, state, _ in rows} == {"sent"}, rows
    assert {count for _, _, count in rows} == {1}, [r for r in rows if r[2] != 1]
    doubled = stack.sql(
        """SELECT problem_id, recipient_id, count(*) FROM notifications_notification
           WHERE problem_id = ANY(%s) AND kind = 'overdue'
           GROUP BY problem_id, recipient_id HAVING count(*) > 1""",
        (ids,),
    )
    assert doubled == []
    notices = stack.scalar(
        "SELECT count(*) FROM notifications_notification WHERE problem_id = ANY(%s) "
        "AND kind = 'overdue'",
        (ids,),
    )
    assert notices == expected


def stuck_before(stack, ids, moment) -> int:
    """Reminders claimed or queued before `moment` and still not sent: lost with the
    process that held them, or with the queue."""
    return stack.scalar(
        """SELECT count(*) FROM notifications_reminder WHERE problem_id = ANY(%s) AND (
               (state = 'pending' AND enqueued_at <= %s)
            OR (state = 'sending' AND claimed_at <= %s))""",
        (ids, moment, moment),
    )


def expire_leases_held_before(stack, ids, moment):
    """Ten minutes pass for what was claimed or queued before `moment` (see the module doc)."""
    shift = LEASE + dt.timedelta(minutes=1)
    stack.sql(
        """UPDATE notifications_reminder SET enqueued_at = enqueued_at - %s
           WHERE problem_id = ANY(%s) AND state = 'pending' AND enqueued_at <= %s""",
        (shift, ids, moment),
    )
    stack.sql(
        """UPDATE notifications_reminder SET claimed_at = claimed_at - %s
           WHERE problem_id = ANY(%s) AND state = 'sending' AND claimed_at <= %s""",
        (shift, ids, moment),
    )


def drained(stack) -> bool:
    """Nothing waits in the broker's queue (beat's scan ticks come and go in milliseconds)."""
    broker = redis.Redis.from_url(stack.env["CELERY_BROKER_URL"])
    if broker.llen("celery"):
        return False
    time.sleep(0.5)
    return broker.llen("celery") == 0


def pile_up(stack, county, count: int) -> list[int]:
    """Make `count` problems overdue while beat is frozen, so that one scan finds them all
    and the worker has a long delivery run ahead of it."""
    stack.start("worker", "beat")
    stack.pause("beat")
    try:
        return overdue_problems(county, count)
    finally:
        stack.resume("beat")


def test_it_delivers_an_overdue_reminder_through_beat_and_the_worker(stack, county):
    stack.start("web", "worker", "beat")
    [problem_id] = overdue_problems(county, 1)

    def overdue_notices():
        page = county.liaison.get("/api/v1/notifications/?page_size=200")
        return [
            item
            for item in page["results"]
            if item["problem"] == problem_id and item["kind"] == "overdue"
        ]

    started = time.monotonic()
    notices = wait_until(overdue_notices, timeout=DELIVERY_TIMEOUT, what="the overdue reminder")
    print(f"overdue reminder visible {time.monotonic() - started:.1f}s after the assignment")
    assert len(notices) == 1
    assert "已逾期" in notices[0]["title"]
    # The next scan finds the reminder already made: still one notice.
    time.sleep(SCAN_INTERVAL_SECONDS + 1)
    assert len(overdue_notices()) == 1
    assert_delivered_exactly_once(stack, [problem_id], county.recipients)


def test_a_worker_killed_mid_run_loses_nothing_and_doubles_nothing(stack, county):
    ids = pile_up(stack, county, 8)
    expected = 8 * county.recipients

    wait_until(
        lambda: sent_count(stack, ids) >= 5,
        timeout=DELIVERY_TIMEOUT,
        what="the first deliveries",
        interval=0.02,
    )
    stack.kill("worker")  # SIGKILL to the main process and its pool: no warm shutdown
    killed_at = stack.scalar("SELECT now()")
    at_kill = sent_count(stack, ids)
    assert 0 < at_kill < expected, "the kill must land in the middle of the run"

    stack.start("worker")
    wait_until(lambda: drained(stack), timeout=DELIVERY_TIMEOUT, what="the queue to drain")
    lost = stuck_before(stack, ids, killed_at)
    expire_leases_held_before(stack, ids, killed_at)
    wait_until(
        lambda: all_sent(stack, ids, expected),
        timeout=DELIVERY_TIMEOUT,
        what="every reminder after the restart",
    )
    print(f"killed after {at_kill}/{expected} sent; {lost} held by the dead worker, recovered")
    assert_delivered_exactly_once(stack, ids, expected)


def test_a_redis_restart_loses_nothing(stack, county):
    ids = pile_up(stack, county, 6)
    expected = 6 * county.recipients
    broker = redis.Redis.from_url(stack.env["CELERY_BROKER_URL"])
    worker, beat = stack.pid("worker"), stack.pid("beat")

    wait_until(
        lambda: sent_count(stack, ids) >= 5,
        timeout=DELIVERY_TIMEOUT,
        what="the first deliveries",
        interval=0.02,
    )
    old_redis = stack.pid("redis")
    stack.kill("redis")  # it crashes; without persistence every queued message is gone
    restarted_at = stack.scalar("SELECT now()")
    at_restart = sent_count(stack, ids)
    assert at_restart < expected, "the restart must land in the middle of the run"
    health = stack.api().get("/healthz", expect=(503,))
    assert health == {"status": "error", "database": "ok", "broker": "error"}

    stack.start("redis")
    assert stack.pid("redis") != old_redis
    wait_until(lambda: drained(stack), timeout=DELIVERY_TIMEOUT, what="the queue to drain")
    lost = stuck_before(stack, ids, restarted_at)
    assert lost > 0, "the restart must have cost queued deliveries"
    expire_leases_held_before(stack, ids, restarted_at)
    wait_until(
        lambda: all_sent(stack, ids, expected),
        timeout=RECOVERY_TIMEOUT,
        what="every reminder after the Redis restart",
    )
    print(f"Redis restarted after {at_restart}/{expected} sent; {lost} lost with it, recovered")
    assert_delivered_exactly_once(stack, ids, expected)
    # The worker and beat reconnected by themselves; nobody restarted them.
    assert (stack.pid("worker"), stack.pid("beat")) == (worker, beat)
    assert broker.ping()
    assert stack.api().get("/healthz") == {"status": "ok", "database": "ok", "broker": "ok"}


DELIVERED = re.compile(r"deliver_reminder\[[^\]]+\] succeeded in [0-9.e-]+s: True")


def test_two_workers_at_once_double_nothing(stack, county):
    stack.start("worker", "worker2")
    logs_from = {name: len(stack.log(name)) for name in ("worker", "worker2")}
    with WebhookSink() as sink:
        county.liaison.post(
            "/api/v1/webhooks/",
            {"unit": county.unit["id"], "url": sink.url, "secret": "e2e-secret"},
        )
        stack.pause("beat")
        ids = overdue_problems(county, 6)
        expected = 6 * county.recipients
        # Four scans at once across both workers; then, once the reminders exist, every
        # delivery queued twice more, as redelivered messages would be. The claims must
        # make each reminder go out once.
        stack.send_tasks("notifications.tasks.scan_reminders", [()] * 4)
        stack.resume("beat")  # webhook deliveries are dispatched by the scan cycle
        wait_until(
            lambda: (
                stack.scalar(
                    "SELECT count(*) FROM notifications_reminder WHERE problem_id = ANY(%s)", (ids,)
                )
                == expected
            ),
            timeout=DELIVERY_TIMEOUT,
            what="the scans to make the reminders",
        )
        reminders = stack.sql(
            "SELECT id FROM notifications_reminder WHERE problem_id = ANY(%s)", (ids,)
        )
        stack.send_tasks("notifications.tasks.deliver_reminder", reminders * 2)
        wait_until(
            lambda: all_sent(stack, ids, expected),
            timeout=DELIVERY_TIMEOUT,
            what="every reminder with two workers",
        )
        assert_delivered_exactly_once(stack, ids, expected)

        # One webhook POST per event (a problem's overdue notice, not per recipient).
        # Only this test's problems count: a late delivery from an earlier test's problems
        # of the same unit may still reach the sink.
        def ours():
            return {k: n for k, n in sink.calls.items() if int(k.split(":")[1]) in ids}

        wait_until(
            lambda: len(ours()) >= len(ids),
            timeout=DELIVERY_TIMEOUT,
            what="the webhook deliveries",
        )
        time.sleep(2 * SCAN_INTERVAL_SECONDS + 1)  # a double would arrive by now
        assert len(ours()) == len(ids)
        assert set(ours().values()) == {1}, sink.calls

    # Both workers did real deliveries, and together exactly one per reminder.
    delivered = {
        name: len(DELIVERED.findall(stack.log(name)[offset:])) for name, offset in logs_from.items()
    }
    print(f"deliveries by worker: {delivered} for {expected} reminders")
    assert all(delivered.values()), delivered
    assert sum(delivered.values()) == expected
    stack.stop("worker2")
