"""Listeners on the workflow's signals (issues/ never imports notifications/)."""

import logging

from issues.models import Problem, ReviewRequest
from issues.signals import problem_changed, schedule_changed

from .delivery import reminders_resync
from .kinds import EVENT_TITLES
from .models import Notification
from .recipients import Directory

logger = logging.getLogger(__name__)


def _notify(user_ids, kind, problem, title, body=""):
    Notification.objects.bulk_create(
        Notification(recipient_id=uid, kind=kind, problem=problem, title=title, body=body)
        for uid in sorted(set(user_ids))
    )


def on_schedule_changed(sender, problem, **kwargs):
    reminders_resync(problem)


def on_problem_changed(sender, problem_id, action, actor_id, request_id, **kwargs):
    """Tell the people whose turn it is now. Runs after commit; never blocks the action."""
    try:
        _announce(problem_id, action, actor_id, request_id)
    except Exception:
        logger.exception("announcing %s on problem %s failed", action, problem_id)


def _announce(problem_id, action, actor_id, request_id):
    problem = (
        Problem.objects.select_related("lead_unit").prefetch_related("measures").get(pk=problem_id)
    )
    directory = Directory([problem])
    lead = problem.lead_unit_id
    unit_people = directory.at(lead, "unit_admin")
    event = action
    recipients: set[int] = set()
    if action in ("assign", "approve_list", "reject_closeout", "reject_extension", "reopen"):
        recipients = unit_people
    elif action == "supervise":
        recipients = unit_people | directory.at(lead, "unit_head")
    elif action == "return_list":
        recipients = unit_people | ({problem.created_by_id} if problem.created_by_id else set())
    elif (
        action in ("request_closeout", "request_extension", "approve_closeout", "approve_extension")
        and request_id
    ):
        request = ReviewRequest.objects.prefetch_related("steps").get(pk=request_id)
        current = next((s for s in request.steps.all() if s.decision == ""), None)
        if current is None:
            event = "closed" if action == "approve_closeout" else "extended"
            recipients = unit_people
        else:
            recipients = directory.step_reviewers(problem, request, current)
    recipients.discard(actor_id)
    title = EVENT_TITLES.get(event)
    if title and recipients:
        _notify(recipients, event, problem, title.format(code=problem.code), problem.title)


def connect():
    schedule_changed.connect(on_schedule_changed, dispatch_uid="notifications.schedule")
    problem_changed.connect(on_problem_changed, dispatch_uid="notifications.events")
