"""The pages in a real browser: every role's morning, and the workflow through the pages alone."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from issues.models import Problem

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

PDF = {"name": "整改会议纪要.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 minutes"}


def _act(page, name, fields=None, scope="main"):
    """Open the action's form, fill its fields by name, submit (confirmations are accepted)."""
    form = page.locator(scope).locator(f"details.action-{name}")
    form.get_by_test_id(f"action-{name}").click()
    for field, value in (fields or {}).items():
        form.locator(f"[name='{field}']").fill(value)
    form.get_by_test_id(f"submit-{name}").click()


def _status(problem):
    return Problem.objects.values_list("status", flat=True).get(pk=problem.pk)


def test_it_lands_each_role_on_its_own_work(cast, make_problem, as_user, shot):
    assigned = make_problem("assigned", title="学校食堂管理不规范")
    review = make_problem("closeout_review", title="校外培训治理不到位")
    late = make_problem(
        "in_progress",
        title="校舍维修逾期",
        due_date=dt.date(2026, 2, 20),
        responsible_leader=cast.leader,
    )
    make_problem("draft", title="待交办的草稿")
    make_problem("closed", title="已经销号的问题")
    expectations = {
        "admin_a": ("acknowledge", "学校食堂管理不规范"),
        "head_a": ("reviews", "校外培训治理不到位"),
        "staff_a": ("overdue", "校舍维修逾期"),
        "oa": ("assign", "待交办的草稿"),
        "rev": ("overdue", "校舍维修逾期"),
        "leader": ("my-problems", "校舍维修逾期"),  # a leader's desk: the problems he answers for
        "viewer_a": ("overdue", "校舍维修逾期"),
        "admin_b": ("overdue", None),
    }
    for username, (section, text) in expectations.items():
        user = getattr(cast, username)
        page = as_user(user)
        expect(page.locator("h1")).to_have_text("待办")
        if text:
            expect(page.locator(f"#{section}")).to_contain_text(text)
        else:
            expect(page.locator(f"#{section}")).to_contain_text("范围内没有逾期问题")
        shot(page, f"{username}-1-home")
        page.goto("/problems/")
        shot(page, f"{username}-2-list")
        if username != "admin_b":
            for problem, suffix in ((review, "review"), (late, "late"), (assigned, "assigned")):
                page.goto(f"/problems/{problem.pk}/")
                expect(page.locator("h1")).to_contain_text(problem.title)
                shot(page, f"{username}-3-problem-{suffix}")
        if page.locator("nav.mainnav a[href='/reviews/']").count():
            page.goto("/reviews/")
            shot(page, f"{username}-4-reviews")
        page.goto("/notifications/")
        shot(page, f"{username}-5-notifications")


def test_it_closes_a_problem_out_through_the_pages_alone(cast, make_problem, as_user, shot):
    problem = make_problem("draft", title="食堂从业人员健康证管理不到位", measures=[])
    office = as_user(cast.oa)
    office.goto(f"/problems/{problem.pk}/")
    _act(office, "assign", {"due_date": "2026-06-30"})
    expect(office.get_by_test_id("status")).to_have_text("已交办（待签收）")

    unit = as_user(cast.admin_a)
    expect(unit.locator("#acknowledge")).to_contain_text(problem.title)
    unit.locator("#acknowledge").get_by_role("link", name=re.compile(problem.title)).click()
    unit.get_by_test_id("measure-add").click()
    unit.fill("#id_content", "逐一核查从业人员健康证，建立台账")
    unit.fill("#id_due_date", "2026-04-30")
    unit.get_by_role("button", name="保存措施").click()
    expect(unit.get_by_test_id("measures")).to_contain_text("逐一核查从业人员健康证")
    _act(unit, "acknowledge", {"comment": "已签收"})
    expect(unit.get_by_test_id("status")).to_have_text("整改中")

    unit.get_by_test_id("measure-done-1").click()
    unit.locator("textarea[name$='done_note']").first.fill("已核查全部42人，补办3人")
    unit.get_by_role("button", name="确认完成").click()
    expect(unit.get_by_test_id("measures")).to_contain_text("已完成")

    unit.get_by_test_id("evidence-add").click()
    unit.set_input_files("#id_file", files=[PDF])
    unit.select_option("#id_kind", "minutes")
    unit.fill("#id_description", "专题会议纪要")
    unit.get_by_role("button", name="上传", exact=True).click()
    expect(unit.get_by_test_id("evidence")).to_contain_text("整改会议纪要.pdf")

    unit.get_by_test_id("action-request_closeout").click()
    unit.fill("#act-request_closeout-summary", "健康证已全部核查补办，建立了动态台账。")
    unit.check("input[name='self_check.measures_done']")
    unit.check("input[name='self_check.effective']")
    unit.get_by_test_id("submit-request_closeout").click()
    expect(unit.get_by_test_id("status")).to_have_text("销号审核中")
    shot(unit, "closeout-1-applied")

    head = as_user(cast.head_a)
    head.goto("/reviews/")
    card = f"#review-{problem.requests.get().pk}"
    expect(head.locator(card)).to_contain_text("健康证已全部核查补办")
    expect(head.locator(card)).to_contain_text("整改会议纪要.pdf")
    shot(head, "closeout-2-head-inbox")
    _act(head, "approve_closeout", {"comment": "情况属实"}, scope=card)
    expect(head.locator("main")).to_contain_text("没有需要您审核的申请")

    reviewer = as_user(cast.rev)
    reviewer.goto("/reviews/")
    _act(reviewer, "approve_closeout", {"comment": "同意销号"}, scope=card)

    unit.goto(f"/problems/{problem.pk}/")
    expect(unit.get_by_test_id("status")).to_have_text("已销号")
    timeline = unit.get_by_test_id("timeline")
    for label in (
        "登记问题",
        "交办",
        "新增整改措施",
        "签收",
        "更新整改措施",
        "上传佐证材料",
        "申请销号",
        "销号审核通过",
    ):
        expect(timeline).to_contain_text(label)
    expect(timeline.locator("li[data-action='approve_closeout']")).to_have_count(2)
    shot(unit, "closeout-3-closed")
    assert _status(problem) == "closed"


def test_it_shows_the_rework_requirement_after_a_rejection(cast, make_problem, as_user, shot):
    problem = make_problem("closeout_review", title="作业负担过重")
    head = as_user(cast.head_a)
    head.goto("/reviews/")
    card = f"#review-{problem.requests.get().pk}"
    _act(
        head,
        "reject_closeout",
        {"comment": "缺少家长问卷结果，请补充后再申请"},
        scope=card,
    )
    unit = as_user(cast.admin_a)
    expect(unit.locator("#rework")).to_contain_text("缺少家长问卷结果")
    unit.goto(f"/problems/{problem.pk}/")
    expect(unit.get_by_test_id("status")).to_have_text("整改中")
    expect(unit.get_by_test_id("rework")).to_contain_text("缺少家长问卷结果，请补充后再申请")
    shot(unit, "rejection-1-problem")


def test_it_moves_the_due_date_after_an_approved_extension(cast, make_problem, as_user, shot):
    problem = make_problem("in_progress", title="课后服务覆盖不足", due_date=dt.date(2026, 4, 30))
    unit = as_user(cast.admin_a)
    unit.goto(f"/problems/{problem.pk}/")
    expect(unit.get_by_test_id("due-date")).to_have_text("2026-04-30")
    unit.get_by_test_id("action-request_extension").click()
    unit.select_option("#act-request_extension-kind", "extend")
    unit.fill("#act-request_extension-requested_due_date", "2026-07-31")
    unit.fill("#act-request_extension-reason", "需等待新学期师资到位")
    unit.get_by_test_id("submit-request_extension").click()
    expect(unit.get_by_test_id("request-extension")).to_contain_text("2026-07-31")
    for reviewer in (cast.head_a, cast.rev):
        page = as_user(reviewer)
        page.goto("/reviews/")
        _act(page, "approve_extension")
    unit.goto(f"/problems/{problem.pk}/")
    expect(unit.get_by_test_id("due-date")).to_have_text("2026-07-31")
    shot(unit, "extension-1-extended")


def test_it_shows_another_unit_none_of_it(cast, make_problem, as_user, live_server, shot):
    problem = make_problem("closeout_review", title="教育局的问题")
    page = as_user(cast.outsider)
    page.goto("/problems/")
    expect(page.locator("main")).not_to_contain_text("教育局的问题")
    expect(page.locator("main")).to_contain_text("您的查看范围内还没有问题")
    response = page.goto(f"/problems/{problem.pk}/")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("页面不存在")
    shot(page, "outsider-1-404")


def test_it_filters_the_list(cast, make_problem, as_user, shot):
    late = make_problem("in_progress", title="逾期未改", due_date=dt.date(2026, 2, 1))
    make_problem("in_progress", title="正常推进")
    closed = make_problem("closed", title="已改到位")
    page = as_user(cast.oa)
    page.goto("/problems/")
    table = page.get_by_test_id("problem-table")
    expect(table.locator("tbody tr")).to_have_count(3)
    page.select_option("#id_status", "closed")
    page.get_by_role("button", name="筛选").click()
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text(closed.code)
    expect(page.get_by_test_id("export-xlsx")).to_have_attribute(
        "href", re.compile(r"/api/v1/exports/ledger\.xlsx\?.*status=closed")
    )
    page.goto("/problems/")
    page.select_option("#id_overdue", "true")
    page.get_by_role("button", name="筛选").click()
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text(late.code)
    expect(table.locator(".light-red")).to_contain_text("红灯")
    page.goto("/problems/")
    page.fill("#id_q", "到位")
    page.keyboard.press("Enter")
    expect(table.locator("tbody tr")).to_have_count(1)
    shot(page, "list-1-filtered")
