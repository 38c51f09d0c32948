"""Every action of SPEC §3 against every role and every state, through `act`: the HTTP
endpoint POST /api/v1/problems/{id}/actions/{action}/ of SPEC §9, which runs the service
layer beneath it (perform_action, when the API is not installed).

(a) who may take an action → 200, the state moves as the table says, one ledger entry;
(b) who sees the problem but may not → 403 permission_denied, nothing changed;
    who does not see it → 404 not_found, nothing changed;
(c) from every state the table does not list → 409 invalid_transition, nothing changed;
(d) an unknown action → 404 not_found;
(e) missing or bad input → 400 validation_error naming the field, nothing changed.
"""

import datetime as dt

import pytest

from issues.models import Problem, Status
from issues.services.workflow import allowed_actions

from .workflow_cases import (
    ACTION_NAMES,
    LATER,
    SITUATION_STATE,
    SPEC_SOURCES,
    STATES,
    VALID,
    finish_measures_and_upload,
    make_situation,
    new_entries,
    snapshot,
)

# --- (a) who may ------------------------------------------------------------------------------

ALLOWED = [
    # action, situation, actor, state afterwards
    ("submit", "draft", "admin_a", "assigned"),
    ("submit", "draft", "oa", "assigned"),
    ("submit", "draft", "root", "assigned"),
    ("submit", "draft_reviewed", "admin_a", "list_review"),
    ("submit", "draft_reviewed", "oa", "list_review"),
    ("approve_list", "list_review", "rev", "assigned"),
    ("approve_list", "list_review", "oa", "assigned"),
    ("approve_list", "list_review", "root", "assigned"),
    ("return_list", "list_review", "rev", "draft"),
    ("return_list", "list_review", "oa", "draft"),
    ("assign", "draft", "oa", "assigned"),
    ("assign", "draft", "root", "assigned"),
    ("acknowledge", "assigned", "admin_a", "in_progress"),
    ("acknowledge", "assigned", "admin_a2", "in_progress"),
    ("acknowledge", "assigned", "root", "in_progress"),
    ("request_closeout", "in_progress_ready", "admin_a", "closeout_review"),
    ("request_closeout", "in_progress_ready", "root", "closeout_review"),
    ("request_closeout", "long_term_ready", "admin_a", "closeout_review"),
    ("approve_closeout", "closeout_unit_head_step", "head_a", "closeout_review"),
    ("approve_closeout", "closeout_unit_head_step", "head_a2", "closeout_review"),
    ("approve_closeout", "closeout_unit_head_step", "root", "closeout_review"),
    ("approve_closeout", "closeout_office_step", "rev", "closed"),
    ("approve_closeout", "closeout_office_step", "oa", "closed"),
    ("approve_closeout", "closeout_office_step", "oa_a", "closed"),
    ("approve_closeout", "closeout_leader_step", "leader", "closed"),
    ("reject_closeout", "closeout_unit_head_step", "head_a", "in_progress"),
    ("reject_closeout", "closeout_office_step", "rev", "in_progress"),
    ("reject_closeout", "closeout_office_step", "oa", "in_progress"),
    ("reject_closeout", "closeout_leader_step", "leader", "in_progress"),
    ("withdraw_closeout", "closeout_unit_head_step", "admin_a", "in_progress"),
    ("withdraw_closeout", "closeout_from_long_term", "admin_a", "long_term"),
    ("request_extension", "in_progress", "admin_a", "in_progress"),
    ("request_extension", "in_progress", "oa", "in_progress"),
    ("request_extension", "in_progress", "root", "in_progress"),
    ("request_extension", "assigned", "admin_a", "assigned"),
    ("approve_extension", "extension_extend_head", "head_a", "in_progress"),
    ("approve_extension", "extension_extend_head_assigned", "head_a", "assigned"),
    ("approve_extension", "extension_extend_office", "rev", "in_progress"),
    ("approve_extension", "extension_extend_office", "oa", "in_progress"),
    ("approve_extension", "extension_longterm_office", "rev", "long_term"),
    ("reject_extension", "extension_extend_head", "head_a", "in_progress"),
    ("reject_extension", "extension_extend_office", "rev", "in_progress"),
    ("reject_extension", "extension_extend_office", "oa", "in_progress"),
    ("to_routine", "in_progress", "oa", "routine"),
    ("to_routine", "long_term", "oa", "routine"),
    ("to_routine", "long_term", "root", "routine"),
    *[("withdraw", s, "oa", "withdrawn") for s in sorted(SPEC_SOURCES["withdraw"])],
    ("withdraw", "in_progress", "root", "withdrawn"),
    ("reopen", "closed", "rev", "in_progress"),
    ("reopen", "closed", "oa", "in_progress"),
    ("reopen", "closed", "root", "in_progress"),
    *[("supervise", s, "rev", s) for s in sorted(SPEC_SOURCES["supervise"])],
    ("supervise", "in_progress", "oa", "in_progress"),
]


@pytest.mark.parametrize("action, situation, actor, expected", ALLOWED)
def test_it_lets_each_allowed_role_take_the_action(
    people, make_problem, act, action, situation, actor, expected
):
    problem = make_situation(people, make_problem, situation)
    before = snapshot(problem)
    user = getattr(people, actor)

    outcome = act(user, problem, action, VALID[action])

    assert (outcome.status, outcome.code) == (200, None), outcome
    problem.refresh_from_db()
    assert problem.status == expected
    if outcome.body is not None:  # HTTP: the action answers with the problem
        assert (outcome.body["id"], outcome.body["status"]) == (problem.pk, expected)
    entries = new_entries(before)
    assert [(e.action, e.from_state, e.to_state, e.actor_id, e.problem_id) for e in entries] == [
        (action, SITUATION_STATE[situation], expected, user.pk, problem.pk)
    ]


# --- (b) who may not --------------------------------------------------------------------------

FORBIDDEN = [
    # action, situation, actors who see the problem (unit_b cooperates) but may not take it
    ("submit", "draft", "staff_a head_a viewer_a rev leader admin_b admin_school"),
    ("approve_list", "list_review", "admin_a head_a staff_a viewer_a leader admin_b"),
    ("return_list", "list_review", "admin_a head_a viewer_a leader"),
    ("assign", "draft", "admin_a rev head_a staff_a viewer_a leader admin_b"),
    ("acknowledge", "assigned", "oa rev head_a staff_a viewer_a leader admin_b"),
    ("request_closeout", "in_progress_ready", "oa rev head_a staff_a viewer_a leader admin_b"),
    # the applicant; office roles before the unit head; someone else's unit head. (Whoever
    # could have decided an earlier step gets 409 instead: see test_separation_of_duties.py.)
    ("approve_closeout", "closeout_unit_head_step", "admin_a rev oa leader staff_a head_b"),
    ("approve_closeout", "closeout_office_step", "admin_a leader viewer_a head_b rev_b"),
    ("approve_closeout", "closeout_leader_step", "leader2 admin_a staff_a viewer_a head_b"),
    ("reject_closeout", "closeout_unit_head_step", "admin_a rev oa leader viewer_a head_b"),
    ("reject_closeout", "closeout_office_step", "admin_a leader staff_a rev_b"),
    ("reject_closeout", "closeout_leader_step", "leader2 admin_a"),
    ("withdraw_closeout", "closeout_unit_head_step", "admin_a2 oa rev head_a staff_a leader"),
    ("request_extension", "in_progress", "rev head_a staff_a viewer_a leader admin_b"),
    ("approve_extension", "extension_extend_head", "admin_a rev oa leader staff_a head_b"),
    ("approve_extension", "extension_extend_office", "admin_a leader viewer_a rev_b"),
    ("reject_extension", "extension_extend_head", "admin_a rev oa leader head_b"),
    ("reject_extension", "extension_extend_office", "admin_a leader"),
    ("to_routine", "in_progress", "rev admin_a head_a leader viewer_a admin_b"),
    ("withdraw", "in_progress", "rev admin_a head_a leader viewer_a admin_b"),
    ("withdraw", "draft", "admin_a rev"),
    ("reopen", "closed", "admin_a head_a staff_a viewer_a leader admin_b"),
    ("supervise", "in_progress", "admin_a head_a staff_a viewer_a leader admin_b"),
]


@pytest.mark.parametrize(
    "action, situation, actors", FORBIDDEN, ids=[f"{a}-{s}" for a, s, _ in FORBIDDEN]
)
def test_it_refuses_a_role_that_may_not_take_the_action(
    people, make_problem, act, action, situation, actors
):
    problem = make_situation(
        people, make_problem, situation, cooperating_units=[people.unit_b, people.school_a]
    )
    before = snapshot(problem)

    # A refused action changes nothing, so every actor can try the same problem in turn.
    outcomes = {}
    for actor in actors.split():
        outcome = act(getattr(people, actor), problem, action, VALID[action])
        outcomes[actor] = (outcome.status, outcome.code)
        assert snapshot(problem) == before, actor

    assert outcomes == {actor: (403, "permission_denied") for actor in actors.split()}


def test_it_covers_every_action_in_both_matrices():
    assert {a for a, *_ in ALLOWED} == set(ACTION_NAMES)
    assert {a for a, *_ in FORBIDDEN} == set(ACTION_NAMES)


OUTSIDE_SITUATION = {
    "submit": "draft",
    "approve_list": "list_review",
    "return_list": "list_review",
    "assign": "draft",
    "acknowledge": "assigned",
    "request_closeout": "in_progress_ready",
    "approve_closeout": "closeout_unit_head_step",
    "reject_closeout": "closeout_unit_head_step",
    "withdraw_closeout": "closeout_unit_head_step",
    "request_extension": "in_progress",
    "approve_extension": "extension_extend_head",
    "reject_extension": "extension_extend_head",
    "to_routine": "in_progress",
    "withdraw": "in_progress",
    "reopen": "closed",
    "supervise": "in_progress",
}


INVISIBLE_TO = ("outsider", "admin_b", "head_b", "rev_b", "head_school", "admin_school")


@pytest.mark.parametrize("action", ACTION_NAMES)
def test_it_answers_not_found_to_whom_the_problem_is_invisible(people, make_problem, act, action):
    problem = make_situation(people, make_problem, OUTSIDE_SITUATION[action])
    before = snapshot(problem)

    outcomes = {}
    for actor in INVISIBLE_TO:
        outcome = act(getattr(people, actor), problem, action, VALID[action])
        outcomes[actor] = (outcome.status, outcome.code)
        assert snapshot(problem) == before, actor

    assert outcomes == {actor: (404, "not_found") for actor in INVISIBLE_TO}


# --- (c) from a state the table does not list -------------------------------------------------

# For each action, an actor who may take it when the state allows.
ELIGIBLE = {
    "submit": "oa",
    "approve_list": "rev",
    "return_list": "rev",
    "assign": "oa",
    "acknowledge": "admin_a",
    "request_closeout": "admin_a",
    "approve_closeout": "root",
    "reject_closeout": "rev",
    "withdraw_closeout": "admin_a",
    "request_extension": "admin_a",
    "approve_extension": "root",
    "reject_extension": "rev",
    "to_routine": "oa",
    "withdraw": "oa",
    "reopen": "rev",
    "supervise": "rev",
}


@pytest.mark.parametrize("state", STATES)
def test_it_refuses_every_action_from_a_state_the_table_does_not_list(
    people, make_problem, act, state
):
    problem = make_problem(state)
    if state in ("in_progress", "long_term"):
        # so that request_closeout's preconditions are not what refuses anything here
        finish_measures_and_upload(people, problem)
    before = snapshot(problem)
    wrong = [action for action in ACTION_NAMES if state not in SPEC_SOURCES[action]]

    outcomes = {}
    for action in wrong:
        outcome = act(getattr(people, ELIGIBLE[action]), problem, action, VALID[action])
        outcomes[action] = (outcome.status, outcome.code)
        assert snapshot(problem) == before, action

    assert outcomes == {action: (409, "invalid_transition") for action in wrong}


@pytest.mark.parametrize("action", ["approve_extension", "reject_extension"])
@pytest.mark.parametrize("state", ["assigned", "in_progress"])
def test_it_refuses_to_decide_an_extension_nobody_requested(
    people, make_problem, act, action, state
):
    problem = make_problem(state)
    before = snapshot(problem)

    outcome = act(people.rev, problem, action, VALID[action])

    assert (outcome.status, outcome.code) == (409, "invalid_transition"), outcome
    assert snapshot(problem) == before


def test_it_knows_the_nine_states_of_the_spec():
    assert set(STATES) == set(Status.values)


# --- (d) unknown action -----------------------------------------------------------------------


@pytest.mark.parametrize("action", ["close", "delete", "APPROVE_LIST", "submit_"])
def test_it_answers_not_found_for_an_unknown_action(people, make_problem, act, action):
    problem = make_problem("draft")
    before = snapshot(problem)

    outcome = act(people.root, problem, action, {"comment": "x"})

    assert (outcome.status, outcome.code) == (404, "not_found"), outcome
    assert snapshot(problem) == before


def test_it_answers_not_found_for_a_problem_that_does_not_exist(people, act):
    outcome = act(people.root, 987654, "submit", {})
    assert (outcome.status, outcome.code) == (404, "not_found"), outcome


# --- (e) missing or bad input -----------------------------------------------------------------

BAD_INPUT = [
    # action, situation, actor, body, fields named in errors
    ("return_list", "list_review", "rev", {}, {"comment"}),
    ("return_list", "list_review", "rev", {"comment": ""}, {"comment"}),
    ("reject_closeout", "closeout_unit_head_step", "head_a", {}, {"comment"}),
    ("reject_closeout", "closeout_office_step", "rev", {"new_due_date": LATER}, {"comment"}),
    (
        "reject_closeout",
        "closeout_office_step",
        "rev",
        {"comment": "x", "new_due_date": "soon"},
        {"new_due_date"},
    ),
    ("reject_extension", "extension_extend_head", "head_a", {}, {"comment"}),
    ("to_routine", "in_progress", "oa", {}, {"comment"}),
    ("withdraw", "in_progress", "oa", {}, {"comment"}),
    ("reopen", "closed", "rev", {"comment": "反弹"}, {"new_due_date"}),
    ("reopen", "closed", "rev", {"new_due_date": LATER}, {"comment"}),
    ("reopen", "closed", "rev", {}, {"comment", "new_due_date"}),
    (
        "request_extension",
        "in_progress",
        "admin_a",
        {"kind": "extend", "reason": "r"},
        {"requested_due_date"},
    ),
    (
        "request_extension",
        "in_progress",
        "admin_a",
        {"kind": "long_term", "reason": "r"},
        {"stage_goal", "next_review_date"},
    ),
    (
        "request_extension",
        "in_progress",
        "admin_a",
        {"requested_due_date": LATER},
        {"kind", "reason"},
    ),
    (
        "request_extension",
        "in_progress",
        "admin_a",
        {"kind": "sideways", "reason": "r", "requested_due_date": LATER},
        {"kind"},
    ),
    # not later than the current due date (2026-06-30)
    (
        "request_extension",
        "in_progress",
        "admin_a",
        {"kind": "extend", "reason": "r", "requested_due_date": "2026-06-30"},
        {"requested_due_date"},
    ),
    ("supervise", "in_progress", "rev", {"kind": "letter"}, {"content"}),
    ("supervise", "in_progress", "rev", {"content": "快"}, {"kind"}),
    # `remind` is the system's own reminder, not a kind an office issues
    ("supervise", "in_progress", "rev", {"kind": "remind", "content": "快"}, {"kind"}),
    ("request_closeout", "in_progress_ready", "admin_a", {}, {"summary"}),
    ("request_closeout", "in_progress", "admin_a", {"summary": "完成"}, {"measures", "evidence"}),
    (
        "request_closeout",
        "in_progress_ready",
        "admin_a",
        {"summary": "完成", "evidence": [987654]},
        {"evidence"},
    ),
    ("approve_list", "list_review", "rev", {"due_date": "next week"}, {"due_date"}),
]


@pytest.mark.parametrize("action, situation, actor, body, fields", BAD_INPUT)
def test_it_refuses_missing_or_bad_input_naming_the_field(
    people, make_problem, act, action, situation, actor, body, fields
):
    problem = make_situation(people, make_problem, situation)
    before = snapshot(problem)

    outcome = act(getattr(people, actor), problem, action, body)

    assert (outcome.status, outcome.code) == (400, "validation_error"), outcome
    assert fields <= set(outcome.errors), outcome.errors
    assert all(outcome.errors[f] for f in fields)
    assert snapshot(problem) == before


def test_it_refuses_to_acknowledge_a_problem_without_measures(people, make_problem, act):
    problem = make_problem("assigned", measures=[])
    before = snapshot(problem)

    outcome = act(people.admin_a, problem, "acknowledge", {})

    assert (outcome.status, outcome.code) == (400, "validation_error")
    assert "measures" in outcome.errors
    assert snapshot(problem) == before


@pytest.mark.parametrize("missing", ["title", "description"])
def test_it_refuses_to_submit_an_incomplete_problem(people, make_problem, act, missing):
    problem = make_problem("draft", **{missing: ""})
    before = snapshot(problem)

    outcome = act(people.admin_a, problem, "submit", {})

    assert (outcome.status, outcome.code) == (400, "validation_error")
    assert missing in outcome.errors
    assert snapshot(problem) == before


def test_it_refuses_an_extension_beyond_the_batch_limit(people, make_problem, act):
    people.batch.max_extension_days = 30
    people.batch.save()
    problem = make_problem("in_progress", due_date=dt.date(2026, 6, 30))
    before = snapshot(problem)

    too_far = act(
        people.admin_a,
        problem,
        "request_extension",
        {"kind": "extend", "reason": "r", "requested_due_date": "2026-07-31"},
    )

    assert (too_far.status, too_far.code) == (400, "validation_error")
    assert "requested_due_date" in too_far.errors
    assert snapshot(problem) == before
    within = act(
        people.admin_a,
        problem,
        "request_extension",
        {"kind": "extend", "reason": "r", "requested_due_date": "2026-07-30"},
    )
    assert within.status == 200


# --- what the problem page offers -------------------------------------------------------------


@pytest.mark.parametrize(
    "situation", ["draft", "list_review", "closeout_office_step", "extension_extend_head", "closed"]
)
def test_it_offers_over_http_exactly_what_the_workflow_allows(
    people, make_problem, client_as, situation
):
    problem = make_situation(people, make_problem, situation, cooperating_units=[people.unit_b])

    offered, expected = {}, {}
    for name in (
        "root",
        "oa",
        "rev",
        "leader",
        "admin_a",
        "head_a",
        "head_a2",
        "viewer_a",
        "admin_b",
    ):
        user = getattr(people, name)
        response = client_as(user).get(f"/api/v1/problems/{problem.pk}/")
        assert response.status_code == 200, name
        offered[name] = sorted(response.json()["allowed_actions"])
        expected[name] = sorted(allowed_actions(Problem.objects.get(pk=problem.pk), user))

    assert offered == expected
    assert any(offered.values())
