"""The books on the page: import (dry run, row errors, confirm), export profiles, print links,
回头看 and 建章立制 — through the books' services, within scope."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from issues.models import FollowUpReview, Problem, Regulation
from ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db

HEADERS = ["序号", "问题来源", "问题描述", "整改措施", "牵头单位", "整改时限"]


def _xlsx(rows):
    wb = Workbook()
    wb.active.append(HEADERS)
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("问题清单.xlsx", out.getvalue())


GOOD = [
    [1, "巡察", "食堂管理不规范", "1. 建立制度\n2. 定期检查", "教育局", "2026-06-30"],
    [2, "巡察", "校车管理不到位", "1. 排查车辆", "卫健局", "2026-07-31"],
]
BAD = [
    [1, "巡查", "来源写错了", "1. 改", "教育局", "2026-06-30"],
    [2, "巡察", "单位不存在", "1. 改", "不存在的局", "2026-06-30"],
]


def test_it_checks_an_import_shows_every_bad_row_and_writes_nothing(cast, web):
    client = web(cast.oa)
    response = client.post("/problems/import/", {"batch": cast.batch.pk, "file": _xlsx(BAD)})
    assert response.status_code == 400
    body = response.content.decode()
    assert [(e.row, e.column) for e in response.context["errors"]] == [
        (2, "问题来源"),
        (3, "牵头单位"),
    ]
    assert "不存在的局" in body and 'data-testid="import-errors"' in body
    assert not Problem.objects.exists()


def test_it_imports_only_after_the_confirmation(cast, web):
    client = web(cast.oa)
    response = client.post("/problems/import/", {"batch": cast.batch.pk, "file": _xlsx(GOOD)})
    assert response.status_code == 200
    pending = response.context["pending"]
    assert pending["rows"] == 2 and not Problem.objects.exists()
    response = client.post("/problems/import/", {"step": "confirm", "token": "forged"})
    assert response.status_code == 302 and not Problem.objects.exists()
    response = client.post("/problems/import/", {"step": "confirm", "token": pending["token"]})
    assert response.status_code == 302
    assert response["Location"].startswith("/problems/?batch=")
    assert set(Problem.objects.values_list("title", "status")) == {
        ("食堂管理不规范", "draft"),
        ("校车管理不到位", "draft"),
    }
    # The token is used up: a second confirmation imports nothing twice.
    client.post("/problems/import/", {"step": "confirm", "token": pending["token"]})
    assert Problem.objects.count() == 2


def test_it_lets_only_office_admins_import(cast, web):
    assert web(cast.admin_a).get("/problems/import/").status_code == 403
    assert web(cast.rev).get("/problems/import/").status_code == 403
    assert web(cast.oa).get("/problems/import/").status_code == 200
    assert 'href="/problems/import/"' not in web(cast.admin_a).get("/problems/").content.decode()


def test_it_offers_the_export_profiles_with_the_current_filters(cast, make_problem, web):
    make_problem("closed")
    body = web(cast.oa).get("/problems/?status=closed").content.decode()
    for profile in ("ztjy", "xuncha", "shenji"):
        assert f"/api/v1/exports/ledger.xlsx?status=closed&amp;profile={profile}" in body
        assert f"/api/v1/exports/ledger.csv?status=closed&amp;profile={profile}" in body
    body = web(cast.oa).get(f"/problems/?unit={cast.unit_a.pk}").content.decode()
    assert f'href="/print/units/{cast.unit_a.pk}/report/"' in body


def test_it_links_the_printable_forms(cast, make_problem, web):
    problem = make_problem("closeout_review")
    body = web(cast.admin_a).get(f"/problems/{problem.pk}/").content.decode()
    assert f'href="/print/problems/{problem.pk}/closeout/"' in body
    body = web(cast.oa).get("/dashboard/").content.decode()
    assert f'href="/print/units/{cast.unit_a.pk}/report/"' in body
    body = web(cast.oa).get("/manage/units/").content.decode()
    assert f'href="/print/units/{cast.unit_b.pk}/report/"' in body
    draft = make_problem("draft")
    assert "/closeout/" not in web(cast.oa).get(f"/problems/{draft.pk}/").content.decode()


def test_it_records_a_follow_up_on_a_closed_problem(cast, make_problem, web):
    problem = make_problem("closed")
    client = web(cast.rev)
    body = client.get(f"/problems/{problem.pk}/").content.decode()
    assert 'data-testid="follow-up-add"' in body
    response = client.post(
        f"/problems/{problem.pk}/follow-ups/",
        {"fu-review_date": "2026-03-02", "fu-result": "consolidated", "fu-findings": ""},
    )
    assert response.status_code == 302
    review = FollowUpReview.objects.get()
    assert (review.result, review.reviewer) == ("consolidated", cast.rev)
    assert LedgerEntry.objects.filter(problem=problem, action="follow_up").exists()
    assert "巩固" in client.get("/problems/follow-ups/").content.decode()


def test_it_reopens_a_relapsed_problem_and_asks_for_what_it_needs(cast, make_problem, web):
    problem = make_problem("closed")
    client = web(cast.rev)
    url = f"/problems/{problem.pk}/follow-ups/"
    data = {"fu-review_date": "2026-03-02", "fu-result": "relapsed"}
    response = client.post(url, data)
    assert response.status_code == 400
    assert "须给出新的整改时限" in response.content.decode()
    assert not FollowUpReview.objects.exists()
    response = client.post(
        url,
        {
            **data,
            "fu-findings": "食堂台账又停记了",
            "fu-new_due_date": "2026-05-31",
            "fu-confirm_earlier": "on",
        },
    )
    assert response.status_code == 302
    problem.refresh_from_db()
    assert (problem.status, problem.due_date) == ("in_progress", dt.date(2026, 5, 31))


def test_it_keeps_follow_ups_to_office_roles_and_scope(cast, make_problem, web):
    problem = make_problem("closed")
    body = web(cast.admin_a).get(f"/problems/{problem.pk}/").content.decode()
    assert 'data-testid="follow-up-add"' not in body
    data = {"fu-review_date": "2026-03-02", "fu-result": "consolidated"}
    response = web(cast.admin_a).post(f"/problems/{problem.pk}/follow-ups/", data)
    assert response.status_code == 403 and not FollowUpReview.objects.exists()
    assert web(cast.outsider).post(f"/problems/{problem.pk}/follow-ups/", data).status_code == 404
    web(cast.rev).post(f"/problems/{problem.pk}/follow-ups/", data)
    assert problem.code not in web(cast.outsider).get("/problems/follow-ups/").content.decode()


def test_it_registers_and_edits_a_regulation(cast, make_problem, web):
    problem = make_problem("closed")
    client = web(cast.admin_a)
    form = client.get(f"/problems/regulations/new/?problem={problem.code}&unit={cast.unit_a.pk}")
    assert problem.code in form.content.decode()
    data = {
        "name": "学校食堂管理办法",
        "doc_no": "教发〔2026〕1号",
        "kind": "new",
        "issued_on": "2026-02-20",
        "unit": cast.unit_a.pk,
        "problems": problem.code,
    }
    response = client.post("/problems/regulations/new/", {**data, "problems": "NOPE-001"})
    assert response.status_code == 400 and "NOPE-001" in response.content.decode()
    assert client.post("/problems/regulations/new/", data).status_code == 302
    regulation = Regulation.objects.get()
    assert list(regulation.problems.all()) == [problem]
    assert "学校食堂管理办法" in client.get(f"/problems/{problem.pk}/").content.decode()

    edit = {**data, "name": "学校食堂管理办法（修订）", "kind": "revised"}
    assert client.post(f"/problems/regulations/{regulation.pk}/", edit).status_code == 302
    regulation.refresh_from_db()
    assert (regulation.name, regulation.kind) == ("学校食堂管理办法（修订）", "revised")


def test_it_shows_regulations_within_scope_only(cast, make_problem, web):
    problem = make_problem("closed")
    web(cast.admin_a).post(
        "/problems/regulations/new/",
        {
            "name": "教育局制度",
            "kind": "new",
            "issued_on": "2026-02-20",
            "unit": cast.unit_a.pk,
            "problems": problem.code,
        },
    )
    regulation = Regulation.objects.get()
    assert "教育局制度" in web(cast.oa).get("/problems/regulations/").content.decode()
    assert "教育局制度" not in web(cast.admin_b).get("/problems/regulations/").content.decode()
    assert web(cast.admin_b).get(f"/problems/regulations/{regulation.pk}/").status_code == 404
    # A reader in scope may see it but not change it.
    assert web(cast.viewer_a).get(f"/problems/regulations/{regulation.pk}/").status_code == 403
    assert web(cast.viewer_a).get("/problems/regulations/new/").status_code == 403
