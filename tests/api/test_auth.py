"""POST /api/v1/auth/token/, /auth/logout/, /auth/logoutall/, GET /api/v1/me/ and the 401s.

Tokens are knox tokens: stored as digests, expiring, revocable. The lockout shared with the
web and admin sign-in is tested in tests/test_security.py.
"""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.api.conftest import assert_error
from tests.conftest import PASSWORD, make_user

TOKEN_URL = "/api/v1/auth/token/"


def take_token(username, password=PASSWORD, **extra):
    return APIClient().post(
        TOKEN_URL, {"username": username, "password": password}, format="json", **extra
    )


def client_with(token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_it_issues_a_token_that_authenticates(cast, settings):
    r = take_token("admin_a")
    assert r.status_code == 200, r.json()
    body = r.json()
    assert set(body) == {"token", "expiry"}
    assert dt.datetime.fromisoformat(body["expiry"]) == dt.datetime.now(dt.UTC) + dt.timedelta(
        hours=settings.API_TOKEN_TTL_HOURS
    )
    me = client_with(body["token"]).get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "admin_a"


def test_it_takes_the_sign_in_as_a_form_too(cast):
    """Scripts often post a form; every other API operation takes JSON only."""
    form = f"username=admin_a&password={PASSWORD}"
    urlencoded = APIClient().post(TOKEN_URL, form, content_type="application/x-www-form-urlencoded")
    multipart = APIClient().post(
        TOKEN_URL, {"username": "admin_a", "password": PASSWORD}, format="multipart"
    )
    for r in (urlencoded, multipart):
        assert r.status_code == 200, r.json()
        assert client_with(r.json()["token"]).get("/api/v1/me/").status_code == 200


def test_it_issues_a_fresh_token_at_each_sign_in(cast):
    first, second = take_token("oa").json()["token"], take_token("oa").json()["token"]
    assert first != second
    assert client_with(first).get("/api/v1/me/").status_code == 200
    assert client_with(second).get("/api/v1/me/").status_code == 200


def test_it_stores_no_token_in_plain_text(cast):
    token = take_token("oa").json()["token"]
    stored = AuthToken.objects.get(user=cast.oa)
    assert stored.digest != token and len(stored.digest) == 128  # SHA-512, hex
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                assert not any(isinstance(v, str) and token in v for v in row), table


def test_it_refuses_wrong_credentials(cast):
    assert_error(take_token("oa", "wrong"), 400, "validation_error")
    assert_error(take_token("nobody", "wrong"), 400, "validation_error")
    assert not AuthToken.objects.exists()


def test_it_requires_both_fields(cast):
    r = APIClient().post(TOKEN_URL, {"username": "oa"}, format="json")
    assert_error(r, 400, "validation_error", "password")


def test_it_lets_fifteen_people_take_tokens_from_one_address_in_a_minute(cast):
    people = [make_user(f"clerk{i}") for i in range(15)]
    for person in people:
        r = take_token(person.username, REMOTE_ADDR="192.0.2.10")
        assert r.status_code == 200, r.json()
    assert AuthToken.objects.count() == 15


def test_it_never_counts_successful_sign_ins(cast):
    for _ in range(15):
        assert take_token("oa").status_code == 200


def test_it_accepts_a_token_until_it_expires(cast, settings, _today):
    token = take_token("oa").json()["token"]
    _today.shift(dt.timedelta(hours=settings.API_TOKEN_TTL_HOURS) - dt.timedelta(minutes=1))
    assert client_with(token).get("/api/v1/me/").status_code == 200
    _today.shift(dt.timedelta(minutes=2))
    assert_error(client_with(token).get("/api/v1/me/"), 401, "not_authenticated")
    assert not AuthToken.objects.filter(user=cast.oa).exists()  # deleted once seen expired


def test_it_revokes_the_token_it_signs_out_with(cast):
    kept, revoked = take_token("oa").json()["token"], take_token("oa").json()["token"]
    r = client_with(revoked).post("/api/v1/auth/logout/")
    assert r.status_code == 204
    assert_error(client_with(revoked).get("/api/v1/me/"), 401, "not_authenticated")
    assert client_with(kept).get("/api/v1/me/").status_code == 200


def test_it_revokes_every_token_of_the_user_on_logoutall(cast):
    tokens = [take_token("oa").json()["token"] for _ in range(2)]
    other = take_token("rev").json()["token"]
    assert client_with(tokens[0]).post("/api/v1/auth/logoutall/").status_code == 204
    for token in tokens:
        assert_error(client_with(token).get("/api/v1/me/"), 401, "not_authenticated")
    assert client_with(other).get("/api/v1/me/").status_code == 200


def test_it_signs_out_only_with_a_token(cast):
    assert_error(APIClient().post("/api/v1/auth/logout/"), 401, "not_authenticated")
    session = APIClient()
    session.force_login(cast.oa)  # the web pages' session is not an API token
    assert_error(session.post("/api/v1/auth/logoutall/"), 401, "not_authenticated")


def test_it_revokes_tokens_when_the_password_changes(cast):
    token = take_token("oa").json()["token"]
    other = take_token("rev").json()["token"]
    user = get_user_model().objects.get(username="oa")
    user.set_password("another-pass-678")
    user.save()
    assert_error(client_with(token).get("/api/v1/me/"), 401, "not_authenticated")
    assert client_with(other).get("/api/v1/me/").status_code == 200
    assert take_token("oa", "another-pass-678").status_code == 200


def test_it_keeps_tokens_when_the_user_is_saved_without_a_new_password(cast):
    token = take_token("oa").json()["token"]
    user = get_user_model().objects.get(username="oa")
    user.first_name = "整改办"
    user.save()
    assert client_with(token).get("/api/v1/me/").status_code == 200


def test_it_refuses_a_token_of_a_deactivated_user(cast):
    token = take_token("oa").json()["token"]
    get_user_model().objects.filter(username="oa").update(is_active=False)
    assert_error(client_with(token).get("/api/v1/me/"), 401, "not_authenticated")


def test_it_answers_401_without_a_token(cast):
    r = APIClient().get("/api/v1/problems/")
    assert_error(r, 401, "not_authenticated")
    assert r.headers["WWW-Authenticate"].startswith("Token")


@pytest.mark.parametrize(
    "token",
    # unknown; a NUL (PostgreSQL refuses it in a query); not UTF-8 (é arrives as byte 0xE9)
    ["not-a-real-token", "0" * 64, "ab\x00cd" + "0" * 60, "\u00e9" * 64, "0" * 65],
)
def test_it_answers_401_for_a_bad_token(cast, token):
    r = client_with(token).get("/api/v1/me/")
    body = assert_error(r, 401, "not_authenticated")
    assert body["detail"].startswith("令牌无效")


@pytest.mark.parametrize("path", ["/api/v1/auth/token/", "/api/v1/auth/logout/"])
def test_it_declares_the_sign_in_endpoints_in_the_schema(path):
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"][path]["post"]
    if path.endswith("token/"):
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert body["$ref"].endswith("/SignInRequest")
        assert {"200", "400", "429"} <= set(operation["responses"])
        assert "token" in schema["components"]["schemas"]["TokenResponse"]["required"]
    else:
        assert "requestBody" not in operation
        assert {"204", "401"} <= set(operation["responses"])


def test_it_describes_me(cast, api):
    cast.admin_a.memberships.create(unit=cast.school_a, role="viewer")
    r = api(cast.admin_a).get("/api/v1/me/")
    assert r.status_code == 200
    assert r.json() == {
        "id": cast.admin_a.pk,
        "username": "admin_a",
        "display_name": "admin_a",
        "is_superuser": False,
        "memberships": [
            {"unit": {"id": cast.unit_a.pk, "name": "教育局", "code": "JYJ"}, "role": "unit_admin"},
            {
                "unit": {"id": cast.school_a.pk, "name": "实验小学", "code": "SYXX"},
                "role": "viewer",
            },
        ],
    }


def test_it_falls_back_to_the_username_as_display_name(cast, api):
    cast.root.first_name = ""
    cast.root.save()
    body = api(cast.root).get("/api/v1/me/").json()
    assert body["display_name"] == "root"
    assert body["is_superuser"] is True
    assert body["memberships"] == []
