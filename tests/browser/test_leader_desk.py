"""The responsible leader's 待办 in Chromium: one laptop screen, and a phone without sideways
scrolling (issue 16 item 8)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_phone import NO_SIDEWAYS, PHONE
from tests.web.test_leader_desk import make_desk

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def test_it_fits_the_leaders_desk_on_one_laptop_screen(cast, make_problem, as_user, shot):
    problems = make_desk(cast, make_problem)
    page = as_user(cast.leader)  # 1366×900
    desk = page.get_by_test_id("leader-desk")
    expect(desk).to_be_visible()
    expect(page.get_by_test_id("desk-count-red")).to_contain_text("2")
    expect(page.locator("#signoff")).to_contain_text(problems["sign"].code)
    box = desk.bounding_box()
    assert box["y"] + box["height"] <= 900, "the desk runs below the first screen"
    assert page.evaluate(NO_SIDEWAYS)
    shot(page, "leader-desk-1366")
    # One click from the desk to the overdue problem.
    page.locator("#my-problems").get_by_role("link", name="逾期较久").click()
    expect(page).to_have_url(re.compile(rf"/problems/{problems['late'].pk}/$"))


def test_it_shows_the_leaders_desk_on_a_phone_without_sideways_scroll(
    cast, make_problem, as_user, shot
):
    make_desk(cast, make_problem)
    page = as_user(cast.leader)
    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.get_by_test_id("leader-desk")).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS)
    # The steps to sign and the red count are on the first phone screen.
    for key in ("signoff", "red"):
        box = page.get_by_test_id(f"desk-count-{key}").bounding_box()
        assert box["y"] + box["height"] <= PHONE["height"]
    shot(page, "leader-desk-390")
