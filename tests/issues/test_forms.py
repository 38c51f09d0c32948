"""Printable forms (SPEC §7): the 销号申请单 and a unit's 整改情况报告, as print-ready HTML and
as .xlsx, within scope only."""

import datetime as dt
import io
import re

import pytest
from django.test import Client
from openpyxl import load_workbook

from books.services import print_forms
from issues.exceptions import NotFound
from issues.models import Regulation
from issues.services.workflow import perform_action


@pytest.fixture
def closed(cast, make_problem):
    """A problem closed through the whole chain, with opinions on each step."""
    problem = make_problem(
        "closeout_review",
        cooperating_units=[cast.unit_b],
        measures=[{"content": "建立公开台账", "unit": cast.unit_a}],
        target="按月公开",
    )
    perform_action(
        problem_id=problem.pk,
        action="approve_closeout",
        actor=cast.head_a,
        data={"comment": "同意销号"},
    )
    perform_action(
        problem_id=problem.pk,
        action="approve_closeout",
        actor=cast.rev,
        data={"comment": "材料齐全"},
    )
    return problem


def page(user, url):
    client = Client()
    client.force_login(user)
    return client.get(url)


def test_the_closeout_form_prints_everything_a_reviewer_signs(cast, closed):
    response = page(cast.admin_a, f"/print/problems/{closed.pk}/closeout/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "问题整改销号申请单",
        closed.code,
        "教育局",
        "卫健局",
        "建立公开台账",
        "按月公开",
        "纪要.pdf",
        "已整改完成",  # the request's summary
        "同意销号",
        "材料齐全",
        "head_a",
        "rev",
        "整改单位负责人（签字）",
        "主管部门负责人（签字）",
        "@page",
        "size: A4",
    ):
        assert text in html, text
    # Standalone: no external stylesheet, script or font.
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<link" not in html


def test_the_closeout_form_as_xlsx(cast, closed, api):
    response = api(cast.oa).get(f"/api/v1/problems/{closed.pk}/closeout-form.xlsx")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.content)).active
    texts = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    for text in (
        "问题整改销号申请单",
        closed.code,
        "建立公开台账",
        "纪要.pdf",
        "同意销号",
        "材料齐全",
        "☐ 措施全部落实",
        "整改单位负责人（签字）",
        "主管部门负责人（签字）",
    ):
        assert text in texts, text
    assert ws.page_setup.paperSize == 9


def test_a_problem_without_a_request_prints_a_blank_form(cast, make_problem):
    problem = make_problem("in_progress")
    data = print_forms.closeout_form_data(user=cast.admin_a, problem_id=problem.pk)
    assert data["request"] is None and data["steps"] == []
    assert page(cast.admin_a, f"/print/problems/{problem.pk}/closeout/").status_code == 200
    print_forms.closeout_form_xlsx(data)  # renders without a request


def test_forms_are_scope_checked(cast, closed, api):
    assert page(cast.outsider, f"/print/problems/{closed.pk}/closeout/").status_code == 404
    assert page(cast.admin_b, f"/print/units/{cast.unit_a.pk}/report/").status_code == 404
    assert (
        api(cast.outsider).get(f"/api/v1/problems/{closed.pk}/closeout-form.xlsx").status_code
        == 404
    )
    assert api(cast.admin_b).get(f"/api/v1/units/{cast.unit_a.pk}/report.xlsx").status_code == 404
    with pytest.raises(NotFound):
        print_forms.unit_report_data(user=cast.outsider, unit_id=cast.unit_a.pk)
    # Pages need a session.
    assert Client().get(f"/print/problems/{closed.pk}/closeout/").status_code == 302


def test_the_unit_report_counts_buckets_rates_and_regulations(cast, make_problem, closed, _today):
    make_problem("in_progress", due_date=dt.date(2026, 3, 5))
    make_problem("long_term")
    make_problem("draft")
    make_problem("in_progress", lead_unit=cast.unit_b)
    Regulation.objects.create(
        name="村务公开制度",
        doc_no="教发〔2026〕1号",
        issued_on=dt.date(2026, 3, 1),
        unit=cast.unit_a,
    )
    Regulation.objects.create(name="卫健制度", issued_on=dt.date(2026, 3, 1), unit=cast.unit_b)
    from zoneinfo import ZoneInfo

    _today.move_to(dt.datetime(2026, 3, 10, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    data = print_forms.unit_report_data(user=cast.oa, unit_id=cast.unit_a.pk)
    summary = data["summary"]
    assert (
        summary["total"],
        summary["completed"],
        summary["in_progress"],
        summary["long_term"],
    ) == (3, 1, 1, 1)
    assert summary["overdue"] == 1 and summary["completion_rate"] == 33.3
    assert [(label, len(rows)) for label, rows in data["buckets"]] == [
        ("已完成", 1),
        ("正在整改", 1),
        ("长期坚持", 1),
    ]
    assert len(data["overdue"]) == 1
    assert [r["name"] for r in data["regulations"]] == ["村务公开制度"]

    html = page(cast.admin_a, f"/print/units/{cast.unit_a.pk}/report/").content.decode()
    assert "教育局整改情况报告" in html
    assert "共有整改问题 3 项" in html and "整改完成率 33.3%" in html
    assert "村务公开制度" in html and "卫健制度" not in html
    assert "@page" in html

    ws = load_workbook(io.BytesIO(print_forms.unit_report_xlsx(data))).active
    texts = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert "教育局整改情况报告" in texts and "逾期问题（1 项）" in texts and "村务公开制度" in texts
