"""Word documents (SPEC §12): the 整改情况报告's figures from a known data set, scope, layout,
an office's own template, and the 销号申请单."""

import datetime as dt
import io

import pytest
from docx import Document

from issues.models import Regulation
from issues.services.problems import measure_create
from ledger.models import LedgerCheckpoint
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def known(cast, make_problem):
    """Three counted problems with six measures, one a county-level (root unit) problem."""
    county = make_problem(
        "assigned",
        lead_unit=cast.county,
        measures=[{"content": "一", "unit": cast.county}, {"content": "二", "unit": cast.county}],
    )
    closed = make_problem("closed")  # unit_a, one measure, closed on time
    immediate = make_problem(
        "in_progress",
        lead_unit=cast.unit_b,
        rectify_type="immediate",
        measures=[{"content": c, "unit": cast.unit_b} for c in "一二三"],
    )
    make_problem("draft", title="草稿不计入")
    Regulation.objects.create(
        name="制度", kind="new", unit=cast.unit_a, issued_on=dt.date(2026, 2, 1)
    ).problems.add(closed)
    return county, closed, immediate


def report(api, user, query=""):
    response = api(user).get(f"/api/v1/reports/rectification.docx{query}")
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == DOCX
    assert "attachment" in response["Content-Disposition"]
    return Document(io.BytesIO(response.content))


def text_of(doc) -> str:
    return "\n".join(p.text for p in doc.paragraphs)


def test_it_states_the_figures_as_numbers(api, cast, known):
    doc = report(api, cast.oa, f"?batch={cast.batch.pk}")
    text = text_of(doc)
    assert "共梳理问题3条，制定整改措施6条" in text
    assert "县级领导班子梳理问题1条，制定整改措施2条" in text
    assert "其他县处级领导班子梳理问题2条，制定整改措施4条" in text
    assert "已完成整改1条，整改完成率33.3%，按期完成率100.0%" in text
    assert "立行立改1条，长期坚持0条，逾期未完成0条" in text
    assert "建立完善制度1项" in text
    checkpoint = LedgerCheckpoint.objects.latest("seq")
    assert f"台账校验码：{checkpoint.code}" in text
    assert cast.batch.name in doc.paragraphs[0].text
    rows = doc.tables[0].rows
    assert [c.text for c in rows[0].cells][:3] == ["序号", "问题编号", "问题"]
    assert len(rows) == 1 + 3  # the draft is not in the table either
    assert "草稿不计入" not in "".join(c.text for r in rows for c in r.cells)


def test_it_counts_only_what_the_caller_sees(api, cast, known):
    text = text_of(report(api, cast.admin_b, f"?batch={cast.batch.pk}"))
    assert "共梳理问题1条，制定整改措施3条" in text
    assert "县级领导班子" not in text  # no split when one level only


def test_it_reports_for_a_unit_and_refuses_one_outside_scope(api, cast, known):
    text = text_of(report(api, cast.oa, f"?unit={cast.unit_b.pk}"))
    assert "卫健局共梳理问题1条，制定整改措施3条" in text
    response = api(cast.admin_a).get(f"/api/v1/reports/rectification.docx?unit={cast.unit_b.pk}")
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("query", ["?batch=abc", "?unit=4.5e16", "?campaign=-1"])
def test_it_refuses_bad_parameters(api, cast, query):
    response = api(cast.oa).get(f"/api/v1/reports/rectification.docx{query}")
    assert_error(response, 400, "validation_error")


def test_it_is_laid_out_as_an_official_document(api, cast, known):
    doc = report(api, cast.oa)
    section = doc.sections[0]
    lengths = [
        section.page_width,
        section.page_height,
        section.top_margin,
        section.bottom_margin,
        section.left_margin,
        section.right_margin,
    ]
    assert [round(length.mm) for length in lengths] == [210, 297, 37, 35, 28, 26]
    footer_xml = section.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer_xml and "fldChar" in footer_xml
    title_run = doc.paragraphs[0].runs[0]
    assert title_run.font.size.pt == 22
    assert 'w:eastAsia="方正小标宋简体"' in title_run._element.xml
    assert 'w:eastAsia="仿宋_GB2312"' in doc.paragraphs[2].runs[0]._element.xml


def test_an_office_template_is_filled(api, cast, known, settings, tmp_path):
    template = Document()
    p = template.add_paragraph("梳理问题")
    p.add_run("{{问题")  # a placeholder split across runs, as Word saves them
    p.add_run("总数}}条，校验码{{台账校验码}}。")
    template.add_paragraph("{{问题表}}")
    template.save(tmp_path / "rectification.docx")
    settings.DOCX_TEMPLATE_DIR = str(tmp_path)
    doc = report(api, cast.oa, f"?batch={cast.batch.pk}")
    code = LedgerCheckpoint.objects.get().code  # taken for the print: none existed yet
    assert doc.paragraphs[0].text == f"梳理问题3条，校验码{code}。"
    assert len(doc.tables) == 1 and len(doc.tables[0].rows) == 4


def test_the_closeout_form_is_a_word_document(api, cast, make_problem):
    problem = make_problem("closeout_review")
    response = api(cast.admin_a).get(f"/api/v1/problems/{problem.pk}/closeout-form.docx")
    assert response.status_code == 200 and response["Content-Type"] == DOCX
    doc = Document(io.BytesIO(response.content))
    assert doc.paragraphs[0].text == "问题整改销号申请单"
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert problem.code in cells and "教育局" in cells
    assert "已整改完成" in text_of(doc)
    assert "整改单位负责人（签字）" in text_of(doc)
    assert f"台账校验码：{LedgerCheckpoint.objects.latest('seq').code}" in text_of(doc)
    outside = api(cast.admin_b).get(f"/api/v1/problems/{problem.pk}/closeout-form.docx")
    assert_error(outside, 404, "not_found")


def test_measure_created_later_counts(api, cast, known):
    _, _, immediate = known
    measure_create(
        actor=cast.admin_b, problem_id=immediate.pk, content="三", due_date=dt.date(2026, 6, 1)
    )
    assert "制定整改措施7条" in text_of(report(api, cast.oa, f"?batch={cast.batch.pk}"))
