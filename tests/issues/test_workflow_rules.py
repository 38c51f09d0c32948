"""The rules of SPEC §3 beyond the matrix: review chains, separation of duties, the effects
of each action on the problem and its requests, terminal states, extension deadlines, and
`allowed_actions` agreeing with what `perform_action` actually lets a user do."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from issues.models import ReviewRequest, SupervisionAction
from issues.services.problems import problem_create
from issues.services.workflow import allowed_actions

from .workflow_cases import (
    ACTION_NAMES,
    LATER,
    REOPEN_DUE,
    SPEC_SOURCES,
    VALID,
    act_service,
    finish_measures_and_upload,
    make_situation,
    new_entries,
    run,
    snapshot,
    would_succeed,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def refused(outcome, status, code):
    return (outcome.status, outcome.code) == (status, code)


def closeout_request(problem):
    return ReviewRequest.objects.filter(problem=problem, request_type="closeout").latest("pk")


def extension_request(problem):
    return ReviewRequest.objects.filter(problem=problem, request_type="extension").latest("pk")


def decisions(request):
    return [(s.step_kind, s.decision, s.reviewer_id) for s in request.steps.order_by("position")]


# --- review chains ----------------------------------------------------------------------------


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


# --- separation of duties ---------------------------------------------------------------------


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


# --- withdrawing a close-out request ----------------------------------------------------------


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


# --- effects of the decisions -----------------------------------------------------------------


def test_it_closes_at_the_last_step_recording_who_and_when(people, make_problem, _today):
    problem = make_situation(people, make_problem, "closeout_office_step")

    run(people.rev, problem, "approve_closeout")

    problem.refresh_from_db()
    assert (problem.status, problem.closed_by_id) == ("closed", people.rev.pk)
    assert problem.closed_at == dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
    request = closeout_request(problem)
    assert request.status == "approved"
    assert request.decided_at == problem.closed_at


def test_it_rejects_a_close_out_with_rework_and_a_new_due_date(people, make_problem):
    problem = make_situation(people, make_problem, "closeout_office_step")
    before = snapshot(problem)

    run(
        people.rev, problem, "reject_closeout", {"comment": "补充整改后照片", "new_due_date": LATER}
    )

    problem.refresh_from_db()
    assert (problem.status, problem.rework_count) == ("in_progress", 1)
    assert (problem.due_date, problem.original_due_date) == (
        dt.date(2026, 9, 30),
        dt.date(2026, 6, 30),
    )
    request = closeout_request(problem)
    assert (request.status, request.rework_requirement, request.new_due_date) == (
        "rejected",
        "补充整改后照片",
        dt.date(2026, 9, 30),
    )
    assert decisions(request)[1] == ("office", "reject", people.rev.pk)
    (entry,) = new_entries(before)
    assert entry.changes["due_date"] == ["2026-06-30", "2026-09-30"]
    assert entry.changes["rework_count"] == [0, 1]


def test_it_rejects_a_close_out_keeping_the_due_date_when_none_is_given(people, make_problem):
    problem = make_problem("closeout_review")

    run(people.head_a, problem, "reject_closeout", {"comment": "措施未落实"})

    problem.refresh_from_db()
    assert (problem.status, problem.rework_count, problem.due_date) == (
        "in_progress",
        1,
        dt.date(2026, 6, 30),
    )
    assert closeout_request(problem).rework_requirement == "措施未落实"


def test_it_counts_every_rework(people, make_problem):
    problem = make_problem("closeout_review")
    run(people.head_a, problem, "reject_closeout")
    run(people.admin_a, problem, "request_closeout")
    run(people.head_a, problem, "approve_closeout")
    run(people.rev, problem, "reject_closeout")

    problem.refresh_from_db()
    assert (problem.status, problem.rework_count) == ("in_progress", 2)


def test_it_extends_the_due_date_only_at_the_last_step_keeping_the_original(people, make_problem):
    problem = make_problem("in_progress")
    run(people.admin_a, problem, "request_extension")
    request = extension_request(problem)
    assert (request.kind, request.original_due_date, request.requested_due_date) == (
        "extend",
        dt.date(2026, 6, 30),
        dt.date(2026, 9, 30),
    )

    run(people.head_a, problem, "approve_extension")
    problem.refresh_from_db()
    assert problem.due_date == dt.date(2026, 6, 30)

    run(people.rev, problem, "approve_extension")
    problem.refresh_from_db()
    assert (problem.status, problem.due_date, problem.original_due_date) == (
        "in_progress",
        dt.date(2026, 9, 30),
        dt.date(2026, 6, 30),
    )
    assert extension_request(problem).status == "approved"


def test_it_keeps_the_first_original_due_date_through_two_extensions(people, make_problem):
    problem = make_problem("in_progress")
    for requested in (LATER, "2026-11-30"):
        run(
            people.admin_a,
            problem,
            "request_extension",
            {**VALID["request_extension"], "requested_due_date": requested},
        )
        run(people.head_a, problem, "approve_extension")
        run(people.rev, problem, "approve_extension")

    problem.refresh_from_db()
    assert (problem.due_date, problem.original_due_date) == (
        dt.date(2026, 11, 30),
        dt.date(2026, 6, 30),
    )


def test_it_turns_an_approved_long_term_request_into_long_term(people, make_problem):
    problem = make_situation(people, make_problem, "extension_longterm_office")
    before = snapshot(problem)

    run(people.rev, problem, "approve_extension")

    problem.refresh_from_db()
    assert (problem.status, problem.rectify_type, problem.next_review_date) == (
        "long_term",
        "long_term",
        dt.date(2026, 12, 31),
    )
    assert [(e.action, e.from_state, e.to_state) for e in new_entries(before)] == [
        ("approve_extension", "in_progress", "long_term")
    ]


def test_it_rejects_an_extension_leaving_the_problem_as_it_was(people, make_problem):
    problem = make_situation(people, make_problem, "extension_extend_office")

    run(people.rev, problem, "reject_extension")

    problem.refresh_from_db()
    assert (problem.status, problem.due_date) == ("in_progress", dt.date(2026, 6, 30))
    assert extension_request(problem).status == "rejected"
    # and a new request may be filed afterwards
    run(people.admin_a, problem, "request_extension")
    assert extension_request(problem).status == "pending"


def test_it_reopens_a_closed_problem_counting_and_urging(people, make_problem):
    problem = make_problem("closed")
    before = snapshot(problem)

    run(people.rev, problem, "reopen", {"comment": "回头看发现反弹", "new_due_date": REOPEN_DUE})

    problem.refresh_from_db()
    assert (problem.status, problem.reopen_count, problem.due_date) == (
        "in_progress",
        1,
        dt.date(2026, 8, 31),
    )
    assert (problem.closed_at, problem.closed_by_id) == (None, None)
    urge = SupervisionAction.objects.get(problem=problem)
    assert (urge.kind, urge.issued_by_id, urge.target_unit_id, urge.content) == (
        "urge",
        people.rev.pk,
        people.unit_a.pk,
        "回头看发现反弹",
    )
    (entry,) = new_entries(before)
    assert (entry.action, entry.from_state, entry.to_state) == ("reopen", "closed", "in_progress")


def test_it_lists_a_problem_when_supervision_is_listed(people, make_problem):
    problem = make_problem("in_progress")

    run(people.rev, problem, "supervise", {"kind": "letter", "content": "请加快"})
    problem.refresh_from_db()
    assert problem.supervision_level == "none"

    run(
        people.rev,
        problem,
        "supervise",
        {"kind": "listed", "content": "挂牌督办", "reply_due_date": "2026-03-20"},
    )
    problem.refresh_from_db()
    assert (problem.status, problem.supervision_level) == ("in_progress", "listed")
    assert list(
        SupervisionAction.objects.filter(problem=problem)
        .order_by("pk")
        .values_list("kind", "reply_due_date")
    ) == [
        ("letter", None),
        ("listed", dt.date(2026, 3, 20)),
    ]


def test_it_withdraws_pending_requests_with_the_problem(people, make_problem):
    problem = make_situation(people, make_problem, "extension_extend_head")

    run(people.oa, problem, "withdraw")

    problem.refresh_from_db()
    assert problem.status == "withdrawn"
    assert extension_request(problem).status == "cancelled"


def test_it_fixes_the_due_date_when_approving_a_list(people, make_problem):
    problem = make_problem("list_review")

    run(people.rev, problem, "approve_list", {"due_date": "2026-05-31"})

    problem.refresh_from_db()
    assert (problem.status, problem.due_date, problem.original_due_date) == (
        "assigned",
        dt.date(2026, 5, 31),
        dt.date(2026, 5, 31),
    )


# --- terminal and closed ----------------------------------------------------------------------


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


# --- extension requests: deadline and uniqueness ----------------------------------------------


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


# --- allowed_actions ------------------------------------------------------------------------

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
