"""Units, users and memberships: scoped reads, writes by superusers and office admins."""

import pytest
from django.contrib.auth import get_user_model

from issues.models import Membership, Unit
from tests.api.conftest import assert_error


def ids(response):
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


# --- units -------------------------------------------------------------------------------


def test_it_lists_the_units_in_scope(cast, api):
    assert ids(api(cast.admin_a).get("/api/v1/units/")) == {cast.unit_a.pk, cast.school_a.pk}
    assert len(ids(api(cast.oa).get("/api/v1/units/"))) == 6


def test_it_shows_a_unit(cast, api):
    r = api(cast.admin_a).get(f"/api/v1/units/{cast.school_a.pk}/")
    assert r.json() == {
        "id": cast.school_a.pk,
        "name": "实验小学",
        "short_name": "",
        "code": "SYXX",
        "kind": "institution",
        "parent": cast.unit_a.pk,
    }


def test_it_hides_units_outside_scope(cast, api):
    assert_error(api(cast.admin_a).get(f"/api/v1/units/{cast.unit_b.pk}/"), 404, "not_found")
    r = api(cast.admin_a).patch(f"/api/v1/units/{cast.unit_b.pk}/", {"name": "x"}, format="json")
    assert_error(r, 404, "not_found")


def test_it_creates_a_unit(cast, api):
    r = api(cast.oa).post(
        "/api/v1/units/",
        {"name": "第二小学", "code": "DEXX", "kind": "institution", "parent": cast.unit_a.pk},
        format="json",
    )
    assert r.status_code == 201, r.json()
    unit = Unit.objects.get(code="DEXX")
    assert r.json()["id"] == unit.pk
    assert unit.path == f"{cast.unit_a.path}{unit.pk}/"


def test_it_refuses_a_duplicate_unit_code(cast, api):
    r = api(cast.oa).post(
        "/api/v1/units/", {"name": "重复", "code": "JYJ", "parent": cast.county.pk}, format="json"
    )
    assert_error(r, 400, "validation_error", "code")


def test_it_refuses_unit_writes_to_non_admins(cast, api):
    r = api(cast.admin_a).post(
        "/api/v1/units/", {"name": "x", "code": "X1", "parent": cast.unit_a.pk}, format="json"
    )
    assert_error(r, 403, "permission_denied")
    r = api(cast.admin_a).patch(f"/api/v1/units/{cast.unit_a.pk}/", {"name": "x"}, format="json")
    assert_error(r, 403, "permission_denied")


def test_it_refuses_a_parent_outside_scope(cast, api):
    from tests.conftest import make_user

    oa_a = make_user("oa_a", unit=cast.unit_a, role="office_admin")
    r = api(oa_a).post(
        "/api/v1/units/", {"name": "x", "code": "X1", "parent": cast.unit_b.pk}, format="json"
    )
    assert_error(r, 400, "validation_error", "parent")


def test_it_edits_a_unit(cast, api):
    r = api(cast.oa).patch(
        f"/api/v1/units/{cast.unit_b.pk}/",
        {"short_name": "卫健", "parent": cast.office.pk},
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert r.json()["short_name"] == "卫健"
    cast.unit_b.refresh_from_db()
    assert cast.unit_b.path.startswith(cast.office.path)


def test_it_refuses_put(cast, api):
    r = api(cast.oa).put(f"/api/v1/units/{cast.unit_b.pk}/", {"name": "x"}, format="json")
    assert_error(r, 405, "method_not_allowed")


# --- users -------------------------------------------------------------------------------


def test_it_lists_users_sharing_the_scope(cast, api):
    usernames = {
        row["username"] for row in api(cast.admin_b).get("/api/v1/users/").json()["results"]
    }
    assert usernames == {"admin_b", "head_b", "staff_b"}


def test_it_creates_a_user_without_echoing_the_password(cast, api):
    r = api(cast.oa).post(
        "/api/v1/users/",
        {"username": "zhang", "password": "s3cret-pass", "display_name": "张三", "email": "z@x.cn"},
        format="json",
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body == {
        "id": body["id"],
        "username": "zhang",
        "display_name": "张三",
        "email": "z@x.cn",
    }
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.get(username="zhang").check_password("s3cret-pass")


def test_it_refuses_a_weak_password_and_a_taken_username(cast, api):
    r = api(cast.oa).post("/api/v1/users/", {"username": "li", "password": "1"}, format="json")
    assert_error(r, 400, "validation_error", "password")
    r = api(cast.oa).post(
        "/api/v1/users/", {"username": "oa", "password": "long-enough-1"}, format="json"
    )
    assert_error(r, 400, "validation_error", "username")


WEAK_PASSWORDS = [
    ("12345678", ["这个密码太常见了。", "密码只包含数字。"]),
    ("password123", ["这个密码太常见了。"]),
    ("zhangwei88", ["密码跟 用户名 太相似了。"]),  # the user name itself
    ("zw-8", ["密码长度太短。密码必须包含至少 8 个字符。"]),
]


@pytest.mark.parametrize(("password", "messages"), WEAK_PASSWORDS)
def test_it_refuses_weak_passwords_in_chinese(cast, api, password, messages):
    r = api(cast.oa).post(
        "/api/v1/users/", {"username": "zhangwei88", "password": password}, format="json"
    )
    body = assert_error(r, 400, "validation_error", "password")
    assert body["errors"]["password"] == messages
    assert not get_user_model().objects.filter(username="zhangwei88").exists()


def test_it_refuses_user_creation_to_non_admins(cast, api):
    r = api(cast.admin_a).post(
        "/api/v1/users/", {"username": "li", "password": "long-enough-1"}, format="json"
    )
    assert_error(r, 403, "permission_denied")


# --- memberships -------------------------------------------------------------------------


def test_it_lists_memberships_in_scope(cast, api):
    rows = api(cast.admin_b).get("/api/v1/memberships/").json()["results"]
    assert {row["unit"] for row in rows} == {cast.unit_b.pk}
    assert set(rows[0]) == {"id", "user", "unit", "role"}


def test_it_grants_a_role_to_a_new_user(cast, api):
    user = (
        api(cast.oa)
        .post("/api/v1/users/", {"username": "wang", "password": "long-enough-1"}, format="json")
        .json()
    )
    r = api(cast.oa).post(
        "/api/v1/memberships/",
        {"user": user["id"], "unit": cast.school_a.pk, "role": "unit_staff"},
        format="json",
    )
    assert r.status_code == 201, r.json()
    assert r.json()["role"] == "unit_staff"
    assert Membership.objects.filter(user_id=user["id"], unit=cast.school_a).exists()


def test_it_refuses_grants_outside_the_admins_scope(cast, api):
    from tests.conftest import make_user

    oa_a = make_user("oa_a", unit=cast.unit_a, role="office_admin")
    r = api(oa_a).post(
        "/api/v1/memberships/",
        {"user": cast.staff_a.pk, "unit": cast.county.pk, "role": "office_admin"},
        format="json",
    )
    assert_error(r, 400, "validation_error", "unit")
    r = api(cast.admin_a).post(
        "/api/v1/memberships/",
        {"user": cast.staff_a.pk, "unit": cast.unit_a.pk, "role": "unit_admin"},
        format="json",
    )
    assert_error(r, 403, "permission_denied")


@pytest.mark.parametrize("role", ["leader", "unit_head", "office_reviewer"])
def test_an_office_admin_cannot_grant_itself_a_role(cast, api, role):
    """Otherwise it could become the 责任领导 or unit head whose step checks its own work."""
    r = api(cast.oa).post(
        "/api/v1/memberships/",
        {"user": cast.oa.pk, "unit": cast.unit_a.pk, "role": role},
        format="json",
    )
    assert_error(r, 403, "permission_denied")
    assert not Membership.objects.filter(user=cast.oa, role=role).exists()
    r = api(cast.root).post(
        "/api/v1/memberships/",
        {"user": cast.root.pk, "unit": cast.unit_a.pk, "role": role},
        format="json",
    )
    assert r.status_code == 201


def test_it_refuses_a_duplicate_grant(cast, api):
    r = api(cast.oa).post(
        "/api/v1/memberships/",
        {"user": cast.staff_a.pk, "unit": cast.unit_a.pk, "role": "unit_staff"},
        format="json",
    )
    assert_error(r, 400, "validation_error")


def test_it_revokes_a_membership(cast, api):
    membership = cast.staff_b.memberships.get()
    r = api(cast.oa).delete(f"/api/v1/memberships/{membership.pk}/")
    assert r.status_code == 204
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_it_hides_memberships_outside_scope(cast, api):
    membership = cast.staff_b.memberships.get()
    assert_error(
        api(cast.admin_a).delete(f"/api/v1/memberships/{membership.pk}/"), 404, "not_found"
    )
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_it_refuses_revocation_to_non_admins(cast, api):
    membership = cast.staff_a.memberships.get()
    r = api(cast.admin_a).delete(f"/api/v1/memberships/{membership.pk}/")
    assert_error(r, 403, "permission_denied")
