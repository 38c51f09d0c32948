"""Bulk actions in a real browser: tick rows, see the count, confirm, read the per-row results."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from issues.models import Problem, SupervisionAction

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def _status(problem):
    return Problem.objects.values_list("status", flat=True).get(pk=problem.pk)


def _pick(page, problems, action):
    for p in problems:
        page.locator(f"input[name=ids][value='{p.pk}']").check()
    expect(page.locator("[data-bulk-count]")).to_have_text(str(len(problems)))
    page.get_by_test_id("bulk-action").select_option(action)
    page.get_by_test_id("bulk-next").click()


def test_it_assigns_in_bulk_and_names_the_row_it_refused(cast, make_problem, as_user, shot):
    drafts = [make_problem("draft", title=f"草稿{i}") for i in range(2)]
    started = make_problem("in_progress", title="已在整改")
    page = as_user(cast.oa)
    page.goto("/problems/")
    _pick(page, [*drafts, started], "assign")
    expect(page.locator("h1")).to_contain_text("已选 3 个问题")
    expect(page.get_by_test_id("bulk-preview")).to_contain_text("其中 2 个当前可执行")
    expect(page.locator("#bulk-assign-due_date")).to_have_value("2026-06-30")
    page.fill("#bulk-assign-due_date", "2026-07-15")
    shot(page, "bulk-1-assign-confirm")
    page.get_by_test_id("bulk-confirm").click()
    expect(page.get_by_test_id("bulk-summary")).to_have_text("2 个成功，1 个未执行")
    refused = page.locator("tr[data-ok=false]")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text(started.code)
    expect(refused).to_contain_text("当前状态不允许")
    shot(page, "bulk-2-assign-results")
    assert [_status(p) for p in drafts] == ["assigned", "assigned"]
    assert Problem.objects.get(pk=drafts[0].pk).due_date == dt.date(2026, 7, 15)
    assert _status(started) == "in_progress"


def test_it_submits_in_bulk_for_the_unit(cast, make_problem, as_user):
    drafts = [make_problem("draft", batch=cast.reviewed_batch) for _ in range(2)]
    page = as_user(cast.admin_a)
    page.goto("/problems/")
    _pick(page, drafts, "submit")
    page.get_by_test_id("bulk-confirm").click()
    expect(page.get_by_test_id("bulk-summary")).to_have_text("2 个成功，0 个未执行")
    assert [_status(p) for p in drafts] == ["list_review", "list_review"]


def test_it_withdraws_in_bulk_after_asking_for_the_reason(cast, make_problem, as_user):
    problems = [make_problem("in_progress") for _ in range(2)]
    page = as_user(cast.oa)
    page.goto("/problems/")
    _pick(page, problems, "withdraw")
    page.get_by_test_id("bulk-confirm").click()  # no reason yet: asked again, nothing done
    expect(page.locator(".errorlist")).to_be_visible()
    page.fill("#bulk-withdraw-comment", "与其他问题重复")
    page.get_by_test_id("bulk-confirm").click()
    expect(page.get_by_test_id("bulk-summary")).to_have_text("2 个成功，0 个未执行")
    assert [_status(p) for p in problems] == ["withdrawn", "withdrawn"]


def test_it_sends_supervision_letters_in_bulk(cast, make_problem, as_user):
    late = [make_problem("in_progress", due_date=dt.date(2026, 2, 10)) for _ in range(2)]
    page = as_user(cast.rev)
    page.goto("/problems/?overdue=true")
    _pick(page, late, "supervise")
    page.select_option("#bulk-supervise-kind", "letter")
    page.fill("#bulk-supervise-content", "请于三日内书面说明逾期原因")
    page.get_by_test_id("bulk-confirm").click()
    expect(page.get_by_test_id("bulk-summary")).to_have_text("2 个成功，0 个未执行")
    assert SupervisionAction.objects.filter(kind="letter").count() == 2


def test_it_approves_in_bulk_from_the_review_inbox(cast, make_problem, as_user, shot):
    problems = [make_problem("closeout_review", title=f"待审{i}") for i in range(2)]
    page = as_user(cast.head_a)
    page.goto("/reviews/")
    for p in problems:
        page.get_by_test_id(f"pick-{p.pk}").check()
    expect(page.locator("[data-bulk-count]")).to_have_text("2")
    page.get_by_test_id("bulk-next").click()
    page.fill("#bulk-approve_closeout-comment", "材料齐全，同意")
    page.get_by_test_id("bulk-confirm").click()
    expect(page.get_by_test_id("bulk-summary")).to_have_text("2 个成功，0 个未执行")
    shot(page, "bulk-3-approve-results")
    for p in problems:
        step = p.requests.get().steps.get(position=1)
        assert (step.decision, step.opinion) == ("approve", "材料齐全，同意")
