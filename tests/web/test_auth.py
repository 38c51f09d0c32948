"""Sign-in, sign-out and password change pages."""

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_it_sends_anonymous_users_to_the_login_page(web):
    response = web().get("/problems/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/problems/"


def test_it_signs_in_and_lands_on_my_work(cast, web):
    client = web()
    page = client.get("/login/")
    assert page.status_code == 200
    assert "用户名" in page.content.decode() and "密码" in page.content.decode()
    response = client.post("/login/", {"username": "admin_a", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "待办" in home.content.decode()


def test_it_refuses_a_wrong_password_in_place(cast, web):
    response = web().post("/login/", {"username": "admin_a", "password": "nope"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


def test_it_signs_out_by_post(cast, web):
    client = web(cast.admin_a)
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/").status_code == 302


def test_it_changes_the_password(cast, web):
    client = web(cast.admin_a)
    assert client.get("/password/").status_code == 200
    response = client.post(
        "/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "n3w-pass-987",
            "new_password2": "n3w-pass-987",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/password/done/"
    cast.admin_a.refresh_from_db()
    assert cast.admin_a.check_password("n3w-pass-987")


def test_it_revokes_the_users_api_tokens_when_the_password_changes(cast, web):
    token = APIClient().post(
        "/api/v1/auth/token/", {"username": "admin_a", "password": PASSWORD}, format="json"
    )
    AuthToken.objects.create(user=cast.head_a)  # another user's token stays
    client = web(cast.admin_a)
    client.post(
        "/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "n3w-pass-987",
            "new_password2": "n3w-pass-987",
        },
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token " + token.json()["token"])
    assert api.get("/api/v1/me/").status_code == 401
    assert list(AuthToken.objects.values_list("user__username", flat=True)) == ["head_a"]
    assert client.get("/").status_code == 200  # this session goes on


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("12345678", "密码只包含数字。"),
        ("password123", "这个密码太常见了。"),
        ("admin_a1", "密码跟 用户名 太相似了。"),
    ],
)
def test_it_refuses_a_weak_new_password_in_chinese(cast, web, password, message):
    response = web(cast.admin_a).post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    cast.admin_a.refresh_from_db()
    assert cast.admin_a.check_password(PASSWORD)


def test_it_explains_the_password_rules_in_chinese(cast, web):
    body = web(cast.admin_a).get("/password/").content.decode()
    assert "你的密码必须包含至少 8 个字符。" in body
    assert "你的密码不能是一个常见密码。" in body


def test_it_shows_the_top_bar_for_the_user(cast, web):
    body = web(cast.head_a).get("/").content.decode()
    assert "head_a" in body  # the display name (first_name) of the cast
    assert "教育局·单位主要负责人" in body
    assert 'href="/reviews/"' in body  # unit heads review
    body = web(cast.staff_a).get("/").content.decode()
    assert 'href="/reviews/"' not in body  # staff do not
