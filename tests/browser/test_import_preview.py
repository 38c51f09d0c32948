"""The import's 检查通过 step in Chromium: the parsed rows as a table on a laptop, as cards on a
phone (no sideways page scroll), and the confirmation imports the measures as listed."""

import io

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from issues.models import Category, Measure, Problem

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

NO_SIDEWAYS = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
HEADERS = ["序号", "问题来源", "问题类别", "问题描述", "整改措施", "牵头单位", "配合单位"]
HEADERS += ["责任领导", "整改时限"]
ROWS = [
    [1, "巡察", "工作作风", "学校食堂管理不规范，部分食材无进货台账。",
     "1. 全面排查各校食堂\n2. 开展食品安全抽检（责任单位：卫健局；责任人：staff_b）",
     "教育局", "卫健局", "leader", "2026-06-30"],
    [2, "巡察", "工作作风", "校车安全检查记录缺失。", "1. 建立校车检查台账", "教育局", "",
     "", "2026年5月底前"],
]  # fmt: skip


def _workbook(tmp_path):
    wb = Workbook()
    wb.active.append(HEADERS)
    for row in ROWS:
        wb.active.append(row)
    path = tmp_path / "问题清单.xlsx"
    out = io.BytesIO()
    wb.save(out)
    path.write_bytes(out.getvalue())
    return path


def test_it_lists_the_checked_rows_and_imports_them_so(cast, as_user, shot, tmp_path):
    # Seeded by a migration, but a transactional test before this one may have flushed it.
    Category.objects.get_or_create(name="工作作风")
    page = as_user(cast.oa)
    page.goto("/problems/import/")
    page.select_option("#id_batch", str(cast.batch.pk))
    page.set_input_files("#id_file", str(_workbook(tmp_path)))
    page.click("[data-testid=import-check]")

    table = page.get_by_test_id("import-preview")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(2)
    first = table.locator("tbody tr").first
    expect(first).to_contain_text("学校食堂管理不规范")
    expect(first).to_contain_text("开展食品安全抽检")
    expect(first).to_contain_text("卫健局；staff_b")
    shot(page, "import-preview-1366")

    page.set_viewport_size({"width": 390, "height": 844})
    assert first.evaluate("row => getComputedStyle(row).display") == "block"  # a card
    assert page.evaluate(NO_SIDEWAYS)
    shot(page, "import-preview-390")
    assert not Problem.objects.exists()

    page.click("[data-testid=import-confirm]")
    page.wait_for_url("**/problems/?batch=*")
    measure = Measure.objects.get(content="开展食品安全抽检")
    assert (measure.unit, measure.owner) == (cast.unit_b, cast.staff_b)
    assert Problem.objects.count() == 2
