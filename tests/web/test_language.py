"""Chinese by default; the English switch translates the chrome (SPEC §8)."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

pytestmark = pytest.mark.django_db

LANGUAGES = ("en", "zh_Hans")


def _po(language) -> Path:
    return Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.po"


def _entries(language) -> dict[str, list[str]]:
    """msgid → its msgstr values, read from the .po (continuation lines joined)."""
    entries, current, key = {}, {}, None
    for line in [*_po(language).read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if current.get("msgid"):
                entries[current["msgid"]] = [
                    v for k, v in current.items() if k.startswith("msgstr")
                ]
            current, key = {}, None
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[key] += line[1:-1]
        else:
            key, _, value = line.partition(" ")
            current[key] = value[1:-1]
    return entries


@pytest.fixture(scope="module", autouse=True)
def _compiled_catalogue():
    """The .mo is built, not committed (CI and scripts/run compile it): build it if stale."""
    stale = [
        language
        for language in LANGUAGES
        if not (mo := _po(language).with_suffix(".mo")).exists()
        or mo.stat().st_mtime < _po(language).stat().st_mtime
    ]
    if stale:
        call_command(
            "compilemessages",
            locale=stale,
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


def test_it_has_complete_catalogues_for_both_languages():
    english, chinese = _entries("en"), _entries("zh_Hans")
    assert english.keys() == chinese.keys()
    assert [m for m, values in english.items() if not all(values)] == []
    assert [m for m, values in chinese.items() if values != [m] * len(values)] == []


def test_issue_16_pages_read_in_english(cast, make_problem, web):
    """Registration, bulk actions, the review inbox, the 统计口径 and the import help."""
    make_problem()
    client = web(cast.oa)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    pages = {
        "/problems/new/": ["Responsibility and deadline", "Add another measure"],
        "/problems/": ["Select all on this page", "Bulk: "],
        "/reviews/": ["Reviewed", "No reviews yet."],
        "/dashboard/": ["count only the problems it (or a unit under it) leads"],
        "/problems/import/": ["The unit must be the lead unit or one listed under 配合单位"],
    }
    for url, texts in pages.items():
        body = client.get(url).content.decode()
        for text in texts:
            assert text in body, (url, text)
    assert "统计口径" not in client.get("/dashboard/").content.decode()
