"""Withdrawing a close-out request (SPEC §3): only the applicant, only before any step is
decided."""

from .workflow_cases import (
    act_service,
    closeout_request,
    make_situation,
    new_entries,
    refused,
    run,
    snapshot,
)


def test_it_lets_the_applicant_withdraw_before_any_step_is_decided(people, make_problem):
    problem = make_problem("closeout_review")
    before = snapshot(problem)

    run(people.admin_a, problem, "withdraw_closeout")

    problem.refresh_from_db()
    assert problem.status == "in_progress"
    assert closeout_request(problem).status == "withdrawn"
    assert [(e.action, e.from_state, e.to_state) for e in new_entries(before)] == [
        ("withdraw_closeout", "closeout_review", "in_progress")
    ]


def test_it_returns_a_withdrawn_long_term_request_to_long_term(people, make_problem):
    problem = make_situation(people, make_problem, "closeout_from_long_term")

    run(people.admin_a, problem, "withdraw_closeout")

    problem.refresh_from_db()
    assert problem.status == "long_term"


def test_it_refuses_withdrawal_once_a_step_is_decided(people, make_problem):
    problem = make_situation(people, make_problem, "closeout_office_step")
    before = snapshot(problem)

    outcome = act_service(people.admin_a, problem, "withdraw_closeout")

    assert refused(outcome, 409, "invalid_transition")
    assert snapshot(problem) == before


def test_it_refuses_withdrawal_by_anyone_but_the_applicant(people, make_problem):
    problem = make_problem("closeout_review")
    before = snapshot(problem)

    for user in (people.admin_a2, people.oa, people.root):
        assert refused(act_service(user, problem, "withdraw_closeout"), 403, "permission_denied"), (
            user
        )
    assert snapshot(problem) == before
