"""Security for a real deployment: response headers, HTTPS settings from the environment,
cookie flags, CSRF on the web forms, and throttled sign-in (web form, admin, API token)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from rest_framework.test import APIClient

from tests.conftest import PASSWORD
from tracker.throttle import login_rate

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
def _clean_cache():
    """Throttle counters live in the cache."""
    cache.clear()
    yield
    cache.clear()


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


# --- throttled sign-in -----------------------------------------------------------------------


def fail(client, username="admin_a", **extra):
    response = client.post("/login/", {"username": username, "password": "wrong"}, **extra)
    assert response.status_code == 200, response.status_code
    return response


def signs_in(client, username="admin_a", **extra) -> int:
    response = client.post("/login/", {"username": username, "password": PASSWORD}, **extra)
    return response.status_code


def test_the_web_sign_in_refuses_even_the_right_password_after_repeated_failures(cast):
    attempts, _ = login_rate()
    client = Client()
    for _ in range(attempts):
        fail(client)
    response = client.post("/login/", {"username": "admin_a", "password": PASSWORD})
    assert response.status_code == 429
    assert "登录尝试过于频繁" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_count_per_user_name_across_addresses(cast):
    attempts, _ = login_rate()
    for i in range(attempts):
        fail(Client(), REMOTE_ADDR=f"10.0.0.{i + 1}")
    assert signs_in(Client(), REMOTE_ADDR="10.0.1.1") == 429
    assert signs_in(Client(), "head_a", REMOTE_ADDR="10.0.1.1") == 302  # others are not locked


def test_failures_count_per_address_across_user_names(cast):
    attempts, _ = login_rate()
    for i in range(attempts):
        fail(Client(), f"guess{i}")
    assert signs_in(Client(), "head_a") == 429
    assert signs_in(Client(), "head_a", REMOTE_ADDR="10.0.2.1") == 302


def test_a_forged_x_forwarded_for_does_not_make_a_fresh_address(cast):
    attempts, _ = login_rate()
    for i in range(attempts):
        fail(Client(), f"guess{i}", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
    assert signs_in(Client(), "head_a", HTTP_X_FORWARDED_FOR="203.0.113.99") == 429


@override_settings(REST_FRAMEWORK={"NUM_PROXIES": 1, "DEFAULT_THROTTLE_RATES": {"login": "3/min"}})
def test_behind_one_proxy_the_client_is_the_address_the_proxy_reports(cast):
    for _ in range(3):
        fail(Client(), f"guess-{_}", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert signs_in(Client(), "head_a", HTTP_X_FORWARDED_FOR="198.51.100.7") == 429
    assert signs_in(Client(), "head_a", HTTP_X_FORWARDED_FOR="198.51.100.8") == 302


def test_successful_sign_ins_do_not_count(cast):
    attempts, _ = login_rate()
    client = Client()
    for _ in range(attempts + 2):
        assert signs_in(client) == 302
        client.logout()


def test_the_block_ends_with_the_window(cast, _today):
    attempts, seconds = login_rate()
    for _ in range(attempts):
        fail(Client())
    assert signs_in(Client()) == 429
    _today.shift(seconds + 1)
    assert signs_in(Client()) == 302


def test_the_admin_sign_in_is_throttled_too(cast):
    attempts, _ = login_rate()
    client = Client()
    for _ in range(attempts):
        client.post("/admin/login/", {"username": "root", "password": "wrong"})
    response = client.post("/admin/login/", {"username": "root", "password": PASSWORD})
    assert response.status_code == 200  # the form again, with the message
    assert "登录尝试过于频繁" in response.content.decode()
    assert client.get("/admin/").status_code == 302  # not signed in


def test_the_api_token_endpoint_is_throttled_whatever_x_forwarded_for_says(cast):
    attempts, _ = login_rate()
    client = APIClient()
    for i in range(attempts):
        response = client.post(
            "/api/v1/auth/token/",
            {"username": "oa", "password": "wrong"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        )
        assert response.status_code == 400
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "oa", "password": PASSWORD},
        format="json",
        HTTP_X_FORWARDED_FOR="203.0.113.200",
    )
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
