"""POST /api/v1/auth/token/, GET /api/v1/me/ and the 401 answers."""

from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from tests.api.conftest import assert_error
from tests.conftest import PASSWORD

TOKEN_URL = "/api/v1/auth/token/"


def test_it_issues_a_token_that_authenticates(cast):
    client = APIClient()
    r = client.post(TOKEN_URL, {"username": "admin_a", "password": PASSWORD}, format="json")
    assert r.status_code == 200, r.json()
    token = r.json()["token"]

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "admin_a"


def test_it_answers_the_same_token_twice(cast):
    client = APIClient()
    body = {"username": "oa", "password": PASSWORD}
    first = client.post(TOKEN_URL, body, format="json").json()["token"]
    assert client.post(TOKEN_URL, body, format="json").json()["token"] == first


def test_it_refuses_wrong_credentials(cast):
    r = APIClient().post(TOKEN_URL, {"username": "oa", "password": "wrong"}, format="json")
    assert_error(r, 400, "validation_error")


def test_it_requires_both_fields(cast):
    r = APIClient().post(TOKEN_URL, {"username": "oa"}, format="json")
    assert_error(r, 400, "validation_error", "password")


def test_it_throttles_log_in_attempts(cast, settings):
    rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"]
    allowed, _ = ScopedRateThrottle().parse_rate(rate)
    client = APIClient()
    for _ in range(allowed):
        r = client.post(TOKEN_URL, {"username": "oa", "password": "wrong"}, format="json")
        assert r.status_code == 400
    # Even the right password waits now: the limit counts attempts, not failures.
    r = client.post(TOKEN_URL, {"username": "oa", "password": PASSWORD}, format="json")
    assert_error(r, 429, "throttled")
    assert "Retry-After" in r.headers


def test_it_answers_401_without_a_token(cast):
    r = APIClient().get("/api/v1/problems/")
    assert_error(r, 401, "not_authenticated")
    assert r.headers["WWW-Authenticate"].startswith("Token")


def test_it_answers_401_for_a_bad_token(cast):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error(client.get("/api/v1/me/"), 401, "not_authenticated")


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
