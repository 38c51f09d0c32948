"""Terminal and closed problems (SPEC §3): no action on a terminal problem, only reopen on a
closed one."""

import pytest

from issues.services.workflow import allowed_actions

from .workflow_cases import (
    ACTION_NAMES,
    VALID,
    act_service,
    snapshot,
)


@pytest.mark.parametrize("state", ["routine", "withdrawn"])
def test_it_accepts_no_action_on_a_terminal_problem(people, make_problem, state):
    problem = make_problem(state)
    before = snapshot(problem)

    outcomes = {a: act_service(people.root, problem, a, VALID[a]) for a in ACTION_NAMES}

    assert {a: (o.status, o.code) for a, o in outcomes.items()} == {
        a: (409, "invalid_transition") for a in ACTION_NAMES
    }
    assert snapshot(problem) == before
    assert allowed_actions(problem, people.root) == []


def test_it_accepts_only_reopen_on_a_closed_problem(people, make_problem):
    problem = make_problem("closed")
    before = snapshot(problem)
    others = [a for a in ACTION_NAMES if a != "reopen"]

    outcomes = {a: act_service(people.root, problem, a, VALID[a]) for a in others}

    assert {a: (o.status, o.code) for a, o in outcomes.items()} == {
        a: (409, "invalid_transition") for a in others
    }
    assert snapshot(problem) == before
    assert allowed_actions(problem, people.root) == ["reopen"]
