"""Importing a problem list (SPEC §7): headers by name and alias, every date form, every bad
row reported with its row and column, all-or-nothing, the ledger record, and the round trip
export → import."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from books.services import export, importer
from books.services.export import xlsx as export_xlsx
from books.services.importer import (
    LONG_TERM,
    ImportRejected,
    parse_due,
    problems_import,
    split_measures,
)
from issues.exceptions import ActionForbidden, InvalidInput
from issues.models import Batch, Campaign, Category, Measure, Problem, Role
from issues.selectors.scope import visible_problems
from issues.services.reports import UnsupportedFileType
from ledger.models import LedgerEntry
from ledger.services import ledger_verify
from tests.conftest import make_user

HEADERS = ["序号", "问题来源", "问题类别", "问题描述", "整改措施", "牵头单位", "整改时限"]


def xlsx(rows, *, title=None, name="问题清单.xlsx") -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(name, out.getvalue())


@pytest.fixture
def new_batch(db):
    return Batch.objects.create(name="2024年审计发现问题", source="audit", code_prefix="2024-SJ")


@pytest.fixture
def categories(db):
    return {name: Category.objects.get(name=name) for name in ("工作作风", "廉洁自律")}


def run(actor, batch, upload, dry_run=False):
    return problems_import(actor=actor, batch=batch, upload=upload, dry_run=dry_run)


# --- cells -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2024-03-31", dt.date(2024, 3, 31)),
        ("2024/3/31", dt.date(2024, 3, 31)),
        ("2024.3.31", dt.date(2024, 3, 31)),
        ("2024年3月31日", dt.date(2024, 3, 31)),
        ("2024年3月31日前", dt.date(2024, 3, 31)),
        (" 2024 年 3 月 5 日 ", dt.date(2024, 3, 5)),
        ("20240331", dt.date(2024, 3, 31)),
        ("2024-03-31 00:00:00", dt.date(2024, 3, 31)),
        ("2024年2月底前", dt.date(2024, 2, 29)),
        ("2023年12月底", dt.date(2023, 12, 31)),
        ("2024年底前", dt.date(2024, 12, 31)),
        (dt.datetime(2024, 3, 31, 0, 0), dt.date(2024, 3, 31)),
        (dt.date(2024, 3, 31), dt.date(2024, 3, 31)),
        (45382, dt.date(2024, 3, 31)),  # an Excel serial number in an unformatted cell
        ("长期坚持", LONG_TERM),
        ("持续整改", LONG_TERM),
        ("", None),
        (None, None),
    ],
)
def test_it_reads_every_date_form(value, expected):
    assert parse_due(value) == expected


@pytest.mark.parametrize("value", ["2024-02-30", "明年", "2024-13-01", "31/03/2024", -5])
def test_it_refuses_what_is_not_a_date(value):
    with pytest.raises(importer.CellError):
        parse_due(value)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1. 全面排查\n2. 建立制度\n3. 专项督查", ["全面排查", "建立制度", "专项督查"]),
        ("1、全面排查；2、建立制度。", ["全面排查", "建立制度。"]),
        ("（1）排查\n（2）建制", ["排查", "建制"]),
        ("(1)排查(2)不拆", ["排查(2)不拆"]),
        ("①排查②建制", ["排查②建制"]),
        ("①排查\n②建制", ["排查", "建制"]),
        ("一、排查\n二、建制", ["排查", "建制"]),
        ("1.落实资金2.5万元\n2.验收", ["落实资金2.5万元", "验收"]),
        ("1. 第一条\n   续写一行\n2. 第二条", ["第一条\n   续写一行", "第二条"]),
        ("没有编号的一条措施", ["没有编号的一条措施"]),
        ("", []),
    ],
)
def test_numbered_lines_become_measures(text, expected):
    assert split_measures(text) == expected


# --- headers -----------------------------------------------------------------------------------


def test_it_finds_aliased_headers_in_any_order_under_a_title(cast, new_batch, categories):
    upload = xlsx(
        [
            [
                "完成时限",
                "问题归类",
                "具体表现",
                "牵头整改部门",
                "分管领导",
                "配合部门",
                "增量/存量",
            ],
            [
                "2024年3月31日",
                "工作作风",
                "公开栏长期未更新",
                "教育局",
                "leader",
                "卫健局、民政局",
                "存量",
            ],
        ],
        title="县委第三巡察组反馈问题整改清单",
    )
    assert run(cast.oa, new_batch, upload).created == 1
    problem = Problem.objects.get(batch=new_batch)
    assert problem.description == "公开栏长期未更新"
    assert problem.title == "公开栏长期未更新"
    assert problem.due_date == dt.date(2024, 3, 31)
    assert problem.category == categories["工作作风"]
    assert problem.lead_unit == cast.unit_a
    assert problem.responsible_leader == cast.leader
    assert set(problem.cooperating_units.all()) == {cast.unit_b, cast.unit_c}
    assert problem.origin == "legacy"
    assert problem.source == "audit"  # no 问题来源 column: the batch's source


@pytest.mark.parametrize(
    "headers",
    [
        ["问题描述", "牵头单位", "整改时限", "问题来源", "整改类型", "责任人"],
        ["问题表现", "责任单位", "完成时限", "来源", "整改方式", "整改责任人"],
        ["问题描述（具体表现）", "牵头单位*", "整改 时限", "问题来源", "整改类型", "责任人"],
    ],
)
def test_every_alias_reads_the_same(cast, new_batch, headers):
    upload = xlsx([headers, ["问题甲", "JYJ", "2024/6/30", "巡察", "立行立改", "staff_a"]])
    run(cast.oa, new_batch, upload)
    problem = Problem.objects.get(batch=new_batch)
    assert (problem.description, problem.lead_unit, problem.due_date) == (
        "问题甲",
        cast.unit_a,
        dt.date(2024, 6, 30),
    )
    assert (problem.source, problem.rectify_type, problem.owner) == (
        "circuit_inspection",
        "immediate",
        cast.staff_a,
    )


def test_units_match_by_name_short_name_or_code(cast, new_batch):
    cast.unit_b.short_name = "卫健"
    cast.unit_b.save()
    upload = xlsx(
        [
            ["问题描述", "牵头单位", "配合单位", "整改时限"],
            ["甲", "教育局", "卫健", "2024-06-30"],
            ["乙", "wjj", "jyj", "2024-06-30"],
        ]
    )
    run(cast.oa, new_batch, upload)
    first, second = Problem.objects.filter(batch=new_batch).order_by("id")
    assert (first.lead_unit, list(first.cooperating_units.all())) == (cast.unit_a, [cast.unit_b])
    assert (second.lead_unit, list(second.cooperating_units.all())) == (cast.unit_b, [cast.unit_a])


def test_long_term_and_the_batch_default_due_date(cast, make_problem):
    upload = xlsx(
        [
            ["问题描述", "牵头单位", "整改时限", "整改类型"],
            ["长期的", "教育局", "长期坚持", ""],
            ["默认时限", "教育局", "", ""],
            ["类型长期", "教育局", "", "长期坚持"],
        ]
    )
    run(cast.oa, cast.batch, upload)
    rows = {p.description: p for p in Problem.objects.filter(batch=cast.batch)}
    assert (rows["长期的"].rectify_type, rows["长期的"].due_date) == ("long_term", None)
    assert rows["默认时限"].due_date == cast.batch.default_due_date
    assert (rows["类型长期"].rectify_type, rows["类型长期"].due_date) == ("long_term", None)


def test_optional_and_unknown_columns(cast, new_batch):
    campaign = Campaign.objects.create(name="群众身边不正之风专项整治", lead_unit=cast.county)
    upload = xlsx(
        [
            [
                "问题标题",
                "问题描述",
                "牵头单位",
                "整改时限",
                "专项整治",
                "涉及金额",
                "严重程度",
                "备注",
                "发现途径",
            ],
            [
                "标题甲",
                "描述甲",
                "教育局",
                "2024-06-30",
                campaign.name,
                "12.5",
                "较重",
                "已约谈",
                "实地走访",
            ],
        ]
    )
    run(cast.oa, new_batch, upload)
    problem = Problem.objects.get(batch=new_batch)
    assert (problem.title, problem.campaign, str(problem.amount), problem.severity) == (
        "标题甲",
        campaign,
        "12.50",
        "serious",
    )
    assert problem.remark == "已约谈\n发现途径：实地走访"


def test_duplicate_and_missing_headers_are_reported(cast, new_batch):
    with pytest.raises(ImportRejected) as caught:
        run(cast.oa, new_batch, xlsx([["问题描述", "具体表现", "整改时限"], ["甲", "乙", ""]]))
    rows = caught.value.errors["rows"]
    assert [(r["row"], r["column"]) for r in rows] == [(1, "具体表现"), (1, "牵头单位")]
    assert "问题描述" in rows[0]["message"]
    assert rows[1]["message"] == "缺少必需的列。"
    with pytest.raises(ImportRejected) as caught:
        run(cast.oa, new_batch, xlsx([["随便", "什么"], ["甲", "乙"]]))
    assert "未找到表头" in caught.value.errors["rows"][0]["message"]


# --- bad rows ----------------------------------------------------------------------------------


def test_a_dry_run_reports_every_bad_row_with_row_and_column(cast, new_batch, categories):
    # An office admin whose scope is 教育局 only: 卫健局 is outside it.
    oa_a = make_user("oa_a", unit=cast.unit_a, role=Role.OFFICE_ADMIN)
    upload = xlsx(
        [
            [
                "序号",
                "问题来源",
                "问题类别",
                "问题描述",
                "牵头单位",
                "配合单位",
                "责任人",
                "整改类型",
                "整改时限",
                "增量/存量",
            ],
            [1, "巡察", "工作作风", "好的一行", "教育局", "", "", "", "2024-06-30", ""],
            [2, "巡察", "", "", "教育局", "", "", "", "2024-06-30", ""],
            [3, "巡察", "", "外单位", "卫健局", "", "", "", "2024-06-30", ""],
            [4, "巡察", "", "没有的单位", "不存在局", "", "", "", "2024-06-30", ""],
            [5, "巡察", "", "日期错", "教育局", "", "", "", "2024-02-30", ""],
            [6, "小道消息", "", "来源错", "教育局", "", "", "", "2024-06-30", ""],
            [7, "巡察", "不存在类", "类别错", "教育局", "", "", "", "2024-06-30", ""],
            [8, "巡察", "", "人错", "教育局", "", "张三", "", "2024-06-30", ""],
            [9, "巡察", "", "类型错", "教育局", "", "", "马上改", "2024-06-30", ""],
            [10, "巡察", "", "无时限", "教育局", "", "", "", "", ""],
            [11, "巡察", "", "配合错", "教育局", "卫健局", "", "", "2024-06-30", "增"],
            [12, "", "", "", "", "", "", "", "", ""],  # pre-numbered, empty: skipped
        ],
        title="问题清单",
    )
    with pytest.raises(ImportRejected) as caught:
        run(oa_a, new_batch, upload, dry_run=True)
    found = [(e["row"], e["column"]) for e in caught.value.errors["rows"]]
    # Excel rows: the title is row 1, the header row 2, so 序号 n sits on row n + 2.
    assert found == [
        (4, "问题描述"),
        (5, "牵头单位"),
        (6, "牵头单位"),
        (7, "整改时限"),
        (8, "问题来源"),
        (9, "问题类别"),
        (10, "责任人"),
        (11, "整改类型"),
        (12, "整改时限"),
        (13, "配合单位"),
        (13, "增量/存量"),  # in the order of the sheet's columns
    ]
    messages = {(e["row"], e["column"]): e["message"] for e in caught.value.errors["rows"]}
    assert messages[(5, "牵头单位")] == "单位“卫健局”不存在或不在您的管辖范围内。"
    assert "2024-02-30" in messages[(7, "整改时限")]
    assert "小道消息" in messages[(8, "问题来源")]
    assert messages[(12, "整改时限")] == "请填写整改时限（或“长期坚持”）。"
    assert Problem.objects.count() == 0


def test_an_office_admin_imports_for_units_below_them(cast, new_batch):
    oa_a = make_user("oa_a", unit=cast.unit_a, role=Role.OFFICE_ADMIN)
    upload = xlsx([["问题描述", "牵头单位", "整改时限"], ["学校的", "实验小学", "2024-06-30"]])
    assert run(oa_a, new_batch, upload).created == 1


def test_a_dry_run_writes_nothing(cast, new_batch):
    upload = xlsx([["问题描述", "牵头单位", "整改时限"], ["甲", "教育局", "2024-06-30"]])
    entries = LedgerEntry.objects.count()
    result = run(cast.oa, new_batch, upload, dry_run=True)
    assert (result.created, result.dry_run) == (1, True)
    assert Problem.objects.count() == 0
    assert LedgerEntry.objects.count() == entries
    new_batch.refresh_from_db()
    assert new_batch.last_seq == 0


def test_a_failing_import_leaves_nothing_behind(cast, new_batch):
    upload = xlsx(
        [
            ["问题描述", "牵头单位", "整改时限"],
            ["好的", "教育局", "2024-06-30"],
            ["坏的", "教育局", "某天"],
        ]
    )
    entries = LedgerEntry.objects.count()
    with pytest.raises(ImportRejected):
        run(cast.oa, new_batch, upload)
    assert Problem.objects.count() == 0
    assert LedgerEntry.objects.count() == entries
    new_batch.refresh_from_db()
    assert new_batch.last_seq == 0


def test_a_failure_while_writing_rolls_everything_back(cast, new_batch, monkeypatch):
    upload = xlsx(
        [["问题描述", "整改措施", "牵头单位", "配合单位", "整改时限"]]
        + [[f"问题{i}", "1. 甲\n2. 乙", "教育局", "卫健局", "2024-06-30"] for i in range(5)]
    )
    entries = LedgerEntry.objects.count()

    def failing_append(entries):
        list(entries)
        raise RuntimeError("disk full")  # after the problems, measures and links are written

    monkeypatch.setattr(importer, "ledger_append_many", failing_append)
    with pytest.raises(RuntimeError):
        run(cast.oa, new_batch, upload)
    assert Problem.objects.count() == 0
    assert Measure.objects.count() == 0
    assert Problem.cooperating_units.through.objects.count() == 0
    assert LedgerEntry.objects.count() == entries
    new_batch.refresh_from_db()
    assert new_batch.last_seq == 0
    assert ledger_verify().ok


def test_a_real_import_is_recorded_in_the_ledger(cast, new_batch):
    upload = xlsx(
        [
            ["问题描述", "整改措施", "牵头单位", "配合单位", "整改时限"],
            ["甲", "1. 排查\n2. 整改", "教育局", "卫健局", "2024-06-30"],
            ["乙", "", "卫健局", "", "长期坚持"],
        ],
        name="巡察反馈问题.xlsx",
    )
    result = run(cast.oa, new_batch, upload)
    first, second = Problem.objects.filter(batch=new_batch).order_by("id")
    assert result.created == 2 and result.problem_ids == [first.pk, second.pk]
    assert (first.code, second.code) == ("2024-SJ-001", "2024-SJ-002")
    assert (first.status, first.created_by) == ("draft", cast.oa)
    assert [(m.seq, m.content, m.unit, m.due_date) for m in first.measures.order_by("seq")] == [
        (1, "排查", cast.unit_a, dt.date(2024, 6, 30)),
        (2, "整改", cast.unit_a, dt.date(2024, 6, 30)),
    ]
    entry = LedgerEntry.objects.get(problem=first)
    assert (entry.action, entry.actor, entry.to_state) == ("create", cast.oa, "draft")
    assert entry.comment == "Excel 导入：巡察反馈问题.xlsx 第 2 行"
    assert entry.changes == {
        "code": [None, "2024-SJ-001"],
        "lead_unit": [None, cast.unit_a.pk],
        "due_date": [None, "2024-06-30"],
        "cooperating_units": [[], [cast.unit_b.pk]],
        "measures": [0, 2],
    }
    assert LedgerEntry.objects.get(problem=second).seq == entry.seq + 1
    assert ledger_verify().ok
    new_batch.refresh_from_db()
    assert new_batch.last_seq == 2
    # The next problem registered by hand continues the sequence.
    from issues.services.problems import problem_create

    third = problem_create(
        actor=cast.oa,
        batch=new_batch,
        lead_unit=cast.unit_a,
        title="丙",
        description="丙",
        source="audit",
        due_date=dt.date(2024, 6, 30),
    )
    assert third.code == "2024-SJ-003"


def test_only_office_admins_import_and_only_xlsx(cast, new_batch):
    upload = xlsx([["问题描述", "牵头单位", "整改时限"], ["甲", "教育局", "2024-06-30"]])
    with pytest.raises(ActionForbidden):
        run(cast.admin_a, new_batch, upload)
    with pytest.raises(UnsupportedFileType):
        run(cast.oa, new_batch, SimpleUploadedFile("a.pdf", b"%PDF-1.4 x"))
    with pytest.raises(UnsupportedFileType):
        run(cast.oa, new_batch, SimpleUploadedFile("a.xlsx", b"not a zip at all"))
    with pytest.raises(InvalidInput):
        run(cast.oa, new_batch, SimpleUploadedFile("a.xlsx", b"PK\x03\x04broken"))


# --- the round trip ----------------------------------------------------------------------------


def snapshot(problems, keep=None):
    rows = [
        (
            p.description,
            p.source,
            p.category_id,
            p.origin,
            p.target,
            tuple(m.content for m in p.measures.order_by("seq")),
            p.responsible_leader_id,
            p.lead_unit_id,
            tuple(sorted(u.pk for u in p.cooperating_units.all())),
            p.owner_id,
            p.rectify_type,
            p.due_date,
            p.remark,
        )
        for p in problems
    ]
    if keep is not None:
        rows = [tuple(row[i] for i in keep) for row in rows]
    return sorted(rows, key=repr)


@pytest.mark.parametrize("profile", ["default", "ztjy", "xuncha", "shenji"])
def test_an_exported_ledger_imports_back_as_the_same_problems(
    cast, make_problem, new_batch, categories, profile
):
    make_problem(
        "in_progress",
        cooperating_units=[cast.unit_b, cast.school_a],
        measures=[
            {"content": "全面排查公开栏", "unit": cast.unit_a},
            {"content": "建立按月公开制度", "unit": cast.unit_b},
            {"content": "开展专项督查", "unit": cast.school_a},
        ],
        category=categories["工作作风"],
        origin="legacy",
        target="村务按月公开",
        responsible_leader=cast.leader,
        owner=cast.staff_a,
        remark="群众反映强烈",
        source="petition",
        rectify_type="immediate",
    )
    make_problem("assigned", lead_unit=cast.unit_b, category=categories["廉洁自律"], source="audit")
    make_problem("long_term", rectify_type="long_term", due_date=None, source="research")
    make_problem("closed", description="第一句。第二句", source="self_examination")
    originals = list(Problem.objects.filter(batch=cast.batch))

    meta, rows = export.ledger_export_prepare(
        user=cast.oa,
        problems=visible_problems(cast.oa),
        profile=export.PROFILES[profile],
        params={},
        include_uncounted=False,
    )
    handle = export_xlsx.ledger_xlsx_file(meta, rows)
    upload = SimpleUploadedFile("台账.xlsx", handle.read())
    handle.close()

    result = run(cast.oa, new_batch, upload)
    imported = list(Problem.objects.filter(batch=new_batch))
    assert result.created == len(originals) == 4
    keep = None
    if profile == "xuncha":  # 巡察 lists carry no 来源, 增量/存量 or 整改类型 columns
        keep = (0, 2, 4, 5, 6, 7, 8, 9, 11, 12)
    assert snapshot(imported, keep) == snapshot(originals, keep)
    # Imported measures are unfinished and share the problem's due date (the light reads it).
    for problem in imported:
        expected = problem.due_date if problem.measures.exists() else None
        assert problem.open_measures_due == expected, problem.description
    assert any(p.open_measures_due for p in imported)


def test_the_template_has_headers_an_example_and_notes(cast, api):
    response = api(cast.oa).get("/api/v1/imports/template.xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["问题清单"]
    headers = [c.value for c in ws[1]]
    assert {
        "问题来源",
        "问题类别",
        "问题描述",
        "整改目标",
        "整改措施",
        "责任领导",
        "牵头单位",
        "配合单位",
        "责任人",
        "整改类型",
        "整改时限",
        "增量/存量",
        "备注",
    } <= set(headers)
    assert ws.cell(2, 1).value == "示例"
    assert "说明" in wb.sheetnames
    # The untouched template imports nothing: its example row is skipped.
    with pytest.raises(ImportRejected) as caught:
        run(cast.oa, cast.batch, SimpleUploadedFile("t.xlsx", response.content), dry_run=True)
    assert caught.value.errors["rows"][0]["message"] == "表头下没有数据行。"


def test_a_filled_in_template_imports(cast, categories, api):
    response = api(cast.oa).get("/api/v1/imports/template.xlsx")
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["问题清单"]
    headers = [c.value for c in ws[1]]
    row = dict.fromkeys(headers, "")
    row.update(
        {
            "序号": 1,
            "问题描述": "真实问题",
            "牵头单位": "教育局",
            "整改时限": "2024-12-31",
            "问题来源": "巡察",
            "问题类别": "工作作风",
            "整改类型": "限期整改",
        }
    )
    ws.append([row[h] for h in headers])
    out = io.BytesIO()
    wb.save(out)
    result = run(cast.oa, cast.batch, SimpleUploadedFile("t.xlsx", out.getvalue()))
    assert result.created == 1


THEMES = ["理论学习", "政治素质", "能力本领", "担当作为", "工作作风", "廉洁自律"]


def test_a_fresh_installation_imports_the_six_theme_categories(cast, new_batch):
    """After `migrate` alone (no demo, no category made here) a 主题教育 ledger imports."""
    rows = [
        [n, "检视剖析", theme, f"第{n}个问题", "1. 整改", "教育局", "2026-06-30"]
        for n, theme in enumerate(THEMES, 1)
    ]
    result = run(cast.oa, new_batch, xlsx([HEADERS, *rows]))
    assert result.created == 6
    problems = Problem.objects.order_by("code").values_list("category__name", flat=True)
    assert list(problems) == THEMES


def test_it_names_unknown_and_deactivated_categories(cast, new_batch):
    Category.objects.filter(name="廉洁自律").update(is_active=False)
    rows = [
        [1, "巡察", "廉洁自律", "问题一", "1. 整改", "教育局", "2026-06-30"],
        [2, "巡察", "财经纪律", "问题二", "1. 整改", "教育局", "2026-06-30"],
        [3, "巡察", "财经纪律", "问题三", "1. 整改", "教育局", "2026-06-30"],
    ]
    with pytest.raises(ImportRejected) as caught:
        run(cast.oa, new_batch, xlsx([HEADERS, *rows]), dry_run=True)
    assert [(e.row, e.message) for e in caught.value.row_errors] == [
        (2, "问题类别“廉洁自律”已停用。"),
        (3, "问题类别“财经纪律”不在类别字典中。"),
        (4, "问题类别“财经纪律”不在类别字典中。"),
    ]
    assert caught.value.missing_categories == ["财经纪律"]
