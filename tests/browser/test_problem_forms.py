"""登记问题 and 编辑问题 in a real browser: two measures added with the formset's button."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from issues.models import Problem

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def test_it_registers_a_problem_with_two_measures(cast, as_user, shot):
    page = as_user(cast.oa)
    page.goto("/problems/")
    page.get_by_test_id("problem-add").click()
    expect(page.locator("h1")).to_have_text("登记问题")
    page.select_option("#id_batch", str(cast.batch.pk))
    page.fill("#id_title", "信访反映学校收费不规范")
    page.fill("#id_description", "群众反映部分学校代收费用未公示。")
    page.select_option("#id_lead_unit", str(cast.unit_a.pk))
    page.select_option("#id_cooperating_units", [str(cast.unit_b.pk)])
    page.select_option("#id_source", "petition")
    page.fill("#id_due_date", "2026-05-31")
    page.fill("#id_generalization_note", "全县学校同步自查")
    # Fill the three blank rows' first two, then add a fourth with the button and leave it
    # empty: blank rows are not saved.
    page.fill("#id_measures-0-content", "全面清理代收费项目")
    page.fill("#id_measures-1-content", "卫健局配合核查食堂收费")
    page.select_option("#id_measures-1-unit", str(cast.unit_b.pk))
    page.fill("#id_measures-1-due_date", "2026-04-30")
    page.get_by_test_id("measure-add-row").click()
    expect(page.get_by_test_id("measure-row")).to_have_count(4)
    shot(page, "register-1-form")
    page.get_by_test_id("problem-save").click()
    expect(page.get_by_test_id("status")).to_have_text("草稿")
    expect(page.get_by_test_id("measures")).to_contain_text("全面清理代收费项目")
    expect(page.get_by_test_id("measures")).to_contain_text("卫健局配合核查食堂收费")
    problem = Problem.objects.get(title="信访反映学校收费不规范")
    assert problem.generalization_note == "全县学校同步自查"
    assert list(problem.measures.order_by("seq").values_list("unit", "due_date")) == [
        (cast.unit_a.pk, dt.date(2026, 5, 31)),
        (cast.unit_b.pk, dt.date(2026, 4, 30)),
    ]
    shot(page, "register-2-done")


def test_it_edits_a_problem_and_keeps_its_due_date_once_assigned(cast, make_problem, as_user, shot):
    problem = make_problem("in_progress", title="错字标题")
    page = as_user(cast.oa)
    page.goto(f"/problems/{problem.pk}/")
    page.get_by_test_id("problem-edit").click()
    expect(page.locator("#id_due_date")).to_have_attribute("readonly", "")
    page.fill("#id_title", "改正后的标题")
    page.fill("#id_mechanism_note", "建立收费公示长效机制")
    shot(page, "edit-1-form")
    page.get_by_test_id("problem-save").click()
    expect(page.locator("h1")).to_contain_text("改正后的标题")
    expect(page.locator("#info")).to_contain_text("建立收费公示长效机制")
    expect(page.get_by_test_id("timeline")).to_contain_text("改正后的标题")
    problem.refresh_from_db()
    assert problem.due_date == dt.date(2026, 6, 30)
