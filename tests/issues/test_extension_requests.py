"""Extension requests (SPEC §3): the unit files by the due date, office roles after it, at
most one pending, cancelled by a close-out request."""

import datetime as dt

from issues.models import ReviewRequest
from issues.services.workflow import allowed_actions

from .workflow_cases import (
    SHANGHAI,
    VALID,
    act_service,
    extension_request,
    finish_measures_and_upload,
    make_situation,
    refused,
    run,
    snapshot,
)


def test_it_lets_the_unit_file_an_extension_on_the_due_date_itself(people, make_problem, _today):
    problem = make_problem("in_progress", due_date=dt.date(2026, 3, 10))
    _today.move_to(dt.datetime(2026, 3, 10, 23, 30, tzinfo=SHANGHAI))

    outcome = act_service(people.admin_a, problem, "request_extension", VALID["request_extension"])

    assert outcome.status == 200
    assert extension_request(problem).status == "pending"


def test_it_refuses_a_unit_extension_after_the_due_date(people, make_problem, _today):
    problem = make_problem("in_progress", due_date=dt.date(2026, 3, 10))
    # 00:30 on the 11th in Shanghai is still the 10th in UTC: "today" is the local date.
    _today.move_to(dt.datetime(2026, 3, 11, 0, 30, tzinfo=SHANGHAI))
    before = snapshot(problem)

    outcome = act_service(people.admin_a, problem, "request_extension", VALID["request_extension"])

    assert refused(outcome, 400, "validation_error")
    assert "due_date" in outcome.errors
    assert snapshot(problem) == before
    assert "request_extension" not in allowed_actions(problem, people.admin_a)


def test_it_lets_an_office_role_file_an_extension_after_the_due_date(people, make_problem, _today):
    problem = make_problem("in_progress", due_date=dt.date(2026, 3, 10))
    _today.move_to(dt.datetime(2026, 3, 20, 9, 0, tzinfo=SHANGHAI))
    assert "request_extension" in allowed_actions(problem, people.oa)

    run(people.oa, problem, "request_extension")

    request = extension_request(problem)
    assert (request.status, request.applicant_id) == ("pending", people.oa.pk)


def test_it_allows_at_most_one_pending_extension(people, make_problem):
    problem = make_problem("in_progress")
    run(people.admin_a, problem, "request_extension")
    before = snapshot(problem)

    for user in (people.admin_a, people.oa):
        outcome = act_service(user, problem, "request_extension", VALID["request_extension"])
        assert refused(outcome, 409, "invalid_transition"), user
    assert snapshot(problem) == before
    assert ReviewRequest.objects.filter(problem=problem, status="pending").count() == 1
    assert "request_extension" not in allowed_actions(problem, people.admin_a)


def test_it_cancels_a_pending_extension_when_close_out_is_requested(people, make_problem):
    problem = make_situation(people, make_problem, "extension_extend_head")
    finish_measures_and_upload(people, problem)

    run(people.admin_a, problem, "request_closeout")

    assert extension_request(problem).status == "cancelled"
    assert ReviewRequest.objects.filter(problem=problem, status="pending").count() == 1
