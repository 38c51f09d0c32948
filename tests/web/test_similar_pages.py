"""举一反三 on the pages: the problem page lists similar problems in scope with their status
and measures and tags a recurring problem 重复发生; the registration page's 查找类似问题."""

import datetime as dt

import pytest

from tests.conftest import SHANGHAI

pytestmark = pytest.mark.django_db

TITLE = "食堂食品安全管理不规范"
DESC = "学校食堂食品留样记录缺失，从业人员健康证过期。"


def test_it_lists_similar_problems_in_scope_on_the_problem_page(cast, make_problem, web):
    problem = make_problem(title=TITLE, description=DESC)
    twin = make_problem(
        "in_progress",
        title="食堂食品安全管理不到位",
        description=DESC,
        measures=[{"content": "建立食品留样台账", "unit": cast.unit_a}],
    )
    theirs = make_problem(lead_unit=cast.unit_b, title=TITLE, description=DESC)

    page = web(cast.admin_a).get(f"/problems/{problem.pk}/").content.decode()

    assert "其他单位/往期存在类似问题 1 条" in page
    assert f"/problems/{twin.pk}/" in page and "建立食品留样台账" in page and "整改中" in page
    assert theirs.code not in page  # 卫健局's problem is outside 教育局's scope
    office = web(cast.oa).get(f"/problems/{problem.pk}/").content.decode()
    assert "其他单位/往期存在类似问题 2 条" in office and theirs.code in office


def test_it_tags_a_recurring_problem(_today, cast, make_problem, web):
    _today.move_to(dt.datetime(2025, 6, 1, 10, tzinfo=SHANGHAI))
    earlier = make_problem("closed", title=TITLE, description=DESC, due_date=dt.date(2025, 8, 1))
    _today.move_to(dt.datetime(2026, 3, 2, 10, tzinfo=SHANGHAI))
    again = make_problem(title="食堂食品安全管理不到位", description=DESC)
    plain = make_problem(title="道路破损未及时修复", description="城区主干道路面坑洼。")

    page = web(cast.oa).get(f"/problems/{again.pk}/").content.decode()

    assert 'data-testid="recurring"' in page and f"此前类似问题 {earlier.code}" in page
    assert (
        'data-testid="recurring"' not in web(cast.oa).get(f"/problems/{plain.pk}/").content.decode()
    )


def test_it_finds_similar_problems_from_the_registration_form(cast, make_problem, web):
    twin = make_problem(title=TITLE, description=DESC)
    theirs = make_problem(lead_unit=cast.unit_b, title=TITLE, description=DESC)
    form = web(cast.admin_a).get("/problems/new/").content.decode()
    assert 'data-testid="find-similar"' in form

    page = web(cast.admin_a).post(
        "/problems/similar/", {"title": "食堂食品安全管理不到位", "description": DESC}
    )

    text = page.content.decode()
    assert page.status_code == 200
    assert "其他单位/往期存在类似问题 1 条" in text
    assert twin.code in text and theirs.code not in text


def test_it_counts_similar_problems_per_row_on_the_import_dry_run(cast, make_problem, web):
    from tests.web.test_books_pages import _xlsx

    twin = make_problem(title="食堂管理不规范", description="食堂管理不规范")
    rows = [
        [1, "巡察", "食堂管理不规范", "1. 建立制度", "教育局", "2026-06-30"],
        [2, "巡察", "道路破损未及时修复", "1. 修路", "教育局", "2026-06-30"],
    ]

    response = web(cast.oa).post("/problems/import/", {"batch": cast.batch.pk, "file": _xlsx(rows)})

    page = response.content.decode()
    assert response.status_code == 200
    first, second = (page.split(f'data-row="{n}"')[1].split("</tr>")[0] for n in (2, 3))
    assert 'data-testid="import-similar"' in first and twin.code in first
    assert "其他单位/往期存在类似问题 1 条" in first
    assert 'data-testid="import-similar"' not in second
