"""Chinese by default; the English switch translates the chrome (SPEC §8)."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def _compiled_catalogue():
    """The .mo is built, not committed (CI and scripts/run compile it): build it if stale."""
    po = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        call_command(
            "compilemessages",
            locale=["en"],
            ignore_patterns=[".venv", "staticfiles", "var"],
            verbosity=0,
        )
        from django.utils.translation import trans_real

        trans_real._translations = {}  # forget catalogues loaded before the build


def test_it_is_chinese_by_default_and_switches_to_english(cast, web):
    client = web(cast.admin_a)
    body = client.get("/").content.decode()
    assert '<html lang="zh-CN">' in body and ">待办<" in body and ">English<" in body
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/problems/"})
    assert response.status_code == 302 and response["Location"] == "/problems/"
    body = client.get("/problems/").content.decode()
    assert '<html lang="en">' in body
    assert ">My work<" in body and ">Ledger<" in body and "Export Excel" in body
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert ">待办<" in client.get("/").content.decode()


def test_it_ignores_an_english_browser_until_the_user_switches(cast, web):
    client = web(cast.admin_a)
    english_browser = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}
    body = client.get("/", **english_browser).content.decode()
    assert '<html lang="zh-CN">' in body and ">待办<" in body
    client.post("/i18n/setlang/", {"language": "en", "next": "/"}, **english_browser)
    body = client.get("/", **english_browser).content.decode()
    assert '<html lang="en">' in body and ">My work<" in body
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME)


def test_it_signs_in_in_chinese_for_an_english_browser(web):
    body = web().get("/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="zh-CN">' in body and "登录" in body
