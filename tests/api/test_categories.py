"""The category dictionary (SPEC §12): `GET, POST /api/v1/categories/`,
`PATCH, DELETE /api/v1/categories/{id}/`. Seeded by `migrate`; read by everyone signed in;
written by superusers and office admins at a root unit; names unique, trimmed, bounded and
printable; a category in use is deactivated, never deleted (DELETE → 409)."""

import pytest

from issues.models import Category, Role
from tests.api.conftest import assert_error
from tests.conftest import make_user

THEME = ["理论学习", "政治素质", "能力本领", "担当作为", "工作作风", "廉洁自律"]
URL = "/api/v1/categories/"


def names():
    return list(Category.objects.order_by("sort", "id").values_list("name", flat=True))


def test_migrate_alone_seeds_the_six_theme_categories(db):
    rows = list(Category.objects.order_by("sort").values_list("name", "sort", "is_active"))
    assert rows == [(name, sort, True) for sort, name in enumerate(THEME, 1)]


def test_every_signed_in_user_reads_the_dictionary(cast, api):
    r = api(cast.viewer_a).get(URL)
    assert r.status_code == 200
    assert r.json()["count"] == 6
    first = r.json()["results"][0]
    assert first == {"id": first["id"], "name": "理论学习", "sort": 1, "is_active": True}
    assert api(cast.admin_b).get(f"{URL}{first['id']}/").json()["name"] == "理论学习"
    assert_error(api().get(URL), 401, "not_authenticated")


@pytest.mark.parametrize("who", ["oa", "root"])
def test_root_office_admins_and_superusers_add_categories(cast, api, who):
    r = api(getattr(cast, who)).post(URL, {"name": " 财经纪律 "}, format="json")
    assert r.status_code == 201, r.json()
    assert r.json() == {"id": r.json()["id"], "name": "财经纪律", "sort": 7, "is_active": True}
    assert names()[-1] == "财经纪律"


def test_everyone_else_may_not_write(cast, api):
    below_root = make_user("oa_a", unit=cast.unit_a, role=Role.OFFICE_ADMIN)
    category = Category.objects.get(name="工作作风")
    for user in (cast.rev, cast.leader, cast.admin_a, below_root):
        client = api(user)
        assert_error(client.post(URL, {"name": "新类别"}, format="json"), 403, "permission_denied")
        r = client.patch(f"{URL}{category.pk}/", {"name": "改名"}, format="json")
        assert_error(r, 403, "permission_denied")
        assert_error(client.delete(f"{URL}{category.pk}/"), 403, "permission_denied")
    assert names() == THEME


@pytest.mark.parametrize(
    "name",
    ["工作作风", "  ", "", "类" * 51, "财经\x00纪律", "财经\u200b纪律", "财经\n纪律"],
)
def test_it_refuses_duplicate_empty_long_and_control_character_names(cast, api, name):
    r = api(cast.oa).post(URL, {"name": name}, format="json")
    assert_error(r, 400, "validation_error", "name")
    assert names() == THEME


@pytest.mark.parametrize("sort", [-1, 10000, "一", True])
def test_it_refuses_a_sort_out_of_bounds(cast, api, sort):
    r = api(cast.oa).post(URL, {"name": "财经纪律", "sort": sort}, format="json")
    assert_error(r, 400, "validation_error", "sort")


def test_patch_renames_reorders_and_deactivates(cast, api, make_problem):
    category = Category.objects.get(name="工作作风")
    problem = make_problem("draft", category=category)
    client = api(cast.oa)

    r = client.patch(f"{URL}{category.pk}/", {"name": "作风建设", "sort": 0}, format="json")
    assert r.status_code == 200 and r.json()["name"] == "作风建设"
    assert names()[0] == "作风建设"
    r = client.patch(f"{URL}{category.pk}/", {"name": "理论学习"}, format="json")
    assert_error(r, 400, "validation_error", "name")

    r = client.patch(f"{URL}{category.pk}/", {"is_active": False}, format="json")
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert api(cast.viewer_a).get(URL, {"is_active": "true"}).json()["count"] == 5
    # Its problem keeps it; a new problem cannot pick it; an edit may keep it.
    problem.refresh_from_db()
    assert problem.category_id == category.pk
    r = client.post(
        "/api/v1/problems/",
        {
            "batch": cast.batch.pk,
            "title": "新问题",
            "description": "具体表现",
            "lead_unit": cast.unit_a.pk,
            "source": "circuit_inspection",
            "due_date": "2026-06-30",
            "category": category.pk,
        },
        format="json",
    )
    assert_error(r, 400, "validation_error", "category")
    r = client.patch(
        f"/api/v1/problems/{problem.pk}/",
        {"category": category.pk, "title": "改了标题"},
        format="json",
    )
    assert r.status_code == 200, r.json()


def test_delete_removes_only_an_unused_category(cast, api, make_problem):
    used = Category.objects.get(name="工作作风")
    make_problem("draft", category=used)
    unused = Category.objects.get(name="理论学习")
    client = api(cast.oa)

    assert_error(client.delete(f"{URL}{used.pk}/"), 409, "invalid_transition")
    assert Category.objects.filter(pk=used.pk, is_active=True).exists()
    assert client.delete(f"{URL}{unused.pk}/").status_code == 204
    assert "理论学习" not in names()
    assert_error(client.delete(f"{URL}{unused.pk}/"), 404, "not_found")
