"""Reviewers hear of a request when their step opens, not before (issue 16 item 8): at
submission only the first step's reviewers; after each approval the next step's."""

from issues.services.workflow import perform_action
from notifications.models import Notification


def _told(kind):
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_only_the_current_steps_reviewers_are_told(
    cast, make_problem, django_capture_on_commit_callbacks
):
    # The batch's close-out chain: unit_head, then office (cast.batch default).
    with django_capture_on_commit_callbacks(execute=True):  # notices are made after commit
        problem = make_problem("closeout_review")
    assert _told("request_closeout") == {"head_a"}  # not rev/oa: their step is not open yet
    with django_capture_on_commit_callbacks(execute=True):
        perform_action(problem_id=problem.pk, action="approve_closeout", actor=cast.head_a)
    assert "rev" in _told("approve_closeout")
    assert "head_a" not in _told("approve_closeout")
