import pytest


@pytest.mark.parametrize(
    "state",
    [
        "draft",
        "list_review",
        "assigned",
        "in_progress",
        "closeout_review",
        "closed",
        "long_term",
        "routine",
        "withdrawn",
    ],
)
def test_it_reaches_every_state_through_the_workflow(make_problem, state):
    problem = make_problem(state)
    problem.refresh_from_db()
    assert problem.status == state
