"""`allowed_actions` agrees with what `perform_action` actually lets a user do."""

import pytest

from issues.services.workflow import allowed_actions

from .workflow_cases import (
    ACTION_NAMES,
    SPEC_SOURCES,
    VALID,
    act_service,
    finish_measures_and_upload,
    make_situation,
    refused,
    snapshot,
    would_succeed,
)

SITUATIONS = [
    "draft",
    "draft_reviewed",
    "list_review",
    "assigned",
    "in_progress_ready",
    "long_term_ready",
    "closeout_unit_head_step",
    "closeout_office_step",
    "closeout_leader_step",
    "closeout_from_long_term",
    "extension_extend_head",
    "extension_extend_office",
    "extension_extend_head_assigned",
    "extension_longterm_office",
    "closed",
    "routine",
    "withdrawn",
]
USERS = (
    "root oa oa_a rev rev_b leader leader2 dual admin_a admin_a2 head_a head_a2 staff_a viewer_a "
    "admin_b head_b staff_b outsider admin_school head_school"
).split()


@pytest.mark.parametrize("situation", SITUATIONS)
def test_it_lists_exactly_the_actions_that_would_succeed(people, make_problem, situation):
    problem = make_situation(people, make_problem, situation, cooperating_units=[people.unit_b])
    problem.refresh_from_db()
    if problem.status in ("in_progress", "long_term") and not situation.endswith("_ready"):
        # request_closeout's input (done measures, evidence) is tested on its own below
        finish_measures_and_upload(people, problem)
    before = snapshot(problem)

    # Actions the table refuses from this state are refused to everyone (the matrix shows
    # it): only the others need trying.
    candidates = [a for a in ACTION_NAMES if problem.status in SPEC_SOURCES[a]]
    listed, succeeded = {}, {}
    for name in USERS:
        user = getattr(people, name)
        problem.refresh_from_db()
        problem.pending_requests = None
        listed[name] = sorted(allowed_actions(problem, user))
        succeeded[name] = sorted(
            a for a in candidates if would_succeed(user, problem, a, VALID[a]).status == 200
        )

    assert listed == succeeded
    assert snapshot(problem) == before  # every trial was rolled back
    assert any(succeeded.values()) or situation in ("routine", "withdrawn")


def test_it_lists_actions_whose_input_is_still_missing(people, make_problem):
    # allowed_actions answers for state and person; the "required input" column of §3 (done
    # measures, evidence) is reported by the action itself as 400 with the fields to fix.
    problem = make_problem("in_progress")

    assert "request_closeout" in allowed_actions(problem, people.admin_a)
    outcome = act_service(people.admin_a, problem, "request_closeout", VALID["request_closeout"])
    assert refused(outcome, 400, "validation_error")
    assert {"measures", "evidence"} <= set(outcome.errors)
