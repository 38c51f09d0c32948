"""Celery tasks, and the only place (with the run_reminders command) that queues or runs
deliveries: the services in this app decide and record; this module sends.

Tasks are thin — fetch by id, call one service. Late acknowledgement with
reject_on_worker_lost is set globally (settings); every task is idempotent by its claim.
"""

import logging
import threading
import time
from collections import defaultdict, deque

from celery import shared_task
from django.conf import settings
from django.db import connections, transaction

from . import cycle, delivery, email, webhooks
from .models import Reminder, WebhookDelivery

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def scan_reminders():
    return run_cycle().as_dict()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def deliver_reminder(reminder_id: int):
    return delivery.reminder_deliver(reminder_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def deliver_webhook(delivery_id: int):
    return webhooks.webhook_deliver(delivery_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_email_digests():
    return email.email_digests_send()


def run_cycle(*, now=None) -> cycle.CycleResult:
    """One cycle, its deliveries queued after commit (a task queued inside the transaction
    could run before the rows are visible)."""
    result = cycle.reminders_cycle(now=now)
    enqueue(result)
    return result


def enqueue(result: cycle.CycleResult) -> None:
    for reminder_id in result.reminder_ids:
        transaction.on_commit(lambda rid=reminder_id: deliver_reminder.delay(rid))
    for delivery_id in result.webhook_ids:
        transaction.on_commit(lambda did=delivery_id: deliver_webhook.delay(did))


def deliver_now(result: cycle.CycleResult, *, budget: float, threads: int) -> dict:
    """The embedded loop's delivery (no broker): within `budget` seconds, the reminders in this
    thread (database work, and a mail bounded by EMAIL_TIMEOUT), then the webhooks on up to
    `threads` threads, one thread per endpoint at a time, so a slow receiver holds one thread
    and delays only its own deliveries (each bounded by WEBHOOK_TIMEOUT). What the budget
    leaves over is unmarked and waits for the next cycle."""
    deadline = time.monotonic() + budget
    reminders = list(result.reminder_ids)
    sent = 0
    while reminders and time.monotonic() < deadline:
        sent += bool(delivery.reminder_deliver(reminders.pop(0)))
    if reminders:
        Reminder.objects.filter(pk__in=reminders).update(enqueued_at=None)
    posted, left = _webhooks_now(result.webhook_ids, deadline, threads)
    if left:
        WebhookDelivery.objects.filter(pk__in=left).update(enqueued_at=None)
    return {"reminders": sent, "webhooks": posted, "left": len(reminders) + len(left)}


def _webhooks_now(ids, deadline: float, threads: int) -> tuple[int, list[int]]:
    queues: dict[int, deque] = defaultdict(deque)
    for pk, endpoint_id in WebhookDelivery.objects.filter(pk__in=ids).values_list(
        "pk", "endpoint_id"
    ):
        queues[endpoint_id].append(pk)
    busy: set[int] = set()
    lock = threading.Lock()
    posted = []

    def take():
        with lock:
            for endpoint_id, queue in queues.items():
                if queue and endpoint_id not in busy:
                    busy.add(endpoint_id)
                    return endpoint_id, queue.popleft()
        return None

    def work():
        try:
            while time.monotonic() < deadline and (job := take()) is not None:
                endpoint_id, pk = job
                try:
                    posted.append(webhooks.webhook_deliver(pk))
                except Exception:
                    logger.exception("webhook delivery %s failed", pk)
                finally:
                    with lock:
                        busy.discard(endpoint_id)
        finally:
            connections.close_all()  # this thread's own database connection

    if queues:
        workers = [threading.Thread(target=work) for _ in range(min(threads, len(queues)))]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    left = [pk for queue in queues.values() for pk in queue]
    return sum(posted), left


def embedded_settings() -> dict:
    return {
        "budget": settings.REMINDER_CYCLE_BUDGET_SECONDS,
        "threads": max(settings.DELIVERY_THREADS, 1),
    }
