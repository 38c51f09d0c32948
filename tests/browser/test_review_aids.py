"""常用意见 in a real browser: a click puts the phrase into the opinion box."""

import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def test_a_canned_opinion_fills_the_opinion_box(cast, make_problem, as_user, shot):
    make_problem("closeout_review", title="食堂台账不规范")
    head = as_user(cast.head_a)
    head.goto("/reviews/")
    form = head.locator("details.action-reject_closeout").first
    form.get_by_test_id("action-reject_closeout").click()
    form.get_by_role("button", name="佐证材料不足，请补充整改前后对比照片。").click()
    expect(form.locator("textarea[name='comment']")).to_have_value(
        "佐证材料不足，请补充整改前后对比照片。"
    )
    expect(head.get_by_test_id("decided").or_(head.locator("#decided"))).to_be_visible()
    shot(head, "reviews-1366")
    head.set_viewport_size({"width": 390, "height": 844})
    head.reload()
    assert head.evaluate("document.documentElement.scrollWidth") <= 390
    shot(head, "reviews-390")
