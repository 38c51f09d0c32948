"""Fixtures of the API tests: a clean cache, and helpers that read the error shape."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clean_cache():
    """Nothing one test caches leaks into the next."""
    cache.clear()
    yield
    cache.clear()


def assert_error(response, status: int, code: str, *fields: str):
    """The SPEC §9 error shape, with field errors for `fields`."""
    body = response.json()
    assert response.status_code == status, body
    assert set(body) == {"code", "detail", "errors"}, body
    assert body["code"] == code, body
    assert isinstance(body["detail"], str) and body["detail"], body
    for field in fields:
        assert body["errors"].get(field), body
    return body
