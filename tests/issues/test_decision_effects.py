"""What each decision does to the problem and its requests (SPEC §3): close-out, rework,
extensions, long-term, reopening, listing, withdrawal, the due date fixed on approval."""

import datetime as dt

from issues.models import SupervisionAction

from .workflow_cases import (
    LATER,
    REOPEN_DUE,
    SHANGHAI,
    VALID,
    closeout_request,
    decisions,
    extension_request,
    make_situation,
    new_entries,
    run,
    snapshot,
)


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
