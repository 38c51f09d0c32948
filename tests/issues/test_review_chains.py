"""Review chains (SPEC §3): the batch's chain of steps, decided strictly in order, each step
by the role it names."""

from issues.services.problems import problem_create

from .workflow_cases import (
    VALID,
    act_service,
    closeout_request,
    decisions,
    finish_measures_and_upload,
    make_situation,
    new_entries,
    refused,
    run,
    snapshot,
)


def test_it_creates_the_close_out_request_with_the_batch_chain(people, make_problem):
    problem = make_problem(
        "in_progress", batch=people.reviewed_batch, responsible_leader=people.leader
    )
    finish_measures_and_upload(people, problem)

    run(people.admin_a, problem, "request_closeout")

    request = closeout_request(problem)
    assert (request.status, request.applicant_id, request.summary) == (
        "pending",
        people.admin_a.pk,
        VALID["request_closeout"]["summary"],
    )
    assert request.self_check == {
        "measures_done": True,
        "effective": False,
        "generalized": False,
        "mechanism": False,
    }
    assert decisions(request) == [
        ("unit_head", "", None),
        ("office", "", None),
        ("leader", "", None),
    ]


def test_it_attaches_the_chosen_evidence_to_the_close_out_request(people, make_problem):
    problem = make_problem("in_progress")
    finish_measures_and_upload(people, problem)
    evidence = problem.evidence.get()

    run(people.admin_a, problem, "request_closeout", {"summary": "完成", "evidence": [evidence.pk]})

    assert list(closeout_request(problem).evidence.all()) == [evidence]


def test_it_decides_the_steps_strictly_in_order(people, make_problem):
    problem = make_problem(
        "closeout_review", batch=people.reviewed_batch, responsible_leader=people.leader
    )
    before = snapshot(problem)

    # The office and the leader may not go first, nor the leader second.
    assert refused(act_service(people.rev, problem, "approve_closeout"), 403, "permission_denied")
    assert refused(
        act_service(people.leader, problem, "approve_closeout"), 403, "permission_denied"
    )
    assert snapshot(problem) == before
    run(people.head_a, problem, "approve_closeout")
    assert refused(
        act_service(people.leader, problem, "approve_closeout"), 403, "permission_denied"
    )
    run(people.rev, problem, "approve_closeout")
    problem.refresh_from_db()
    assert problem.status == "closeout_review"
    run(people.leader, problem, "approve_closeout")

    problem.refresh_from_db()
    assert problem.status == "closed"
    assert decisions(closeout_request(problem)) == [
        ("unit_head", "approve", people.head_a.pk),
        ("office", "approve", people.rev.pk),
        ("leader", "approve", people.leader.pk),
    ]
    assert [(e.action, e.to_state) for e in new_entries(before)] == [
        ("approve_closeout", "closeout_review"),
        ("approve_closeout", "closeout_review"),
        ("approve_closeout", "closed"),
    ]


def test_it_lets_only_a_unit_head_of_the_lead_unit_decide_the_unit_head_step(people):
    # Led by 实验小学: 教育局's head sees it (parent unit) but is not its unit head.
    problem = problem_create(
        actor=people.oa,
        batch=people.batch,
        lead_unit=people.school_a,
        title="校舍维修",
        description="d",
        source="audit",
        measures=[{"content": "m", "unit": people.school_a}],
    )
    run(people.oa, problem, "assign")
    run(people.admin_school, problem, "acknowledge")
    finish_measures_and_upload(people, problem, actor=people.admin_school)
    run(people.admin_school, problem, "request_closeout")
    before = snapshot(problem)

    for user in (people.head_a, people.oa, people.rev, people.admin_a):
        assert refused(act_service(user, problem, "approve_closeout"), 403, "permission_denied"), (
            user
        )
    assert snapshot(problem) == before

    run(people.head_school, problem, "approve_closeout")
    assert decisions(closeout_request(problem))[0] == (
        "unit_head",
        "approve",
        people.head_school.pk,
    )


def test_it_lets_only_office_roles_whose_scope_holds_the_lead_unit_decide_the_office_step(
    people, make_problem
):
    problem = make_situation(
        people, make_problem, "closeout_office_step", cooperating_units=[people.unit_b]
    )
    before = snapshot(problem)

    # rev_b is an office reviewer, but of 卫健局: 教育局 is outside that scope.
    assert refused(act_service(people.rev_b, problem, "approve_closeout"), 403, "permission_denied")
    assert refused(
        act_service(people.leader, problem, "approve_closeout"), 403, "permission_denied"
    )
    assert snapshot(problem) == before

    # oa_a is an office admin of 教育局 itself: in scope.
    run(people.oa_a, problem, "approve_closeout")
    problem.refresh_from_db()
    assert (problem.status, problem.closed_by_id) == ("closed", people.oa_a.pk)


def test_it_lets_only_the_responsible_leader_decide_the_leader_step(people, make_problem):
    problem = make_situation(
        people, make_problem, "closeout_leader_step", responsible_leader=people.leader2
    )
    before = snapshot(problem)

    # The county's other leader may not; office and unit heads had their steps already.
    assert refused(
        act_service(people.leader, problem, "approve_closeout"), 403, "permission_denied"
    )
    for user in (people.oa, people.head_a2):
        assert act_service(user, problem, "approve_closeout").status in (403, 409), user
    assert snapshot(problem) == before

    run(people.leader2, problem, "approve_closeout")
    problem.refresh_from_db()
    assert problem.status == "closed"


def test_it_refuses_a_leader_chain_when_nobody_is_the_responsible_leader(people, make_problem):
    problem = make_problem("in_progress", batch=people.reviewed_batch)
    finish_measures_and_upload(people, problem)
    before = snapshot(problem)

    outcome = act_service(people.admin_a, problem, "request_closeout", VALID["request_closeout"])

    assert refused(outcome, 400, "validation_error")
    assert "responsible_leader" in outcome.errors
    assert snapshot(problem) == before
