"""The problem page: scope, the forms a user may use, and every POST through the services."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from issues.models import Evidence, Measure, Problem, ProgressReport, SupervisionAction
from issues.services.workflow import perform_action
from ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db


def _status(problem):
    return Problem.objects.values_list("status", flat=True).get(pk=problem.pk)


def _actions(response):
    return [f.name for f in response.context["action_forms"]]


def test_it_shows_the_page_to_everyone_in_scope(cast, make_problem, web):
    problem = make_problem("in_progress", cooperating_units=[cast.unit_b])
    for user in (
        cast.oa,
        cast.rev,
        cast.leader,
        cast.admin_a,
        cast.head_a,
        cast.staff_a,
        cast.viewer_a,
        cast.admin_b,
        cast.root,
    ):
        response = web(user).get(f"/problems/{problem.pk}/")
        assert response.status_code == 200, user
        assert problem.title in response.content.decode()


def test_it_answers_404_to_an_outsider_typing_any_url(cast, make_problem, web):
    problem = make_problem("closeout_review")
    measure = problem.measures.get()
    client = web(cast.outsider)
    assert client.get(f"/problems/{problem.pk}/").status_code == 404
    for url, data in [
        (f"/problems/{problem.pk}/actions/approve_closeout/", {}),
        (f"/problems/{problem.pk}/measures/", {"content": "x"}),
        (f"/problems/{problem.pk}/progress/", {"period": "2026-03", "content": "x"}),
        (f"/problems/{problem.pk}/evidence/", {}),
        (f"/measures/{measure.pk}/", {"content": "x"}),
        (f"/measures/{measure.pk}/done/", {"done_note": "x"}),
    ]:
        assert client.post(url, data).status_code == 404, url
    assert _status(problem) == "closeout_review"


def test_it_offers_only_the_actions_the_user_may_take_now(cast, make_problem, web):
    problem = make_problem("assigned")
    assert _actions(web(cast.admin_a).get(f"/problems/{problem.pk}/")) == [
        "acknowledge",
        "request_extension",
    ]
    assert _actions(web(cast.viewer_a).get(f"/problems/{problem.pk}/")) == []
    assert "withdraw" in _actions(web(cast.oa).get(f"/problems/{problem.pk}/"))


def test_it_asks_before_destructive_actions(cast, make_problem, web):
    problem = make_problem("in_progress")
    body = web(cast.oa).get(f"/problems/{problem.pk}/").content.decode()
    assert 'data-confirm="确定撤销该问题吗' in body
    assert 'data-confirm="确定将该问题纳入日常管理吗' in body


def test_it_takes_an_action_and_says_so(cast, make_problem, web):
    problem = make_problem("assigned")
    client = web(cast.admin_a)
    response = client.post(f"/problems/{problem.pk}/actions/acknowledge/", {"comment": "已签收"})
    assert response.status_code == 302 and response["Location"] == f"/problems/{problem.pk}/"
    assert _status(problem) == "in_progress"
    page = client.get(f"/problems/{problem.pk}/").content.decode()
    assert "已完成：签收" in page


def test_it_redirects_a_failed_action_back_and_shows_the_errors_in_place(cast, make_problem, web):
    problem = make_problem("in_progress")
    client = web(cast.oa)
    response = client.post(f"/problems/{problem.pk}/actions/withdraw/", {"comment": ""})
    assert response.status_code == 302  # POST/redirect/GET: a refresh does not re-post
    assert response["Location"] == f"/problems/{problem.pk}/#act-withdraw"
    page = client.get(f"/problems/{problem.pk}/")
    form = next(f for f in page.context["action_forms"] if f.name == "withdraw")
    assert form.open and form.fields[0].errors
    assert "未能撤销：输入有误。" in page.content.decode()
    assert _status(problem) == "in_progress"
    again = client.get(f"/problems/{problem.pk}/")  # shown once, then gone
    assert not any(f.open for f in again.context["action_forms"])


def test_it_keeps_the_entered_values_of_a_failed_action(cast, make_problem, web):
    problem = make_problem("in_progress")
    client = web(cast.admin_a)
    client.post(
        f"/problems/{problem.pk}/actions/request_extension/",
        {"kind": "extend", "reason": "工程未完工", "requested_due_date": ""},
    )
    page = client.get(f"/problems/{problem.pk}/")
    form = next(f for f in page.context["action_forms"] if f.name == "request_extension")
    values = {f.name: f.value for f in form.fields}
    assert form.open and values["reason"] == "工程未完工"
    assert next(f for f in form.fields if f.name == "requested_due_date").errors


def test_it_shows_domain_rule_errors_in_the_form(cast, make_problem, web):
    problem = make_problem("in_progress")  # its measure is not done, there is no evidence
    client = web(cast.admin_a)
    response = client.post(f"/problems/{problem.pk}/actions/request_closeout/", {"summary": "完成"})
    assert response.status_code == 302
    page = client.get(f"/problems/{problem.pk}/")
    form = next(f for f in page.context["action_forms"] if f.name == "request_closeout")
    assert "所有整改措施完成后方可申请销号。" in form.errors
    assert _status(problem) == "in_progress"


def test_it_says_why_on_top_of_the_page_after_409_and_403(cast, make_problem, web):
    problem = make_problem("in_progress")
    client = web(cast.admin_a)
    response = client.post(f"/problems/{problem.pk}/actions/acknowledge/", follow=True)
    assert response.redirect_chain == [(f"/problems/{problem.pk}/#act-acknowledge", 302)]
    assert "不能执行“签收”" in response.content.decode()
    client = web(cast.staff_a)
    response = client.post(
        f"/problems/{problem.pk}/actions/withdraw/", {"comment": "不该撤"}, follow=True
    )
    assert "未能撤销：您无权执行此操作。" in response.content.decode()
    assert _status(problem) == "in_progress"


def test_it_adds_edits_and_finishes_measures(cast, make_problem, web):
    problem = make_problem("assigned", measures=[])
    client = web(cast.admin_a)
    response = client.post(
        f"/problems/{problem.pk}/measures/",
        {"content": "建立食堂巡查制度", "unit": cast.unit_a.pk, "due_date": "2026-05-31"},
    )
    assert response.status_code == 302
    measure = Measure.objects.get(problem=problem)
    response = client.post(
        f"/measures/{measure.pk}/",
        {
            f"m{measure.pk}-content": "建立并执行食堂巡查制度",
            f"m{measure.pk}-unit": cast.unit_a.pk,
            f"m{measure.pk}-due_date": "2026-05-31",
            f"m{measure.pk}-status": "in_progress",
        },
    )
    assert response.status_code == 302
    response = client.post(f"/measures/{measure.pk}/done/", {f"d{measure.pk}-done_note": "已执行"})
    assert response.status_code == 302
    measure.refresh_from_db()
    assert (measure.content, measure.status, measure.done_note) == (
        "建立并执行食堂巡查制度",
        "done",
        "已执行",
    )
    assert LedgerEntry.objects.filter(problem=problem, action="measure_update").count() == 2


def test_it_refuses_measure_forms_to_readers(cast, make_problem, web):
    problem = make_problem("in_progress")
    measure = problem.measures.get()
    response = web(cast.viewer_a).get(f"/problems/{problem.pk}/")
    assert response.context["measure_form"] is None
    assert response.context["progress_form"] is None
    response = web(cast.viewer_a).post(
        f"/measures/{measure.pk}/done/", {f"d{measure.pk}-done_note": "x"}
    )
    assert response.status_code == 403
    measure.refresh_from_db()
    assert measure.status != "done"


def test_it_reports_progress_and_validates_the_period(cast, make_problem, web):
    problem = make_problem("in_progress")
    client = web(cast.staff_a)
    response = client.post(
        f"/problems/{problem.pk}/progress/", {"period": "2026-13", "content": "x", "percent": 10}
    )
    assert response.status_code == 400
    assert response.context["progress_form"].errors["period"]
    response = client.post(
        f"/problems/{problem.pk}/progress/",
        {"period": "2026-03", "content": "完成一半", "percent": 50},
    )
    assert response.status_code == 302
    assert ProgressReport.objects.get(problem=problem).percent == 50


@pytest.mark.parametrize(
    "written, stored",
    [
        ("2026年第10周", "2026-W10"),
        ("2026年3月", "2026-03"),
        ("2026-03", "2026-03"),
        ("2026-W10", "2026-W10"),
        ("2026-w9", "2026-W09"),
        ("2026年03月份", "2026-03"),
    ],
)
def test_it_takes_the_period_as_offices_write_it(cast, make_problem, web, written, stored):
    problem = make_problem("in_progress")
    response = web(cast.staff_a).post(
        f"/problems/{problem.pk}/progress/", {"period": written, "content": "进展", "percent": 5}
    )
    assert response.status_code == 302
    assert ProgressReport.objects.get(problem=problem).period == stored


def test_it_uploads_evidence_and_links_the_download(cast, make_problem, web):
    problem = make_problem("in_progress")
    client = web(cast.staff_a)
    upload = SimpleUploadedFile("纪要.pdf", b"%PDF-1.4 minutes", content_type="application/pdf")
    response = client.post(
        f"/problems/{problem.pk}/evidence/",
        {"file": upload, "kind": "minutes", "description": "专题会议纪要"},
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get(problem=problem)
    body = client.get(f"/problems/{problem.pk}/").content.decode()
    assert f'href="/api/v1/evidence/{evidence.pk}/download/"' in body
    download = client.get(f"/api/v1/evidence/{evidence.pk}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 minutes"


def test_it_refuses_a_file_that_is_not_what_it_claims(cast, make_problem, web):
    problem = make_problem("in_progress")
    upload = SimpleUploadedFile("fake.pdf", b"MZ not a pdf", content_type="application/pdf")
    response = web(cast.staff_a).post(
        f"/problems/{problem.pk}/evidence/", {"file": upload, "kind": "other"}
    )
    assert response.status_code == 415
    assert response.context["evidence_form"].errors["file"]
    assert not Evidence.objects.exists()


def test_it_replies_to_supervision(cast, make_problem, web):
    problem = make_problem("in_progress")
    perform_action(
        problem_id=problem.pk,
        action="supervise",
        actor=cast.rev,
        data={"kind": "urge", "content": "请加快进度"},
    )
    supervision = SupervisionAction.objects.get()
    client = web(cast.admin_a)
    page = client.get(f"/problems/{problem.pk}/")
    assert page.context["supervisions"][0].can_reply
    assert (
        not web(cast.staff_a).get(f"/problems/{problem.pk}/").context["supervisions"][0].can_reply
    )
    response = web(cast.admin_a).post(
        f"/supervisions/{supervision.pk}/reply/", {f"s{supervision.pk}-reply": "已加快"}
    )
    assert response.status_code == 302
    supervision.refresh_from_db()
    assert supervision.reply == "已加快"


def test_it_shows_the_ledger_as_a_timeline_in_chinese(cast, make_problem, web):
    problem = make_problem("closed")
    entries = web(cast.rev).get(f"/problems/{problem.pk}/").context["timeline"]
    labels = [e.label for e in entries]
    assert labels[:3] == ["登记问题", "交办", "签收"]
    assert labels[-1] == "销号审核通过" and entries[-1].to_state == "已销号"
    create = entries[0]
    assert any(c.label == "牵头单位" and c.new == "教育局" for c in create.changes)


def test_it_extends_the_due_date_through_the_page(cast, make_problem, web):
    problem = make_problem("in_progress", due_date=dt.date(2026, 4, 30))
    response = web(cast.admin_a).post(
        f"/problems/{problem.pk}/actions/request_extension/",
        {"kind": "extend", "requested_due_date": "2026-06-30", "reason": "跨部门协调"},
    )
    assert response.status_code == 302
    for reviewer in (cast.head_a, cast.rev):
        response = web(reviewer).post(
            f"/problems/{problem.pk}/actions/approve_extension/", {"comment": "同意"}
        )
        assert response.status_code == 302
    page = web(cast.admin_a).get(f"/problems/{problem.pk}/").content.decode()
    assert '<strong data-testid="due-date">2026-06-30</strong>' in page
