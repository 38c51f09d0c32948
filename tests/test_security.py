"""Security for a real deployment: response headers, HTTPS settings from the environment,
cookie flags, CSRF on the web forms, and the sign-in lockout shared by every door (web form,
admin, API token): failures only, per (address, user name), per user name and per address."""

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as settings_module
from django.test import Client, override_settings
from rest_framework.test import APIClient

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 20 + "-a-long-random-production-secret-" + "y" * 30,
    "ALLOWED_HOSTS": "zg.example.org",
    "TRUST_X_FORWARDED_PROTO": "true",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "SESSION_COOKIE_SECURE": "true",
    "CSRF_COOKIE_SECURE": "true",
    "NUM_PROXIES": "1",
}


def clean_env(**env) -> dict:
    """A process environment with nothing of this test run's: no services, no test flags."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH")
    return {**{k: os.environ[k] for k in keep if k in os.environ}, **env}


@pytest.fixture(autouse=True)
def _plain_static(settings):
    # The sign-in page links CSS with {% static %}; the manifest would need collectstatic.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def settings_under(env: dict) -> dict:
    """The security settings as a fresh process computes them from `env` (and nothing of
    this process's own service configuration)."""
    code = (
        "import json, django\n"
        "django.setup()\n"
        "from django.conf import settings as s\n"
        "names = ['SECURE_PROXY_SSL_HEADER', 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS',\n"
        "         'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD',\n"
        "         'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'NUM_PROXIES']\n"
        "out = {name: getattr(s, name) for name in names}\n"
        "out['DRF_NUM_PROXIES'] = s.REST_FRAMEWORK['NUM_PROXIES']\n"
        "print(json.dumps(out))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=clean_env(DJANGO_SETTINGS_MODULE="tracker.settings", **env),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return json.loads(result.stdout)


def test_production_variables_turn_every_https_setting_on():
    assert settings_under(PRODUCTION) == {
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "NUM_PROXIES": 1,
        "DRF_NUM_PROXIES": 1,
    }


def test_the_embedded_default_trusts_no_proxy_and_forces_no_https():
    assert settings_under({}) == {
        "SECURE_PROXY_SSL_HEADER": None,
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "NUM_PROXIES": 0,
        "DRF_NUM_PROXIES": 0,
    }


def test_check_deploy_is_clean_with_production_variables():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=clean_env(**PRODUCTION),
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("path", ["/login/", "/api/v1/me/", "/healthz", "/no-such-page/"])
def test_every_response_carries_the_security_headers(path):
    response = Client().get(path)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response  # not configured: none


@override_settings(
    SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True, SECURE_HSTS_PRELOAD=True
)
def test_hsts_is_sent_over_https_when_configured():
    client = Client()
    response = client.get("/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "Strict-Transport-Security" not in client.get("/login/")  # never over plain HTTP


@override_settings(
    SECURE_SSL_REDIRECT=True, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")
)
def test_plain_http_is_redirected_unless_the_proxy_says_https():
    client = Client()
    response = client.get("/login/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/login/"
    assert client.get("/login/", HTTP_X_FORWARDED_PROTO="https").status_code == 200
    assert client.get("/healthz").status_code == 200  # load balancers probe over HTTP


@override_settings(SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True)
def test_cookies_are_secure_http_only_and_same_site_when_configured(cast):
    client = Client()
    client.get("/login/")
    csrf = client.cookies["csrftoken"]
    assert csrf["secure"] is True and csrf["samesite"] == "Lax"
    response = client.post("/login/", {"username": "admin_a", "password": PASSWORD})
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"


def csrf_token(page) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]


def test_the_sign_in_form_needs_its_csrf_token(cast):
    client = Client(enforce_csrf_checks=True)
    refused = client.post("/login/", {"username": "admin_a", "password": PASSWORD})
    assert refused.status_code == 403
    token = csrf_token(client.get("/login/"))
    response = client.post(
        "/login/",
        {"username": "admin_a", "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.parametrize(
    "path", ["/logout/", "/notifications/read-all/", "/password/", "/i18n/setlang/"]
)
def test_signed_in_forms_refuse_a_post_without_the_csrf_token(cast, path):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.admin_a)
    assert client.post(path, {}).status_code == 403
    assert client.get("/").status_code == 200  # still signed in: nothing happened


def test_the_api_under_a_session_needs_the_csrf_token_too(cast):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(cast.admin_a)
    assert client.post("/api/v1/notifications/read-all/").status_code == 403


# --- the sign-in lockout (accounts.lockout) --------------------------------------------------

LOCKED = "登录失败次数过多"


def web_sign_in(username, password, **extra):
    return Client().post("/login/", {"username": username, "password": password}, **extra)


def admin_sign_in(username, password, **extra):
    return Client().post("/admin/login/", {"username": username, "password": password}, **extra)


def token_sign_in(username, password, **extra):
    return APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json", **extra
    )


DOORS = {"web": web_sign_in, "admin": admin_sign_in, "token": token_sign_in}
SIGNED_IN = {"web": 302, "admin": 302, "token": 200}
REFUSED = {"web": 200, "admin": 200, "token": 400}


def assert_locked(door, response):
    assert response.status_code == 429, (door, response.status_code)
    assert response["Retry-After"] == str(15 * 60)
    if door == "token":
        body = response.json()
        assert body["code"] == "throttled" and body["errors"] == {}
        assert body["detail"].startswith(LOCKED), body
    else:
        assert LOCKED in response.content.decode()
        assert "sessionid" not in response.cookies


@pytest.mark.parametrize("door", DOORS)
def test_fifteen_wrong_passwords_for_one_user_are_refused_at_every_door(cast, door):
    sign_in = DOORS[door]
    statuses = [sign_in("root", "wrong").status_code for _ in range(15)]
    # The 10th failure reaches the limit: it and everything after answer 429.
    assert statuses == [REFUSED[door]] * 9 + [429] * 6
    assert_locked(door, sign_in("root", PASSWORD))  # even the right password now


@pytest.mark.parametrize("first", DOORS)
def test_failures_at_one_door_lock_the_others(cast, first):
    for _ in range(10):
        DOORS[first]("root", "wrong")
    for door, sign_in in DOORS.items():
        assert_locked(door, sign_in("root", PASSWORD))


def test_failures_at_mixed_doors_add_up(cast):
    for sign_in in (web_sign_in, admin_sign_in, token_sign_in) * 3:
        assert sign_in("root", "wrong").status_code in (200, 400)
    assert token_sign_in("root", "wrong").status_code == 429  # the 10th
    assert_locked("web", web_sign_in("root", PASSWORD))


def test_one_persons_typos_do_not_lock_out_others_at_that_address(cast):
    for _ in range(10):
        web_sign_in("admin_a", "typo")
    assert_locked("web", web_sign_in("admin_a", PASSWORD))
    assert web_sign_in("head_a", PASSWORD).status_code == 302
    assert token_sign_in("oa", PASSWORD).status_code == 200
    assert admin_sign_in("root", PASSWORD).status_code == 302


def test_successful_sign_ins_never_count(cast):
    for _ in range(15):
        assert web_sign_in("admin_a", PASSWORD).status_code == 302
        assert token_sign_in("admin_a", PASSWORD).status_code == 200


def test_a_success_forgives_that_persons_own_typos(cast):
    for _ in range(9):
        web_sign_in("admin_a", "typo")
    assert web_sign_in("admin_a", PASSWORD).status_code == 302
    for _ in range(9):
        assert web_sign_in("admin_a", "typo").status_code == 200
    assert web_sign_in("admin_a", PASSWORD).status_code == 302


def test_failures_count_per_user_name_across_addresses(cast, settings):
    for i in range(settings.LOGIN_USER_FAILURE_LIMIT):
        assert web_sign_in("admin_a", "guess", REMOTE_ADDR=f"10.0.0.{i + 1}").status_code in (
            200,
            429,
        )
    assert_locked("token", token_sign_in("admin_a", PASSWORD, REMOTE_ADDR="10.0.1.1"))
    assert web_sign_in("head_a", PASSWORD, REMOTE_ADDR="10.0.1.1").status_code == 302


def test_one_address_guessing_many_names_meets_the_address_ceiling(cast, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 30
    for i in range(30):
        assert token_sign_in(f"guess{i}", "wrong").status_code in (400, 429)
    assert_locked("token", token_sign_in("head_a", PASSWORD))  # everybody at that address
    assert_locked("web", web_sign_in("head_a", PASSWORD))
    assert web_sign_in("head_a", PASSWORD, REMOTE_ADDR="10.0.2.1").status_code == 302


def test_the_address_ceiling_is_much_higher_than_one_persons_limit(settings):
    assert settings.LOGIN_ADDRESS_FAILURE_LIMIT >= 10 * settings.LOGIN_FAILURE_LIMIT
    assert settings.AXES_FAILURE_LIMIT == settings.LOGIN_FAILURE_LIMIT


def test_a_forged_x_forwarded_for_does_not_make_a_fresh_address(cast):
    for i in range(10):
        web_sign_in("admin_a", "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
    assert_locked("token", token_sign_in("admin_a", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.99"))


@override_settings(REST_FRAMEWORK={**settings_module.REST_FRAMEWORK, "NUM_PROXIES": 1})
def test_behind_one_proxy_the_client_is_the_address_the_proxy_reports(cast):
    for _ in range(10):
        web_sign_in("admin_a", "wrong", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert_locked("web", web_sign_in("admin_a", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7"))
    assert web_sign_in("admin_a", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 302
    # Not an address at all (a broken proxy): counted, not a server error.
    assert web_sign_in("head_a", "wrong", HTTP_X_FORWARDED_FOR="not-an-address").status_code == 200


def test_the_lock_ends_after_the_lockout_minutes(cast, _today):
    for _ in range(10):
        token_sign_in("admin_a", "wrong")
    _today.shift(dt.timedelta(minutes=14))
    assert_locked("web", web_sign_in("admin_a", PASSWORD))  # attempts while locked add no time
    _today.shift(dt.timedelta(minutes=1, seconds=1))
    assert web_sign_in("admin_a", PASSWORD).status_code == 302
