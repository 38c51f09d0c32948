"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

They need a transactional database, so they are marked `postgres` as well (on SQLite the
ledger's DELETE trigger breaks the transactional flush). Screenshots of every main page go
to $SCREENSHOT_DIR, or to a temporary folder whose path the run prints.
"""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A Chinese office's browser: zh-CN, a laptop-sized window.
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 1366, "height": 900}}


@pytest.fixture(scope="session", autouse=True)
def _live_server_media_url():
    """The live server wraps the site in a media handler built from MEDIA_URL, which is None
    here (uploads are never served directly) and breaks that handler. Give it a path that
    nothing links to; it must be set before the session-wide live server starts."""
    from django.test.utils import override_settings

    override = override_settings(MEDIA_URL="/__media-never-served__/")
    override.enable()
    yield
    override.disable()


@pytest.fixture(autouse=True)
def _browser_settings(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # The server's clock is frozen at TODAY; a cookie with an expiry date computed from it
    # would already be expired for the browser, whose clock is real. Session cookies only.
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    settings.CSRF_USE_SESSIONS = True


@pytest.fixture(scope="session")
def screenshot_dir():
    path = Path(os.environ.get("SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="tracker-shots-"))
    path.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {path}")
    return path


@pytest.fixture
def shot(screenshot_dir):
    """shot(page, name): a full-page screenshot into the screenshot folder."""

    def take(page, name):
        page.screenshot(path=str(screenshot_dir / f"{name}.png"), full_page=True)

    return take


@pytest.fixture
def as_user(browser, live_server):
    """as_user(user) → a new page of a new browser context, signed in through the form."""
    contexts = []

    def open_as(user):
        context = browser.new_context(
            locale="zh-CN", viewport={"width": 1366, "height": 900}, base_url=live_server.url
        )
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())  # confirmations: yes
        page.goto("/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(live_server.url + "/")
        return page

    yield open_as
    for context in contexts:
        context.close()
