"""Numbered measures given to a cooperating unit and an owner from the sheet (SPEC §2, §7):
a trailing （责任单位：…；责任人：…；完成时限：…） after the measure's text."""

import datetime as dt

import pytest

from books.services.import_measures import split_assignment
from books.services.import_sheet import CellError
from books.services.importer import ImportRejected, problems_import
from issues.models import Measure, Problem
from ledger.models import LedgerEntry
from tests.issues.test_import import xlsx

pytestmark = pytest.mark.django_db

HEADERS = ["序号", "问题描述", "整改措施", "牵头单位", "配合单位", "整改时限"]
MEASURES = (
    "1. 全面排查各校食堂\n"
    "2. 开展食品安全抽检（责任单位：卫健局；责任人：staff_b）\n"
    "3. 建立月度巡查制度（责任单位：卫健局；责任人：admin_b；完成时限：2026年5月底前）"
)


def run(cast, rows, dry_run=False):
    upload = xlsx([HEADERS, *rows])
    return problems_import(actor=cast.oa, batch=cast.batch, upload=upload, dry_run=dry_run)


def rejected(cast, rows) -> list[dict]:
    with pytest.raises(ImportRejected) as caught:
        run(cast, rows)
    return caught.value.errors["rows"]


@pytest.mark.parametrize(
    "item, expected",
    [
        ("排查", ("排查", {})),
        ("排查（责任单位：卫健局）", ("排查", {"unit": "卫健局"})),
        (
            "排查 (责任人: 张三; 责任单位: 卫健局)。",
            ("排查", {"owner": "张三", "unit": "卫健局"}),
        ),
        ("排查（完成时限：2026-05-31）", ("排查", {"due": "2026-05-31"})),
        ("落实资金（2.5万元）", ("落实资金（2.5万元）", {})),  # not a key: the text's own bracket
        ("统计金额（单位：万元）", ("统计金额（单位：万元）", {})),  # 单位 alone is not a key
    ],
)
def test_it_reads_who_does_a_measure_from_its_trailing_bracket(item, expected):
    assert split_assignment(item) == expected


@pytest.mark.parametrize(
    "item", ["排查（责任单位：卫健局；负责：张三）", "排查（责任人：甲；责任人：乙）"]
)
def test_it_refuses_a_bracket_it_cannot_read(item):
    with pytest.raises(CellError):
        split_assignment(item)


def test_it_gives_measures_to_a_cooperating_unit_and_an_owner(cast):
    result = run(cast, [[1, "食堂管理不规范", MEASURES, "教育局", "卫健局", "2026-06-30"]])

    problem = Problem.objects.get(pk=result.problem_ids[0])
    measures = list(problem.measures.order_by("seq").values_list("unit", "owner", "due_date"))
    assert measures == [
        (cast.unit_a.pk, None, dt.date(2026, 6, 30)),
        (cast.unit_b.pk, cast.staff_b.pk, dt.date(2026, 6, 30)),
        (cast.unit_b.pk, cast.admin_b.pk, dt.date(2026, 5, 31)),
    ]
    assert problem.measures.get(seq=2).content == "开展食品安全抽检"
    assert problem.open_measures_due == dt.date(2026, 5, 31)


def test_a_dry_run_shows_the_measures_as_they_will_be_and_writes_nothing(cast):
    result = run(cast, [[1, "食堂管理不规范", MEASURES, "教育局", "卫健局", "2026-06-30"]], True)

    [row] = result.rows
    assert [(m.unit, m.owner) for m in row.measures] == [
        (cast.unit_a, None),
        (cast.unit_b, cast.staff_b),
        (cast.unit_b, cast.admin_b),
    ]
    assert not Problem.objects.exists() and not Measure.objects.exists()


@pytest.mark.parametrize(
    "measures, message",
    [
        ("1. 排查（责任单位：民政局）", "第1条措施：责任单位“民政局”须为牵头单位或配合单位"),
        ("1. 排查\n2. 抽检（责任单位：不存在的局）", "第2条措施：单位“不存在的局”不存在"),
        ("1. 排查（责任单位：卫健局；责任人：nobody）", "第1条措施：用户“nobody”不存在"),
        ("1. 排查（责任单位：卫健局；责任人：staff_a）", "责任人“staff_a”不是“卫健局”的人员"),
        ("1. 排查（责任人：staff_b）", "第1条措施：责任人“staff_b”不是“教育局”的人员"),
        ("1. 排查（完成时限：2026-07-31）", "完成时限不能晚于问题的整改时限（2026-06-30）"),
        ("1. 排查（完成时限：长期坚持）", "措施的完成时限须为日期"),
    ],
)
def test_a_bad_reference_is_a_row_error_and_nothing_is_written(cast, measures, message):
    good = [1, "校车管理不到位", "1. 排查车辆", "教育局", "", "2026-06-30"]
    bad = [2, "食堂管理不规范", measures, "教育局", "卫健局", "2026-06-30"]

    errors = rejected(cast, [good, bad])

    assert [(e["row"], e["column"]) for e in errors] == [(3, "整改措施")]
    assert message in errors[0]["message"]
    assert not Problem.objects.exists() and not Measure.objects.exists()
    assert not LedgerEntry.objects.exists()


def test_a_unit_named_only_in_the_measure_is_not_added_as_cooperating(cast):
    """The cooperating units are the office's decision and count in every unit's figures:
    a unit the 配合单位 column does not name is refused, never added behind its back."""
    errors = rejected(
        cast, [[1, "食堂管理不规范", "1. 抽检（责任单位：卫健局）", "教育局", "", "2026-06-30"]]
    )

    assert "须为牵头单位或配合单位" in errors[0]["message"]
    assert not Problem.objects.exists()


def test_the_owner_may_work_in_a_unit_under_the_measure_unit(cast):
    from issues.models import Role, Unit
    from tests.conftest import make_user

    school = Unit.objects.get(code="SYXX")  # 实验小学, under 教育局
    make_user("teacher", unit=school, role=Role.UNIT_STAFF)

    result = run(cast, [[1, "食堂管理不规范", "1. 排查（责任人：teacher）", "教育局", "", ""]])

    assert Measure.objects.get(problem_id=result.problem_ids[0]).owner.username == "teacher"
