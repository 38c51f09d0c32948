"""Bulk actions: choose, confirm, then one outcome per problem — refusals named, never silent."""

import datetime as dt

import pytest

from issues.models import Problem, SupervisionAction
from issues.services.bulk_actions import MAX_BULK, perform_bulk

pytestmark = pytest.mark.django_db


def _status(problem):
    return Problem.objects.values_list("status", flat=True).get(pk=problem.pk)


def _results(client):
    response = client.get("/problems/bulk/results/")
    assert response.status_code == 200
    return response


def test_it_confirms_before_doing_anything_with_the_batch_default_due_date(cast, make_problem, web):
    drafts = [make_problem("draft", due_date=None) for _ in range(2)]
    client = web(cast.oa)
    response = client.post("/problems/bulk/", {"action": "assign", "ids": [p.pk for p in drafts]})
    assert response.status_code == 200
    assert response.context["form"].fields[0].value == "2026-06-30"  # cast.batch's default
    assert [p.bulk_open for p in response.context["rows"]] == [True, True]
    assert all(_status(p) == "draft" for p in drafts)


def test_it_assigns_in_bulk_and_reports_the_refused_row(cast, make_problem, web):
    draft = make_problem("draft")
    already = make_problem("in_progress")
    client = web(cast.oa)
    response = client.post(
        "/problems/bulk/",
        {
            "action": "assign",
            "ids": [draft.pk, already.pk],
            "confirm": "1",
            "due_date": "2026-07-31",
            "next": "/problems/?status=draft",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/problems/bulk/results/"
    assert _status(draft) == "assigned" and _status(already) == "in_progress"
    assert Problem.objects.get(pk=draft.pk).due_date == dt.date(2026, 7, 31)
    results = _results(client)
    assert (results.context["done"], results.context["refused"]) == (1, 1)
    refused = [r for r in results.context["rows"] if not r["ok"]]
    assert [(r["id"], r["code"]) for r in refused] == [(already.pk, "invalid_transition")]
    body = results.content.decode()
    assert "1 个成功" in body and "1 个未执行" in body and "当前状态不允许" in body
    assert "不能执行“交办”" in body
    assert results.context["next"] == "/problems/?status=draft"


def test_it_reports_rows_the_user_may_not_act_on_and_rows_outside_scope(cast, make_problem, web):
    own = make_problem("draft")
    other = make_problem("draft", lead_unit=cast.unit_b)
    client = web(cast.admin_a)
    client.post("/problems/bulk/", {"action": "submit", "ids": [own.pk, other.pk], "confirm": "1"})
    codes = {r["id"]: r["code"] for r in _results(client).context["rows"]}
    assert codes == {own.pk: "", other.pk: "not_found"}  # 卫健局's draft is not in scope
    assert _status(own) == "assigned" and _status(other) == "draft"

    client = web(cast.rev)  # a reviewer sees both but may not submit
    client.post("/problems/bulk/", {"action": "submit", "ids": [other.pk], "confirm": "1"})
    rows = _results(client).context["rows"]
    assert [(r["code"], r["code_label"]) for r in rows] == [("permission_denied", "无权执行")]


def test_it_asks_once_for_missing_input_and_changes_nothing(cast, make_problem, web):
    problems = [make_problem("in_progress") for _ in range(2)]
    client = web(cast.oa)
    response = client.post(
        "/problems/bulk/",
        {"action": "withdraw", "ids": [p.pk for p in problems], "confirm": "1", "comment": ""},
    )
    assert response.status_code == 400
    assert response.context["form"].fields[0].errors
    assert all(_status(p) == "in_progress" for p in problems)


def test_it_withdraws_with_the_comment(cast, make_problem, web):
    problems = [make_problem("in_progress"), make_problem("draft")]
    client = web(cast.oa)
    client.post(
        "/problems/bulk/",
        {"action": "withdraw", "ids": [p.pk for p in problems], "confirm": "1", "comment": "重复"},
    )
    assert _results(client).context["done"] == 2
    assert all(_status(p) == "withdrawn" for p in problems)


def test_it_sends_a_supervision_letter_to_each(cast, make_problem, web):
    late = [make_problem("in_progress", due_date=dt.date(2026, 2, 1)) for _ in range(3)]
    client = web(cast.rev)
    client.post(
        "/problems/bulk/",
        {
            "action": "supervise",
            "ids": [p.pk for p in late],
            "confirm": "1",
            "kind": "letter",
            "content": "请于三日内报送整改情况",
        },
    )
    assert _results(client).context["done"] == 3
    letters = SupervisionAction.objects.filter(kind="letter", content="请于三日内报送整改情况")
    assert sorted(letters.values_list("problem_id", flat=True)) == sorted(p.pk for p in late)


def test_it_approves_the_steps_the_reviewer_may_decide_from_the_inbox(cast, make_problem, web):
    closeout = make_problem("closeout_review")
    extension = make_problem("in_progress")
    web(cast.admin_a).post(
        f"/problems/{extension.pk}/actions/request_extension/",
        {"kind": "extend", "requested_due_date": "2026-09-30", "reason": "工程未完工"},
    )
    other = make_problem("closeout_review", lead_unit=cast.unit_b)  # head_b's step, not head_a's
    client = web(cast.head_a)
    inbox = client.get("/reviews/")
    assert [i["approve"] for i in inbox.context["items"]] == [
        "approve_closeout",
        "approve_extension",
    ]
    ids = [
        f"{closeout.pk}:approve_closeout",
        f"{extension.pk}:approve_extension",
        f"{other.pk}:approve_closeout",
    ]
    client.post(
        "/problems/bulk/",
        {"action": "approve", "ids": ids, "confirm": "1", "comment": "同意", "next": "/reviews/"},
    )
    results = _results(client)
    assert (results.context["done"], results.context["refused"]) == (2, 1)
    assert [r["code"] for r in results.context["rows"]] == ["", "", "not_found"]
    assert closeout.requests.get().steps.get(position=1).decision == "approve"
    assert extension.requests.get().steps.get(position=1).decision == "approve"
    assert other.requests.get().steps.get(position=1).decision == ""


def test_it_refuses_a_plain_action_name_with_row_actions_and_too_many_ids(cast, web):
    client = web(cast.oa)
    response = client.post("/problems/bulk/", {"action": "approve", "ids": ["1:withdraw"]})
    assert response.status_code == 400
    response = client.post("/problems/bulk/", {"action": "reopen", "ids": ["1"]})
    assert response.status_code == 400
    ids = [str(i) for i in range(1, MAX_BULK + 2)]
    response = client.post("/problems/bulk/", {"action": "assign", "ids": ids, "confirm": "1"})
    assert response.status_code == 400
    assert f"一次最多处理 {MAX_BULK} 个问题" in response.content.decode()
    response = client.post("/problems/bulk/", {"action": "assign", "confirm": "1"})
    assert response.status_code == 400


def test_it_offers_the_bulk_bar_only_with_actions_the_rows_allow(cast, make_problem, web):
    make_problem("draft")
    make_problem("in_progress")
    oa = web(cast.oa).get("/problems/")
    assert [name for name, _label in oa.context["bulk_actions"]] == [
        "assign",
        "withdraw",
        "supervise",
    ]
    viewer = web(cast.viewer_a).get("/problems/")
    assert viewer.context["bulk_actions"] == []
    assert 'id="bulk-form"' not in viewer.content.decode()


def test_it_runs_each_problem_in_its_own_transaction(cast, make_problem):
    first, second = make_problem("draft"), make_problem("draft")
    outcomes = perform_bulk(
        actor=cast.oa,
        items=[(first.pk, "assign"), (second.pk, "withdraw"), (first.pk, "assign")],
        data={"comment": ""},
    )
    assert [(o.problem_id, o.ok, o.code) for o in outcomes] == [
        (first.pk, True, ""),
        (second.pk, False, "validation_error"),
    ]
    assert _status(first) == "assigned" and _status(second) == "draft"
