"""GET /api/v1/problems/{id}/requests/ and GET /api/v1/reviews/pending/."""

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from issues.models import Role
from issues.services.workflow import perform_action
from tests.api.conftest import assert_error
from tests.conftest import make_user


def extension(cast, problem, actor=None):
    return perform_action(
        problem_id=problem.pk,
        action="request_extension",
        actor=actor or cast.admin_a,
        data={"kind": "extend", "requested_due_date": "2026-09-30", "reason": "资金未到位"},
    )


def pending(api, user):
    r = api(user).get("/api/v1/reviews/pending/")
    assert r.status_code == 200, r.json()
    return [(row["request_type"], row["problem"], row["step_kind"]) for row in r.json()["results"]]


# --- a problem's requests ----------------------------------------------------------------


def test_it_lists_requests_newest_first_with_their_steps(cast, api, make_problem):
    problem = make_problem("closeout_review")
    perform_action(
        problem_id=problem.pk, action="reject_closeout", actor=cast.head_a,
        data={"comment": "佐证不足", "new_due_date": "2026-07-31"},
    )  # fmt: skip
    extension(cast, problem)
    r = api(cast.viewer_a).get(f"/api/v1/problems/{problem.pk}/requests/")
    assert r.status_code == 200
    ext, closeout = r.json()["results"]
    assert ext == {
        "id": ext["id"],
        "request_type": "extension",
        "status": "pending",
        "applicant": cast.admin_a.pk,
        "created_at": "2026-03-02T10:00:00+08:00",
        "steps": [
            {
                "step_kind": "unit_head",
                "decision": None,
                "reviewer": None,
                "opinion": "",
                "decided_at": None,
            },
            {
                "step_kind": "office",
                "decision": None,
                "reviewer": None,
                "opinion": "",
                "decided_at": None,
            },
        ],
        "kind": "extend",
        "requested_due_date": "2026-09-30",
        "reason": "资金未到位",
        "stage_goal": "",
        "next_review_date": None,
        "original_due_date": "2026-07-31",
    }
    assert closeout["request_type"] == "closeout"
    assert closeout["status"] == "rejected"
    assert (closeout["summary"], closeout["rework_requirement"]) == ("已整改完成", "佐证不足")
    assert closeout["new_due_date"] == "2026-07-31"
    assert set(closeout["self_check"]) == {"measures_done", "effective", "generalized", "mechanism"}
    assert "kind" not in closeout and "summary" not in ext
    assert closeout["steps"][0]["decision"] == "reject"
    assert closeout["steps"][0]["reviewer"] == cast.head_a.pk
    assert closeout["steps"][0]["opinion"] == "佐证不足"


def test_it_hides_requests_outside_scope(cast, api, make_problem):
    problem = make_problem("closeout_review")
    assert_error(
        api(cast.outsider).get(f"/api/v1/problems/{problem.pk}/requests/"), 404, "not_found"
    )


# --- the review inbox --------------------------------------------------------------------


def test_it_shows_each_reviewer_the_step_they_may_decide_now(cast, api, make_problem):
    problem = make_problem(
        "closeout_review", batch=cast.reviewed_batch, responsible_leader=cast.leader
    )
    assert pending(api, cast.head_a) == [("closeout", problem.pk, "unit_head")]
    # The office and the leader wait for the unit head: steps are decided in order.
    assert pending(api, cast.rev) == []
    assert pending(api, cast.leader) == []
    perform_action(problem_id=problem.pk, action="approve_closeout", actor=cast.head_a)
    assert pending(api, cast.head_a) == []
    assert pending(api, cast.rev) == [("closeout", problem.pk, "office")]
    assert pending(api, cast.oa) == [("closeout", problem.pk, "office")]
    perform_action(problem_id=problem.pk, action="approve_closeout", actor=cast.rev)
    assert pending(api, cast.leader) == [("closeout", problem.pk, "leader")]
    assert pending(api, cast.rev) == []


def test_it_leaves_out_other_units_and_outsiders(cast, api, make_problem):
    make_problem("closeout_review")
    extension(cast, make_problem("in_progress", lead_unit=cast.unit_b), actor=cast.admin_b)
    assert [kind for kind, _, _ in pending(api, cast.head_a)] == ["closeout"]
    assert [kind for kind, _, _ in pending(api, cast.head_b)] == ["extension"]
    assert pending(api, cast.outsider) == []
    assert pending(api, cast.admin_a) == []
    assert pending(api, cast.viewer_a) == []


def test_it_applies_separation_of_duties(cast, api, make_problem):
    # One person who is both unit head of 教育局 and a county office reviewer.
    dual = make_user("dual", unit=cast.unit_a, role=Role.UNIT_HEAD)
    dual.memberships.create(unit=cast.county, role=Role.OFFICE_REVIEWER)
    problem = make_problem("in_progress")
    extension(cast, problem)
    assert pending(api, dual) == [("extension", problem.pk, "unit_head")]
    perform_action(problem_id=problem.pk, action="approve_extension", actor=dual)
    # The office step is now due, but dual decided the first step of this request.
    assert pending(api, dual) == []
    assert pending(api, cast.rev) == [("extension", problem.pk, "office")]


def test_it_never_offers_the_applicant_their_own_request(cast, api, make_problem):
    problem = make_problem("in_progress")
    extension(cast, problem, actor=cast.oa)  # an office admin files for the unit
    perform_action(problem_id=problem.pk, action="approve_extension", actor=cast.head_a)
    assert pending(api, cast.oa) == []
    assert pending(api, cast.rev) == [("extension", problem.pk, "office")]


def test_it_builds_the_inbox_in_bounded_queries(cast, api, make_problem):
    for _ in range(2):
        make_problem("closeout_review")
    counts = []
    for _ in range(2):
        user = get_user_model().objects.get(pk=cast.head_a.pk)
        with CaptureQueriesContext(connection) as ctx:
            r = api(user).get("/api/v1/reviews/pending/")
        counts.append(len(ctx.captured_queries))
        assert r.status_code == 200
        make_problem("closeout_review")
        make_problem("closeout_review")
    assert counts[0] == counts[1] <= 4, counts
