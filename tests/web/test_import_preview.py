"""The import's 检查通过 step lists the parsed rows as the office will get them (issue 16):
fields, measures with their unit, owner and due date, the 举一反三 hint — the first 200 rows,
with no query per row, and nothing written."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from issues.models import Measure, Problem
from ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db

HEADERS = ["序号", "问题标题", "问题来源", "问题类别", "问题描述", "整改措施"]
HEADERS += ["牵头单位", "配合单位", "责任领导", "整改时限"]
MEASURES = "1. 全面排查\n2. 抽检食品（责任单位：卫健局；责任人：staff_b；完成时限：2026-05-31）"


def _xlsx(rows) -> SimpleUploadedFile:
    wb = Workbook()
    wb.active.append(HEADERS)
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("问题清单.xlsx", out.getvalue())


def _row(n, title="食堂管理不规范", measures=MEASURES):
    return [n, title, "巡察", "工作作风", "具体表现", measures, "教育局", "卫健局", "leader",
            "2026-06-30"]  # fmt: skip


def _check(client, cast, rows):
    return client.post("/problems/import/", {"batch": cast.batch.pk, "file": _xlsx(rows)})


def test_it_lists_the_parsed_rows_with_their_measures(cast, web):
    response = _check(web(cast.oa), cast, [_row(1), _row(2, "校车管理不到位", "排查车辆")])

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="import-preview"' in page
    first = page.split('data-row="2"')[1].split("</tr>")[0]
    for text in ["2024-XC3-001", "食堂管理不规范", "教育局", "卫健局", "巡察", "工作作风"]:
        assert text in first
    assert "2026-06-30" in first and "leader" in first
    assert "全面排查 <span" in first and "（教育局；2026-06-30）" in first
    assert "抽检食品 <span" in first and "（卫健局；staff_b；2026-05-31）" in first
    second = page.split('data-row="3"')[1].split("</tr>")[0]
    assert "2024-XC3-002" in second and "排查车辆" in second
    assert "共 2 行。" in page
    assert not Problem.objects.exists() and not Measure.objects.exists()
    assert not LedgerEntry.objects.exists()


def test_it_shows_the_first_200_rows_and_counts_the_rest(cast, web):
    response = _check(web(cast.oa), cast, [_row(n, f"问题{n}") for n in range(1, 251)])

    page = response.content.decode()
    assert response.context["pending"]["rows"] == 250
    assert "共 250 行，显示前 200 行。" in page
    assert page.count("<tr data-row=") == 200
    assert 'data-row="201"' in page and 'data-row="202"' not in page
    assert not Problem.objects.exists()


def test_it_asks_no_query_per_row(cast, web):
    """Rows past the 举一反三 hint's first 50 cost nothing: 60 rows and 250 rows alike."""
    client = web(cast.oa)
    counts = []
    for n in (60, 250):
        with CaptureQueriesContext(connection) as queries:
            response = _check(client, cast, [_row(i, f"问题{i}") for i in range(1, n + 1)])
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
