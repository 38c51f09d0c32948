"""Celery tasks: thin — fetch by id, call one service. Late acknowledgement with
reject_on_worker_lost is set globally (settings); every task is idempotent by its claim."""

from celery import shared_task

from . import cycle, delivery, email, webhooks


@shared_task(acks_late=True, reject_on_worker_lost=True)
def scan_reminders():
    return cycle.reminders_cycle().as_dict()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def deliver_reminder(reminder_id: int):
    return delivery.reminder_deliver(reminder_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def deliver_webhook(delivery_id: int):
    return webhooks.webhook_deliver(delivery_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_email_digests():
    return email.email_digests_send()
