"""The same bounds at the doors other than the API (issue 11): the pages, the Excel import, the
Django admin, and the batch service every door ends in."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from books.services.import_sheet import parse_due
from books.services.importer import CellError, ImportRejected, problems_import
from issues.exceptions import InvalidInput
from issues.models import Batch, Measure, Problem, Unit
from issues.services.batches import batch_update
from notifications.models import WebhookEndpoint


def test_it_refuses_out_of_range_dates_and_control_characters_on_the_problem_page(
    cast, make_problem, web
):
    problem = make_problem("assigned", measures=[])
    client = web(cast.admin_a)
    for data in (
        {"content": "措施", "unit": cast.unit_a.pk, "due_date": "9999-12-31"},
        {"content": "措施", "unit": cast.unit_a.pk, "due_date": "0001-01-01"},
        {"content": "措\x07施", "unit": cast.unit_a.pk, "due_date": "2026-05-31"},
    ):
        response = client.post(f"/problems/{problem.pk}/measures/", data)
        assert response.status_code == 400
    assert not Measure.objects.filter(problem=problem).exists()
    # A failed action redirects back to the page, which shows the field error.
    response = web(cast.oa).post(
        f"/problems/{problem.pk}/actions/withdraw/", {"comment": "撤\x1b销"}, follow=True
    )
    assert "控制字符" in response.content.decode()
    assert Problem.objects.get(pk=problem.pk).status == "assigned"
    assert client.get(f"/problems/{problem.pk}/").status_code == 200


def test_it_refuses_poisoned_rules_on_the_batch_page(cast, web):
    client = web(cast.oa)
    data = {
        "name": "批次",
        "source": "audit",
        "code_prefix": "PC",
        "yellow_days": 33331736,
        "remind_days_before": "7,3",
        "overdue_repeat_days": 3,
        "escalate_after_days": 2000000000,
        "review_pending_days": 5,
        "closeout_chain_1": "office",
        "extension_chain_1": "office",
    }
    response = client.post("/manage/batches/new/", data)
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) >= {"yellow_days", "escalate_after_days"}
    response = client.post(
        "/manage/batches/new/",
        {**data, "yellow_days": 7, "escalate_after_days": 7, "remind_days_before": "7,100000"},
    )
    assert "remind_days_before" in response.context["form"].errors
    assert not Batch.objects.filter(code_prefix="PC").exists()


def test_it_refuses_control_characters_on_the_unit_page(cast, web):
    response = web(cast.oa).post(
        "/manage/units/new/",
        {
            "name": "新\x00单位",
            "code": "X\tY",
            "kind": "other",
            "sort": 0,
            "parent": cast.county.pk,
        },
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) >= {"name", "code"}
    assert not Unit.objects.filter(code="X\tY").exists()


def test_it_refuses_poisoned_rules_in_the_admin(cast):
    from django.test import Client

    client = Client()
    client.force_login(cast.root)
    url = f"/admin/issues/batch/{cast.batch.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {
        name: ("" if form.initial.get(name) is None else form.initial.get(name))
        for name in form.fields
    }
    data.update(yellow_days=33331736, escalate_after_days=2000000000, default_due_date="9999-12-31")
    for name in ("closeout_chain", "extension_chain", "remind_days_before"):
        data[name] = form[name].value()
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) >= {"yellow_days", "escalate_after_days", "default_due_date"}
    cast.batch.refresh_from_db()
    assert (cast.batch.yellow_days, cast.batch.escalate_after_days) == (7, 7)


def test_it_refuses_poisoned_rules_in_the_service_whatever_the_door(cast):
    for fields in (
        {"yellow_days": 33331736},
        {"escalate_after_days": 2000000000},
        {"overdue_repeat_days": 0},
        {"max_extension_days": 0},
        {"remind_days_before": [3, -1]},
        {"yellow_days": "7"},
    ):
        with pytest.raises(InvalidInput) as caught:
            batch_update(actor=cast.oa, batch_id=cast.batch.pk, **fields)
        assert set(caught.value.errors) == set(fields)
    batch_update(actor=cast.oa, batch_id=cast.batch.pk, max_extension_days=None, yellow_days=90)


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1999年12月31日", "2100年底", 1])
def test_the_import_refuses_out_of_range_dates(value):
    with pytest.raises(CellError, match="2000-01-01 至 2099-12-31"):
        parse_due(value)
    assert parse_due("2099-12-31") == dt.date(2099, 12, 31)


def test_the_import_reports_out_of_range_dates_and_control_characters_by_row(cast):
    wb = Workbook()
    ws = wb.active
    ws.append(["问题描述", "牵头单位", "整改时限", "整改措施"])
    ws.append(["第一行\n第二行", "教育局", "2026-06-30", "1. 排查\n2. 建制"])
    ws.append(["时限太远", "教育局", "9999-12-31", "措施"])
    ws.append(["含控制\x7f字符", "教育局", "2026-06-30", "措施"])
    out = io.BytesIO()
    wb.save(out)
    upload = SimpleUploadedFile("清单.xlsx", out.getvalue())
    with pytest.raises(ImportRejected) as caught:
        problems_import(actor=cast.oa, batch=cast.batch, upload=upload, dry_run=True)
    rows = {(e.row, e.column) for e in caught.value.row_errors}
    assert rows == {(3, "整改时限"), (4, "问题描述")}
    assert not Problem.objects.exists()


def test_it_refuses_control_characters_on_the_user_and_webhook_pages(cast, web):
    response = web(cast.oa).post(
        "/manage/users/new/",
        {
            "username": "li\x1bsi",
            "display_name": "李四",
            "password": "Zhenggai-2026-ok",
            "unit": cast.unit_a.pk,
            "role": "unit_staff",
        },
    )
    assert response.status_code == 400
    assert "username" in response.context["form"].errors
    response = web(cast.oa).post(
        "/manage/webhooks/",
        {
            "unit": cast.unit_a.pk,
            "url": "https://hooks.example.org/hook",
            "format": "json",
            "secret": "s\x07t",
        },
    )
    assert response.status_code == 400
    assert "secret" in response.context["form"].errors
    assert not WebhookEndpoint.objects.exists()
