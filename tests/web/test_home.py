"""待办: each role sees the work that waits for it, and nothing outside its scope."""

import datetime as dt

import pytest

from issues.models import SupervisionAction
from issues.services.workflow import perform_action
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def _section(body: str, key: str) -> str:
    start = body.index(f'id="{key}"')
    end = body.find("</section>", start)
    return body[start:end]


def test_it_lists_problems_to_acknowledge_for_the_lead_units_admin(cast, make_problem, web):
    problem = make_problem("assigned", title="食堂管理不规范")
    body = web(cast.admin_a).get("/").content.decode()
    assert "食堂管理不规范" in _section(body, "acknowledge")
    assert f'href="/problems/{problem.pk}/"' in body
    assert 'data-testid="count-acknowledge"' in body
    # Another unit's admin has nothing to acknowledge.
    body = web(cast.admin_b).get("/").content.decode()
    assert "食堂管理不规范" not in body


def test_it_lists_review_steps_for_the_reviewer_whose_turn_it_is(cast, make_problem, web):
    problem = make_problem("closeout_review", title="待审问题")
    assert problem.code in _section(web(cast.head_a).get("/").content.decode(), "reviews")
    # The office step is not yet due.
    assert problem.code not in _section(web(cast.rev).get("/").content.decode(), "reviews")
    perform_action(problem_id=problem.pk, action="approve_closeout", actor=cast.head_a)
    assert problem.code in _section(web(cast.rev).get("/").content.decode(), "reviews")


def test_it_lists_measures_due_within_a_week_and_overdue_ones(cast, make_problem, web):
    make_problem(
        "in_progress",
        measures=[
            {"content": "三天后到期的措施", "unit": cast.unit_a, "due_date": dt.date(2026, 3, 5)},
            {"content": "已经逾期的措施", "unit": cast.unit_a, "due_date": dt.date(2026, 2, 20)},
            {"content": "很久以后的措施", "unit": cast.unit_a, "due_date": dt.date(2026, 6, 1)},
        ],
    )
    section = _section(web(cast.staff_a).get("/").content.decode(), "measures")
    assert "三天后到期的措施" in section and "3 天后到期" in section
    assert "已经逾期的措施" in section and "逾期 10 天" in section
    assert "很久以后的措施" not in section


def test_it_lists_unanswered_supervision_for_the_target_unit(cast, make_problem, web):
    problem = make_problem("in_progress")
    perform_action(
        problem_id=problem.pk,
        action="supervise",
        actor=cast.rev,
        data={
            "kind": "letter",
            "content": "请于三日内报送整改情况",
            "reply_due_date": "2026-03-05",
        },
    )
    section = _section(web(cast.admin_a).get("/").content.decode(), "supervision")
    assert "请于三日内报送整改情况" in section
    SupervisionAction.objects.update(replied_at="2026-03-02T10:00:00+08:00", reply="已报送")
    section = _section(web(cast.admin_a).get("/").content.decode(), "supervision")
    assert "请于三日内报送整改情况" not in section


def test_it_lists_unread_notifications_one_click_from_the_problem(
    cast, make_problem, web, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        problem = make_problem("assigned")
    note = Notification.objects.filter(recipient=cast.admin_a, problem=problem).get()
    body = web(cast.admin_a).get("/").content.decode()
    assert note.title in _section(body, "notifications")
    assert f'href="/notifications/{note.pk}/open/"' in body


def test_it_shows_the_rework_requirement_to_the_unit(cast, make_problem, web):
    problem = make_problem("closeout_review")
    perform_action(
        problem_id=problem.pk,
        action="reject_closeout",
        actor=cast.head_a,
        data={"comment": "佐证材料不足，请补充会议纪要"},
    )
    section = _section(web(cast.admin_a).get("/").content.decode(), "rework")
    assert "佐证材料不足，请补充会议纪要" in section


def test_it_shows_an_outsider_none_of_it(cast, make_problem, web):
    make_problem("assigned", title="外单位看不到")
    make_problem("closeout_review", title="外单位看不到")
    body = web(cast.outsider).get("/").content.decode()
    assert "外单位看不到" not in body


def test_it_shows_office_roles_drafts_and_lists_to_review(cast, make_problem, web):
    make_problem("draft", title="草稿问题")
    make_problem("list_review", title="清单问题")
    body = web(cast.oa).get("/").content.decode()
    assert "草稿问题" in _section(body, "assign")
    assert "清单问题" in _section(body, "list_review")
    body = web(cast.rev).get("/").content.decode()
    assert 'id="assign"' not in body
    assert "清单问题" in _section(body, "list_review")
