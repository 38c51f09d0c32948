"""管理 → 问题类别 and the import page's one-step add of unknown categories (issue 11)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from issues.models import Category, Problem, Role
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

URL = "/manage/categories/"


def test_office_admins_see_the_dictionary_and_root_ones_add_to_it(cast, web):
    body = web(cast.oa).get(URL).content.decode()
    assert 'data-testid="category-add"' in body
    assert all(name in body for name in ("理论学习", "廉洁自律"))

    r = web(cast.oa).post(URL, {"name": "财经纪律", "sort": ""})
    assert r.status_code == 302
    assert Category.objects.get(name="财经纪律").sort == 7

    r = web(cast.oa).post(URL, {"name": "财经纪律"})
    assert r.status_code == 400 and "已存在" in r.content.decode()
    r = web(cast.oa).post(URL, {"name": "财经\x07纪律"})
    assert r.status_code == 400 and Category.objects.count() == 7


def test_an_office_admin_below_the_root_only_reads(cast, web):
    below_root = make_user("oa_a", unit=cast.unit_a, role=Role.OFFICE_ADMIN)
    category = Category.objects.get(name="工作作风")
    body = web(below_root).get(URL).content.decode()
    assert "工作作风" in body and 'data-testid="category-add"' not in body
    assert web(below_root).post(URL, {"name": "财经纪律"}).status_code == 403
    assert web(below_root).get(f"{URL}{category.pk}/").status_code == 403
    assert web(below_root).post(f"{URL}{category.pk}/delete/").status_code == 403
    assert web(cast.admin_a).get(URL).status_code == 403
    assert Category.objects.count() == 6


def test_it_renames_deactivates_and_deletes_only_what_is_unused(cast, web, make_problem):
    used = Category.objects.get(name="工作作风")
    make_problem("draft", category=used)
    client = web(cast.oa)

    r = client.post(f"{URL}{used.pk}/", {"name": "作风建设", "sort": 5})
    assert r.status_code == 302
    used.refresh_from_db()
    assert (used.name, used.sort, used.is_active) == ("作风建设", 5, False)  # box unticked

    body = client.get(URL).content.decode()
    assert "已停用" in body
    r = client.post(f"{URL}{used.pk}/delete/", follow=True)
    assert "不能删除" in r.content.decode() and Category.objects.filter(pk=used.pk).exists()

    unused = Category.objects.get(name="理论学习")
    assert client.post(f"{URL}{unused.pk}/delete/").status_code == 302
    assert not Category.objects.filter(pk=unused.pk).exists()


# --- the import page ---------------------------------------------------------------------------


def workbook(rows) -> SimpleUploadedFile:
    wb = Workbook()
    wb.active.append(["问题描述", "问题类别", "牵头单位", "整改时限"])
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("问题清单.xlsx", out.getvalue())


ROWS = [
    ["食堂管理不规范", "财经纪律", "教育局", "2026-06-30"],
    ["校车管理不到位", "生态环境", "卫健局", "2026-06-30"],
    ["会风不正", "工作作风", "教育局", "2026-06-30"],
    ["公车私用", "财经纪律", "教育局", "2026-06-30"],
]


def test_the_import_adds_the_unknown_categories_in_one_step_and_checks_again(cast, web):
    client = web(cast.oa)
    r = client.post("/problems/import/", {"batch": cast.batch.pk, "file": workbook(ROWS)})
    assert r.status_code == 400
    fixable = r.context["fixable"]
    assert fixable["missing"] == ["财经纪律", "生态环境"]
    assert 'data-testid="import-add-categories"' in r.content.decode()

    r = client.post("/problems/import/", {"step": "add_categories", "token": "forged"})
    assert r.status_code == 302 and not Category.objects.filter(name="财经纪律").exists()

    r = client.post("/problems/import/", {"step": "add_categories", "token": fixable["token"]})
    assert r.status_code == 200
    assert r.context["pending"]["rows"] == 4 and not r.context["errors"]
    assert set(
        Category.objects.filter(name__in=["财经纪律", "生态环境"]).values_list("sort", flat=True)
    ) == {7, 8}

    r = client.post(
        "/problems/import/", {"step": "confirm", "token": r.context["pending"]["token"]}
    )
    assert r.status_code == 302
    assert sorted(Problem.objects.values_list("category__name", flat=True)) == [
        "工作作风", "生态环境", "财经纪律", "财经纪律"
    ]  # fmt: skip


def test_only_who_maintains_the_dictionary_is_offered_the_add(cast, web):
    below_root = make_user("oa_a", unit=cast.unit_a, role=Role.OFFICE_ADMIN)
    r = web(below_root).post(
        "/problems/import/", {"batch": cast.batch.pk, "file": workbook(ROWS[2:3] + ROWS[:1])}
    )
    assert r.status_code == 400 and r.context["fixable"] is None
    assert 'data-testid="import-add-categories"' not in r.content.decode()
