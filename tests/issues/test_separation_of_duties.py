"""Separation of duties (SPEC §3): nobody decides a step of their own request, nor two steps
of one request; a step already decided answers 409."""

import pytest

from .workflow_cases import (
    VALID,
    act_service,
    closeout_request,
    decisions,
    finish_measures_and_upload,
    make_situation,
    refused,
    run,
    snapshot,
)


def test_it_never_lets_the_applicant_decide_a_step_of_their_request(people, make_problem):
    # `dual` is a unit head of 教育局; make them also its unit admin, so they may file.
    people.dual.memberships.create(unit=people.unit_a, role="unit_admin")
    problem = make_problem("in_progress")
    finish_measures_and_upload(people, problem)
    run(people.dual, problem, "request_closeout")
    before = snapshot(problem)

    outcome = act_service(people.dual, problem, "approve_closeout")

    assert refused(outcome, 403, "permission_denied")
    assert snapshot(problem) == before


def test_it_never_lets_one_person_decide_two_steps_of_one_request(people, make_problem):
    # `dual` heads 教育局 and is an office reviewer: eligible for both steps of the chain.
    problem = make_problem("closeout_review")
    run(people.dual, problem, "approve_closeout")
    before = snapshot(problem)

    outcome = act_service(people.dual, problem, "approve_closeout")

    assert refused(outcome, 403, "permission_denied")
    assert snapshot(problem) == before
    run(people.rev, problem, "approve_closeout")
    assert decisions(closeout_request(problem)) == [
        ("unit_head", "approve", people.dual.pk),
        ("office", "approve", people.rev.pk),
    ]


def test_it_holds_separation_of_duties_even_for_a_superuser(people, make_problem):
    problem = make_problem("closeout_review")
    run(people.root, problem, "approve_closeout")
    before = snapshot(problem)

    assert refused(act_service(people.root, problem, "approve_closeout"), 403, "permission_denied")
    assert refused(
        act_service(people.root, problem, "reject_closeout", VALID["reject_closeout"]),
        403,
        "permission_denied",
    )
    assert snapshot(problem) == before


def test_it_never_lets_a_superuser_decide_a_request_they_filed(people, make_problem):
    problem = make_problem("in_progress")
    finish_measures_and_upload(people, problem)
    run(people.root, problem, "request_closeout")
    before = snapshot(problem)

    assert refused(act_service(people.root, problem, "approve_closeout"), 403, "permission_denied")
    assert snapshot(problem) == before


def test_it_applies_separation_of_duties_to_extension_requests_too(people, make_problem):
    problem = make_problem("in_progress")
    run(people.admin_a, problem, "request_extension")
    run(people.dual, problem, "approve_extension")
    before = snapshot(problem)

    assert refused(act_service(people.dual, problem, "approve_extension"), 403, "permission_denied")
    assert refused(
        act_service(people.admin_a, problem, "approve_extension"), 403, "permission_denied"
    )
    assert snapshot(problem) == before


@pytest.mark.parametrize("action", ["approve_closeout", "reject_closeout"])
def test_it_answers_409_to_reviewers_whose_step_is_already_decided(people, make_problem, action):
    problem = make_situation(people, make_problem, "closeout_leader_step")
    before = snapshot(problem)

    # Each could have decided an earlier step, which is taken; the leader step is not theirs.
    outcomes = {
        name: act_service(getattr(people, name), problem, action, VALID[action])
        for name in ("head_a", "head_a2", "rev", "oa")
    }

    assert {n: (o.status, o.code) for n, o in outcomes.items()} == {
        n: (409, "invalid_transition") for n in outcomes
    }
    assert snapshot(problem) == before


def test_it_answers_409_when_the_same_reviewer_submits_twice(people, make_problem):
    # A double submit is a second concurrent action on the problem: it loses with 409 (SPEC §3),
    # not 403 — the reviewer may decide the step; it was simply already decided.
    problem = make_problem("closeout_review")
    run(people.head_a, problem, "approve_closeout")
    before = snapshot(problem)

    outcome = act_service(people.head_a, problem, "approve_closeout")

    assert refused(outcome, 409, "invalid_transition")
    assert snapshot(problem) == before
