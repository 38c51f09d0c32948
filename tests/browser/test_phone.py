"""The unit's daily work on a phone (390×844): no sideways page scroll, the next step in view."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

PHONE = {"width": 390, "height": 844}
NO_SIDEWAYS = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


@pytest.fixture
def on_phone(browser, live_server):
    contexts = []

    def open_as(user):
        context = browser.new_context(
            locale="zh-CN",
            viewport=PHONE,
            is_mobile=True,
            has_touch=True,
            device_scale_factor=2,
            base_url=live_server.url,
        )
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto("/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(live_server.url + "/")
        return page

    yield open_as
    for context in contexts:
        context.close()


def _in_viewport(page, locator):
    box = locator.bounding_box()
    assert box is not None
    return box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]


def test_it_shows_the_list_as_cards_with_filters_behind_one_button(
    cast, make_problem, on_phone, shot
):
    make_problem("assigned", title="学校食堂从业人员健康证管理不到位，部分人员证件过期未及时更换")
    for i in range(4):
        make_problem("in_progress", title=f"校舍维修第{i}项", due_date=dt.date(2026, 2, 20))
    for who in ("admin_a", "staff_a", "head_a"):
        page = on_phone(getattr(cast, who))
        page.goto("/problems/")
        assert page.evaluate(NO_SIDEWAYS), who
        expect(page.locator("form.filters")).to_be_hidden()
        expect(page.locator("table.problem-cards thead")).not_to_be_in_viewport()
        first = page.get_by_test_id("problem-row").first
        expect(first.locator(".light")).to_be_visible()
        expect(first.locator(".col-due")).to_be_visible()
        shot(page, f"phone-list-{who}")
        page.get_by_test_id("filter-toggle").click()
        expect(page.locator("form.filters")).to_be_visible()
        assert page.evaluate(NO_SIDEWAYS), who
    # The liaison's card carries its one next action, reachable without scrolling.
    page = on_phone(cast.admin_a)
    page.goto("/problems/?ordering=-created_at&status=assigned")
    action = page.get_by_test_id("next-action").first
    expect(action).to_have_text("签收")
    assert _in_viewport(page, action)
    action.click()
    expect(page.locator("details.action-acknowledge")).to_have_attribute("open", "")


def test_it_keeps_the_problem_page_within_the_phone_with_the_work_one_tap_away(
    cast, make_problem, on_phone, shot
):
    problem = make_problem(
        "in_progress",
        title="农村人居环境整治不彻底，部分村庄垃圾清运不及时",
        measures=[
            {"content": f"第{i}条措施：建立垃圾清运台账并每周通报", "unit": cast.unit_a}
            for i in range(1, 5)
        ],
    )
    page = on_phone(cast.staff_a)
    page.goto(f"/problems/{problem.pk}/")
    assert page.evaluate(NO_SIDEWAYS)
    bar = page.get_by_test_id("phone-bar")
    expect(bar).to_be_visible()
    assert _in_viewport(page, page.get_by_test_id("phone-progress"))
    assert _in_viewport(page, page.get_by_test_id("phone-evidence"))
    # The measures read as cards: 时限 and 状态 of each are on screen, not cut off.
    measures = page.get_by_test_id("measures")
    measures.scroll_into_view_if_needed()
    for cell in ("td.col-when", "td.col-state"):
        box = measures.locator(cell).first.bounding_box()
        assert box and box["x"] + box["width"] <= PHONE["width"], cell
    # Long sections start folded; a tap opens them.
    expect(page.locator("#timeline")).to_have_class("panel folded")
    page.locator("#h-timeline").click()
    expect(page.get_by_test_id("timeline")).to_be_visible()
    shot(page, "phone-problem-staff")
    page.get_by_test_id("phone-progress").click()
    expect(page.locator("#progress details.disclose")).to_have_attribute("open", "")
    assert page.evaluate(NO_SIDEWAYS)

    admin = on_phone(cast.admin_a)
    assigned = make_problem("assigned", title="待签收的问题")
    admin.goto(f"/problems/{assigned.pk}/")
    next_action = admin.get_by_test_id("phone-next-action")
    expect(next_action).to_have_text("签收")
    assert _in_viewport(admin, next_action)
    assert admin.evaluate(NO_SIDEWAYS)
    shot(admin, "phone-problem-admin")
    next_action.click()
    admin.locator("details.action-acknowledge").get_by_test_id("submit-acknowledge").click()
    expect(admin.get_by_test_id("status")).to_have_text("整改中")
