"""Listeners on the workflow's signals (issues/ never imports notifications/)."""

import logging

from issues.models import Problem, ReviewRequest
from issues.signals import problem_changed, schedule_changed

from .delivery import reminders_resync_many
from .kinds import EVENT_TITLES
from .models import Notification
from .recipients import Directory

logger = logging.getLogger(__name__)


def on_schedule_changed(sender, problems, **kwargs):
    reminders_resync_many(problems)


def on_problem_changed(sender, problem_ids, action, actor_id, request_id, **kwargs):
    """Tell the people whose turn it is now. Runs after commit; never blocks the action."""
    try:
        _announce(problem_ids, action, actor_id, request_id)
    except Exception:
        logger.exception("announcing %s on problems %s failed", action, problem_ids)


def _announce(problem_ids, action, actor_id, request_id):
    """One action on one problem, or one system action on many (a problem listed twice was
    acted on twice, and is announced twice): four reads and one INSERT."""
    problems = (
        Problem.objects.select_related("lead_unit")
        .prefetch_related("measures")
        .in_bulk(problem_ids)
    )
    directory = Directory(problems.values())
    rows = []
    for problem in (problems[pk] for pk in problem_ids if pk in problems):
        event, recipients = _recipients(problem, directory, action, request_id)
        recipients.discard(actor_id)
        title = EVENT_TITLES.get(event)
        if title and recipients:
            rows += [
                Notification(
                    recipient_id=uid,
                    kind=event,
                    problem=problem,
                    title=title.format(code=problem.code),
                    body=problem.title,
                )
                for uid in sorted(recipients)
            ]
    Notification.objects.bulk_create(rows)


def _recipients(problem, directory, action, request_id) -> tuple[str, set[int]]:
    """The event to announce for `action` on `problem`, and to whom."""
    lead = problem.lead_unit_id
    unit_people = directory.at(lead, "unit_admin")
    if action in ("assign", "approve_list", "reject_closeout", "reject_extension", "reopen"):
        return action, unit_people
    if action == "supervise":
        return action, unit_people | directory.at(lead, "unit_head")
    if action == "return_list":
        return action, unit_people | ({problem.created_by_id} if problem.created_by_id else set())
    if (
        action in ("request_closeout", "request_extension", "approve_closeout", "approve_extension")
        and request_id
    ):
        request = ReviewRequest.objects.prefetch_related("steps").get(pk=request_id)
        current = next((s for s in request.steps.all() if s.decision == ""), None)
        if current is None:
            return ("closed" if action == "approve_closeout" else "extended"), unit_people
        return action, directory.step_reviewers(problem, request, current)
    return action, set()


def connect():
    schedule_changed.connect(on_schedule_changed, dispatch_uid="notifications.schedule")
    problem_changed.connect(on_problem_changed, dispatch_uid="notifications.events")
