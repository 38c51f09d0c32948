"""An over-limit body is refused from its Content-Length before anything reads it: 413
file_too_large in the API's error shape, a Chinese page on the web (issue 11)."""

import io
import json

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client

from tracker.middleware import request_body_limit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("wsgi_keeps_db_connection")]


class UnreadableBody(io.RawIOBase):
    """wsgi.input that fails the test if anything reads it."""

    def readable(self):
        return True

    def readinto(self, buffer):
        raise AssertionError("the body was read")


def post_raw(path: str, length: int, cookie: str = ""):
    """POST through Django's real WSGI handler (every middleware), claiming `length` bytes."""
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "multipart/form-data; boundary=xyz",
        "CONTENT_LENGTH": str(length),
        "HTTP_COOKIE": cookie,
        "wsgi.input": UnreadableBody(),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    status = []
    body = b"".join(WSGIHandler()(environ, lambda s, headers: status.append((s, headers))))
    return status[0][0], dict(status[0][1]), body


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def test_it_refuses_an_over_limit_api_upload_unread(cast, make_problem):
    problem = make_problem("in_progress")
    status, _headers, body = post_raw(
        f"/api/v1/problems/{problem.pk}/evidence/",
        request_body_limit() + 1,
        session_cookie(cast.admin_a),
    )
    assert status.startswith("413")
    shown = json.loads(body)
    assert shown["code"] == "file_too_large" and shown["errors"] == {"file": ["文件过大。"]}
    assert problem.evidence.count() == 0


@pytest.mark.parametrize("path", ["/problems/{pk}/evidence/", "/problems/import/"])
def test_it_refuses_an_over_limit_page_form_unread(cast, make_problem, path):
    problem = make_problem("in_progress")
    status, _headers, body = post_raw(path.format(pk=problem.pk), 1024**3, session_cookie(cast.oa))
    assert status.startswith("413")
    page = body.decode()
    assert "文件过大" in page and "20 MiB" in page


def test_it_lets_a_body_within_the_limit_through(cast, make_problem):
    problem = make_problem("in_progress")
    client = Client()
    client.force_login(cast.admin_a)
    upload = io.BytesIO(b"%PDF-1.4 minutes")
    upload.name = "纪要.pdf"
    r = client.post(
        f"/problems/{problem.pk}/evidence/",
        {"file": upload, "kind": "minutes", "description": "会议纪要"},
    )
    assert r.status_code == 302
    assert problem.evidence.count() == 1
