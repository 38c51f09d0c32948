"""POST /api/v1/problems/{id}/actions/{action}/ — the workflow over HTTP."""

from issues.models import Problem
from tests.api.conftest import assert_error


def act(api, user, problem, action, data=None):
    return api(user).post(
        f"/api/v1/problems/{problem.pk}/actions/{action}/", data or {}, format="json"
    )


def test_it_takes_an_action_and_answers_the_fresh_problem(cast, api, make_problem):
    problem = make_problem("assigned")
    r = act(api, cast.admin_a, problem, "acknowledge")
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["id"] == problem.pk
    assert (body["status"], body["light"]) == ("in_progress", "green")
    assert body["allowed_actions"] == ["request_closeout", "request_extension"]
    assert Problem.objects.get(pk=problem.pk).status == "in_progress"


def test_it_walks_a_problem_from_draft_to_closed(cast, api, make_problem):
    problem = make_problem("draft", batch=cast.reviewed_batch, responsible_leader=cast.leader)
    assert act(api, cast.admin_a, problem, "submit").json()["status"] == "list_review"
    r = act(api, cast.rev, problem, "approve_list", {"due_date": "2026-08-31"})
    assert (r.json()["status"], r.json()["due_date"]) == ("assigned", "2026-08-31")
    assert act(api, cast.admin_a, problem, "acknowledge").json()["status"] == "in_progress"

    measure = problem.measures.get()
    r = api(cast.staff_a).patch(
        f"/api/v1/measures/{measure.pk}/", {"status": "done"}, format="json"
    )
    assert r.status_code == 200, r.json()
    upload = api(cast.staff_a).post(
        f"/api/v1/problems/{problem.pk}/evidence/",
        {"file": pdf_file("纪要.pdf"), "kind": "minutes"},
        format="multipart",
    )
    assert upload.status_code == 201, upload.json()

    r = act(
        api,
        cast.admin_a,
        problem,
        "request_closeout",
        {
            "summary": "已完成",
            "self_check": {"measures_done": True},
            "evidence": [upload.json()["id"]],
        },
    )
    assert r.json()["status"] == "closeout_review"
    assert r.json()["allowed_actions"] == ["withdraw_closeout"]
    for reviewer in (cast.head_a, cast.rev):
        r = act(api, reviewer, problem, "approve_closeout", {"comment": "同意"})
        assert r.json()["status"] == "closeout_review"
    r = act(api, cast.leader, problem, "approve_closeout")
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["light"]) == ("closed", "blue")
    assert r.json()["closed_at"] == "2026-03-02T10:00:00+08:00"


def test_it_answers_404_for_an_unknown_action(cast, api, make_problem):
    problem = make_problem("assigned")
    assert_error(act(api, cast.oa, problem, "teleport"), 404, "not_found")


def test_it_answers_404_outside_scope(cast, api, make_problem):
    problem = make_problem("assigned")
    assert_error(act(api, cast.outsider, problem, "acknowledge"), 404, "not_found")
    assert_error(act(api, cast.admin_b, problem, "acknowledge"), 404, "not_found")
    assert Problem.objects.get(pk=problem.pk).status == "assigned"


def test_it_answers_409_from_the_wrong_state(cast, api, make_problem):
    problem = make_problem("in_progress")
    assert_error(act(api, cast.admin_a, problem, "acknowledge"), 409, "invalid_transition")
    closed = make_problem("closed")
    r = act(api, cast.oa, closed, "withdraw", {"comment": "x"})
    assert_error(r, 409, "invalid_transition")


def test_it_answers_403_to_the_wrong_person(cast, api, make_problem):
    problem = make_problem("assigned")
    assert_error(act(api, cast.staff_a, problem, "acknowledge"), 403, "permission_denied")
    assert_error(act(api, cast.viewer_a, problem, "acknowledge"), 403, "permission_denied")
    assert Problem.objects.get(pk=problem.pk).status == "assigned"


def test_it_answers_400_with_field_errors_for_bad_input(cast, api, make_problem):
    problem = make_problem("in_progress")
    r = act(api, cast.oa, problem, "withdraw")
    assert_error(r, 400, "validation_error", "comment")
    r = act(api, cast.admin_a, problem, "request_extension", {"kind": "extend", "reason": "x"})
    assert_error(r, 400, "validation_error", "requested_due_date")
    r = act(api, cast.oa, problem, "supervise", {"kind": "remind", "content": "x"})
    assert_error(r, 400, "validation_error", "kind")
    assert Problem.objects.get(pk=problem.pk).status == "in_progress"


def test_it_refuses_closeout_without_evidence(cast, api, make_problem):
    problem = make_problem("in_progress")
    r = act(api, cast.admin_a, problem, "request_closeout", {"summary": "已完成"})
    assert_error(r, 400, "validation_error", "measures", "evidence")


def test_it_supervises_with_a_listing(cast, api, make_problem):
    problem = make_problem("in_progress")
    r = act(api, cast.rev, problem, "supervise", {"kind": "listed", "content": "挂牌督办"})
    assert r.status_code == 200
    assert r.json()["supervision_level"] == "listed"


def test_it_extends_a_due_date_through_its_chain(cast, api, make_problem):
    problem = make_problem("in_progress")
    r = act(
        api,
        cast.admin_a,
        problem,
        "request_extension",
        {"kind": "extend", "requested_due_date": "2026-09-30", "reason": "资金未到位"},
    )
    assert r.status_code == 200
    assert "request_extension" not in r.json()["allowed_actions"]
    act(api, cast.head_a, problem, "approve_extension")
    body = act(api, cast.rev, problem, "approve_extension").json()
    assert (body["due_date"], body["original_due_date"]) == ("2026-09-30", "2026-06-30")


def pdf_file(name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, b"%PDF-1.4 evidence", content_type="application/pdf")
