"""The ledger export (SPEC §7): columns and profiles, totals that reconcile, print set-up,
formula injection, scope, and a query count that does not grow with the rows."""

import csv
import datetime as dt
import io
import re
import zipfile
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from books.services import export
from books.services.export import xlsx as export_xlsx
from issues.models import Category, Regulation
from issues.selectors.deadlines import annotate_deadlines
from issues.selectors.scope import visible_problems
from issues.services.workflow import perform_action

SHANGHAI = ZoneInfo("Asia/Shanghai")

SPEC_COLUMNS = [
    "序号",
    "问题编号",
    "问题来源",
    "问题类别",
    "问题描述",
    "增量/存量",
    "整改目标",
    "整改措施",
    "责任领导",
    "牵头单位",
    "配合单位",
    "责任人",
    "整改类型",
    "整改时限",
    "整改进展",
    "整改状态",
    "预警",
    "销号时间",
    "佐证材料",
    "建章立制",
    "备注",
]


def xlsx_for(user, *, profile="default", params=None, problems=None, include_uncounted=False):
    problems = visible_problems(user) if problems is None else problems
    meta, rows = export.ledger_export_prepare(
        user=user,
        problems=problems,
        profile=export.PROFILES[profile],
        params=params or {},
        include_uncounted=include_uncounted,
    )
    handle = export_xlsx.ledger_xlsx_file(meta, rows)
    data = handle.read()
    handle.close()
    return data


def sheet_rows(data: bytes):
    """(header, data rows, totals text, worksheet) of an exported workbook."""
    ws = load_workbook(io.BytesIO(data)).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    header = values[export_xlsx.HEADER_ROW - 1]
    rows, totals = [], None
    for row in values[export_xlsx.HEADER_ROW :]:
        if str(row[0] or "").startswith("合计"):
            totals = row[0]
            break
        rows.append(dict(zip(header, row, strict=True)))
    return header, rows, totals, ws


ADDED = ["原定时限", "延期"]  # issue 16 item 7, after the SPEC's columns


def test_it_has_the_spec_columns_in_order():
    assert export.PROFILES["default"].headers == SPEC_COLUMNS + ADDED


def test_it_has_the_named_profiles_in_order():
    ztjy = export.PROFILES["ztjy"].headers
    assert "预警" not in ztjy
    assert ztjy[: ztjy.index("问题描述") + 1] == [
        "序号",
        "问题编号",
        "问题来源",
        "问题类别",
        "专项整治",
        "问题描述",
    ]
    assert [h for h in ztjy if h not in ("专项整治", *ADDED)] == [
        h for h in SPEC_COLUMNS if h != "预警"
    ]

    assert export.PROFILES["xuncha"].headers == [
        "序号",
        "问题编号",
        "问题归类",
        "问题表现",
        "整改目标",
        "整改措施",
        "分管领导",
        "牵头整改部门",
        "配合部门",
        "责任人",
        "整改时限",
        "原定时限",
        "延期",
        "整改进展",
        "完成情况",
        "销号时间",
        "佐证材料",
        "建章立制",
        "备注",
    ]
    shenji = export.PROFILES["shenji"].headers
    assert shenji[3:7] == ["问题类别", "审计项目", "问题描述", "涉及金额（万元）"]
    assert shenji[shenji.index("整改进展") :][:3] == ["整改进展", "主要原因", "下一步措施"]
    assert [h for h in shenji if h in SPEC_COLUMNS] == SPEC_COLUMNS
    assert export.get_profile("巡察") is export.PROFILES["xuncha"]
    assert export.get_profile("nope") is None


def hand_counted(cast, make_problem, _today):
    """教育局: 2 closed (1 late), routine, in_progress overdue, assigned, long_term,
    closeout_review, draft, withdrawn.  卫健局: closed, in_progress (cooperating: 教育局)."""
    late = make_problem("in_progress", due_date=dt.date(2026, 3, 5))
    make_problem("closed")
    make_problem("routine")
    make_problem("in_progress", due_date=dt.date(2026, 3, 5))
    make_problem("assigned")
    make_problem("long_term")
    make_problem("closeout_review")
    make_problem("draft")
    make_problem("withdrawn")
    make_problem("closed", lead_unit=cast.unit_b)
    make_problem("in_progress", lead_unit=cast.unit_b, cooperating_units=[cast.unit_a])
    _today.move_to(dt.datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI))
    from tests.conftest import _finish_measures_and_upload

    _finish_measures_and_upload(cast, late, cast.admin_a)
    perform_action(
        problem_id=late.pk, action="request_closeout", actor=cast.admin_a, data={"summary": "完成"}
    )
    for reviewer in (cast.head_a, cast.rev):
        perform_action(problem_id=late.pk, action="approve_closeout", actor=reviewer)
    return late


def test_the_totals_row_reconciles_with_a_known_ledger(cast, make_problem, _today):
    hand_counted(cast, make_problem, _today)
    _header, rows, totals, _ = sheet_rows(xlsx_for(cast.oa))
    # Draft and withdrawn are not in the 台账 of counted problems.
    assert len(rows) == 9
    assert not [r for r in rows if "未计入" in r["整改状态"]]
    numbers = [int(n) for n in re.findall(r"(\d+) 项", totals)]
    total, completed, in_progress, overdue, long_term = numbers
    assert (total, completed, in_progress, overdue, long_term) == (9, 4, 4, 1, 1)
    assert total == completed + in_progress + long_term == len(rows)
    # The rows say the same thing as the totals.
    buckets = [r["整改状态"].split("（")[0] for r in rows]
    assert buckets.count("已完成") == completed
    assert buckets.count("正在整改") == in_progress
    assert buckets.count("长期坚持") == long_term
    assert [r["预警"] for r in rows].count("红") == overdue
    assert [r["序号"] for r in rows] == list(range(1, 10))  # numbers, not text


def test_a_status_filter_brings_in_uncounted_rows(cast, make_problem):
    make_problem("draft")
    make_problem("in_progress")
    problems = visible_problems(cast.oa).filter(status="draft")
    _, rows, totals, _ = sheet_rows(xlsx_for(cast.oa, problems=problems, include_uncounted=True))
    assert [r["整改状态"] for r in rows] == ["未计入统计（草稿）"]
    assert totals.startswith("合计：总数 0 项")


def test_it_writes_every_column(cast, make_problem, _today):
    category = Category.objects.get(name="工作作风")
    problem = make_problem(
        "closed",
        cooperating_units=[cast.unit_b],
        measures=[
            {"content": "建立台账", "unit": cast.unit_a},
            {"content": "开展检查", "unit": cast.unit_b},
        ],
        category=category,
        origin="legacy",
        target="按月公开",
        responsible_leader=cast.leader,
        owner=cast.staff_a,
        remark="备注文字",
    )
    Regulation.objects.create(
        name="村务公开制度",
        doc_no="教发〔2026〕1号",
        issued_on=dt.date(2026, 3, 1),
        unit=cast.unit_a,
    ).problems.add(problem)
    make_problem("long_term", rectify_type="long_term", due_date=None)
    _, rows, _, _ = sheet_rows(xlsx_for(cast.oa))
    row = next(r for r in rows if r["问题编号"] == problem.code)
    assert row == {
        "序号": 1,
        "问题编号": problem.code,
        "问题来源": "巡察",
        "问题类别": "工作作风",
        "问题描述": "具体表现",
        "增量/存量": "存量",
        "整改目标": "按月公开",
        "整改措施": "1. 建立台账\n2. 开展检查",
        "责任领导": "leader",
        "牵头单位": "教育局",
        "配合单位": "卫健局",
        "责任人": "staff_a",
        "整改类型": "限期整改",
        "整改时限": dt.datetime(2026, 6, 30),  # real dates Excel sorts and filters
        "整改进展": "已整改完成",  # closed: the approved close-out request's summary
        "整改状态": "已完成（已销号）",
        "预警": "蓝",
        "销号时间": dt.datetime(2026, 3, 2),
        "佐证材料": "纪要.pdf",
        "建章立制": "村务公开制度（教发〔2026〕1号）",
        "备注": "备注文字",
        "原定时限": dt.datetime(2026, 6, 30),
        "延期": None,
    }
    long_term = rows[1]
    assert long_term["整改时限"] == "长期坚持"
    assert long_term["整改状态"] == "长期坚持"


def test_the_sheet_is_set_up_for_printing(cast, make_problem):
    make_problem("in_progress")
    header, _rows, _totals, ws = sheet_rows(
        xlsx_for(cast.oa, params={"batch": str(cast.batch.pk), "status": ""})
    )
    assert ws["A1"].value == "县委第三轮巡察反馈问题整改台账"
    assert ws["A1"].font.b
    assert "A1:W1" in {str(r) for r in ws.merged_cells.ranges}
    assert "A2:W2" in {str(r) for r in ws.merged_cells.ranges}
    meta = ws["A2"].value
    assert "范围：县委" in meta
    assert "批次=县委第三轮巡察反馈问题" in meta
    assert "生成时间：2026-03-02 10:00" in meta
    assert all(c.font.b for c in ws[export_xlsx.HEADER_ROW])
    assert ws["E4"].alignment.wrap_text
    assert ws.column_dimensions["E"].width == 40
    assert ws.print_title_rows == "$3:$3"
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.freeze_panes == "A4"
    # Fonts offices expect, and date cells with a date format.
    assert ws["A1"].font.name == "方正小标宋简体"
    assert {c.font.name for c in ws[export_xlsx.HEADER_ROW]} == {"宋体"}
    assert ws["A4"].font.name == "宋体" and ws["A4"].value == 1
    due = ws.cell(row=4, column=header.index("整改时限") + 1)
    assert due.is_date and due.number_format == "yyyy-mm-dd"


def test_it_lists_extensions_and_the_original_due_date(cast, make_problem):
    problem = make_problem("in_progress", due_date=dt.date(2026, 6, 30))
    for to in ("2026-08-31", "2026-09-30"):
        perform_action(
            problem_id=problem.pk,
            action="request_extension",
            actor=cast.admin_a,
            data={"kind": "extend", "requested_due_date": to, "reason": "工程量大"},
        )
        perform_action(problem_id=problem.pk, action="approve_extension", actor=cast.head_a)
        perform_action(problem_id=problem.pk, action="approve_extension", actor=cast.rev)
    _, rows, _, _ = sheet_rows(xlsx_for(cast.oa))
    assert rows[0]["整改时限"] == dt.datetime(2026, 9, 30)
    assert rows[0]["原定时限"] == dt.datetime(2026, 6, 30)
    assert rows[0]["延期"] == "延期2次：2026-08-31、2026-09-30"
    _, rows, _, _ = sheet_rows(xlsx_for(cast.oa, profile="xuncha"))
    assert rows[0]["延期"] == "延期2次：2026-08-31、2026-09-30"


def test_it_reads_filters_and_scope_as_words(cast):
    text = export.filters_text(
        {
            "status": "in_progress,closed",
            "unit": str(cast.unit_a.pk),
            "overdue": "true",
            "page": "2",
        }
    )
    assert text == "状态=整改中、已销号；单位=教育局；逾期=是"
    assert export.scope_text(cast.admin_a) == "教育局"
    assert export.scope_text(cast.root) == "全部单位"


EVIL = '=HYPERLINK("http://x","点我")'


@pytest.fixture
def injected(cast, make_problem):
    return make_problem(
        "in_progress", description=EVIL, target="+1+1", remark="@SUM(A1)", title="-2"
    )


def test_csv_escapes_formulas(cast, injected, api):
    response = api(cast.oa).get("/api/v1/exports/ledger.csv")
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0]["问题描述"] == "'" + EVIL
    assert rows[0]["整改目标"] == "'+1+1"
    assert rows[0]["备注"] == "'@SUM(A1)"
    assert export.csv_safe("\tcmd") == "'\tcmd" and export.csv_safe("\rcmd") == "'\rcmd"
    assert export.csv_safe("正常") == "正常"


def test_xlsx_stores_formulas_as_text(cast, injected):
    data = xlsx_for(cast.oa)
    _, rows, _, ws = sheet_rows(data)
    assert rows[0]["问题描述"] == EVIL
    cell = ws.cell(export_xlsx.HEADER_ROW + 1, 5)
    assert cell.data_type == "s"
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


def test_it_drops_characters_xml_cannot_hold(cast, make_problem):
    make_problem("in_progress", description="换\x0b行\x1f了")
    _, rows, _, _ = sheet_rows(xlsx_for(cast.oa))
    assert rows[0]["问题描述"] == "换行了"


def test_exports_respect_scope(cast, make_problem):
    a = make_problem("in_progress")
    b = make_problem("in_progress", lead_unit=cast.unit_b)
    shared = make_problem("in_progress", lead_unit=cast.unit_b, cooperating_units=[cast.unit_a])
    codes = lambda user: {r["问题编号"] for r in sheet_rows(xlsx_for(user))[1]}  # noqa: E731
    assert codes(cast.outsider) == set()
    assert codes(cast.admin_b) == {b.code, shared.code}
    assert codes(cast.admin_a) == {a.code, shared.code}
    assert codes(cast.oa) == {a.code, b.code, shared.code}
    _, _, totals, _ = sheet_rows(xlsx_for(cast.outsider))
    assert totals.startswith("合计：总数 0 项")


def export_queries(user, chunk_size=export.CHUNK_SIZE):
    meta, rows = export.ledger_export_prepare(
        user=user,
        problems=annotate_deadlines(visible_problems(user)),
        profile=export.PROFILES["shenji"],
        params={"batch": "1"},
        include_uncounted=False,
    )
    with CaptureQueriesContext(connection) as ctx:
        list(export.iter_rows(rows, meta.profile, chunk_size=chunk_size))
    return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries]


def test_the_query_count_does_not_grow_with_the_rows(cast, make_problem):
    def add(n):
        for _ in range(n):
            p = make_problem(
                "closed",
                cooperating_units=[cast.unit_b],
                measures=[
                    {"content": "一", "unit": cast.unit_a},
                    {"content": "二", "unit": cast.unit_b},
                ],
            )
            Regulation.objects.create(
                name="制度", issued_on=dt.date(2026, 3, 1), unit=cast.unit_a
            ).problems.add(p)

    add(2)
    few, few_sql = export_queries(cast.admin_a)
    add(4)
    many, many_sql = export_queries(cast.admin_a)
    assert few == many, "\n".join(["few:", *few_sql, "many:", *many_sql])
    assert many <= 6, "\n".join(many_sql)
    # Chunked: the prefetches run once per chunk, never once per row.
    chunked, chunked_sql = export_queries(cast.admin_a, chunk_size=2)
    assert chunked == 1 + 3 * (many - 1), "\n".join(chunked_sql)


def test_the_api_exports_xlsx_with_the_problem_filters(cast, make_problem, api):
    keep = make_problem("in_progress", source="audit")
    make_problem("in_progress")
    response = api(cast.oa).get("/api/v1/exports/ledger.xlsx?source=audit&profile=ztjy")
    assert response.status_code == 200
    assert response["Content-Type"] == export_xlsx_type()
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    data = b"".join(response.streaming_content)
    header, rows, _, _ = sheet_rows(data)
    assert header == export.PROFILES["ztjy"].headers
    assert [r["问题编号"] for r in rows] == [keep.code]


def export_xlsx_type():
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_the_api_refuses_an_unknown_profile_and_strangers(cast, api):
    response = api(cast.oa).get("/api/v1/exports/ledger.csv?profile=nope")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "profile" in response.json()["errors"]
    assert api(None).get("/api/v1/exports/ledger.xlsx").status_code == 401
    assert api(cast.oa).get("/api/v1/exports/ledger.csv?status=nope").status_code == 400
