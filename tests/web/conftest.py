"""Fixtures of the page tests: a logged-in test client and plain static files."""

import pytest
from django.test import Client


@pytest.fixture(autouse=True)
def _plain_static(settings):
    # Templates link CSS/JS with {% static %}; the manifest storage would need collectstatic.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(scope="session")
def _shared_client():
    # One client for the run: a new client re-loads the middleware, and WhiteNoise then
    # re-scans every static file.
    return Client()


@pytest.fixture
def web(_shared_client):
    """web(user) → the shared test client, logged in as `user` (None: anonymous)."""

    def client_for(user=None):
        _shared_client.logout()
        if user is not None:
            _shared_client.force_login(user)
        return _shared_client

    yield client_for
    _shared_client.logout()
