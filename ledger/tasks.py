"""Celery tasks: thin, each calls one service."""

from celery import shared_task

from . import checkpoints


@shared_task(acks_late=True, reject_on_worker_lost=True)
def take_daily_checkpoint():
    checkpoint = checkpoints.ledger_checkpoint_daily()
    return checkpoint.code if checkpoint else None
