"""Webhooks without a door into the server (issue 12 item 4), proved against local servers on
127.0.0.1: https only by default, internal addresses refused on create, on update and at send
time (after resolving the name, connecting to the address that was checked), redirects not
followed, one total deadline, failure detail for the unit's managers only, robot tokens masked.
"""

import datetime as dt
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from notifications import webhook_http
from notifications.models import WebhookDelivery, WebhookEndpoint
from notifications.webhook_http import WebhookError

INTERNAL = [
    "http://169.254.169.254/latest/meta-data/",
    "http://localhost:6379/",
    "http://[::1]:8123/admin/",
    "http://127.0.0.1:9/hook",
    "http://10.1.2.3/hook",
    "http://192.168.1.1/hook",
    "http://0.0.0.0:80/",
    "http://224.0.0.1/",
    "http://240.0.0.1/",
    "http://[::ffff:127.0.0.1]/",
    "http://[fe80::1]/",
]


class _Server(BaseHTTPRequestHandler):
    def do_POST(self):  # http.server names its handlers so
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.seen.append(dict(self.headers))
        behaviour = self.server.behaviour
        if behaviour == "hang":
            time.sleep(5)
        elif behaviour == "drip":  # a byte every 0.3 s: each read is quick, the whole is not
            try:
                for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n":
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.3)
            except OSError:
                pass  # the client hung up at its deadline, as it should
            return
        self.send_response(self.server.status)
        if self.server.location:
            self.send_header("Location", self.server.location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def serve():
    servers = []

    def start(status=200, behaviour="", location=""):
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Server)
        server.daemon_threads = True
        server.seen, server.status, server.behaviour = [], status, behaviour
        server.location = location
        threading.Thread(target=server.serve_forever, daemon=True).start()
        server.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def post(url, timeout=None):
    return webhook_http.post(url, b"{}", {"X-Tracker-Signature": "sha256=abc"}, timeout=timeout)


# --- create and update -------------------------------------------------------------------------


def create(api, user, unit, url, **extra):
    return api(user).post(
        "/api/v1/webhooks/",
        {"unit": unit.pk, "url": url, "secret": "s", **extra},
        format="json",
    )


@pytest.mark.parametrize("url", INTERNAL)
def test_it_refuses_internal_addresses_on_create_even_with_http_allowed(api, cast, settings, url):
    settings.WEBHOOK_ALLOW_HTTP = True
    response = create(api, cast.admin_a, cast.unit_a, url)
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "validation_error" and "url" in response.json()["errors"]
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("url", ["http://hooks.example.org/x", "ftp://hooks.example.org/x"])
def test_it_accepts_only_https_by_default(api, cast, url):
    response = create(api, cast.admin_a, cast.unit_a, url)
    assert response.status_code == 400
    assert response.json()["errors"]["url"] == ["地址须以 https:// 开头。"]


def test_a_patch_gets_the_same_checks_and_changes_nothing_when_refused(api, cast):
    created = create(api, cast.admin_a, cast.unit_a, "https://hooks.example.org/x").json()
    for url in ("ftp://hooks.example.org/x", "https://169.254.169.254/x", "https://localhost/"):
        response = api(cast.admin_a).patch(
            f"/api/v1/webhooks/{created['id']}/", {"url": url}, format="json"
        )
        assert response.status_code == 400, (url, response.json())
        assert "url" in response.json()["errors"]
    assert WebhookEndpoint.objects.get().url == "https://hooks.example.org/x"


def test_creating_with_is_active_is_not_a_server_error(api, cast):
    response = create(
        api, cast.admin_a, cast.unit_a, "https://hooks.example.org/x", is_active=False
    )
    assert response.status_code == 201, response.json()
    assert WebhookEndpoint.objects.get().is_active is False


# --- send time ---------------------------------------------------------------------------------


def test_a_name_that_resolves_to_an_internal_address_is_refused_at_send_time(
    serve, settings, monkeypatch
):
    settings.WEBHOOK_ALLOW_HTTP = True
    server = serve()
    port = server.server_address[1]
    monkeypatch.setattr(
        webhook_http.socket,
        "getaddrinfo",
        lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))],
    )
    with pytest.raises(WebhookError) as refused:
        post(f"http://hooks.example.org:{port}/hook")
    assert refused.value.kind == "address_refused"
    assert server.seen == []


def test_it_connects_to_the_address_it_checked_not_to_a_second_lookup(serve, settings, monkeypatch):
    """DNS rebinding: the first answer is checked; a later answer must not be used."""
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    server = serve()
    port = server.server_address[1]
    answers = [("127.0.0.1", port), ("169.254.169.254", port)]
    calls = []

    def getaddrinfo(host, *args, **kwargs):
        calls.append(host)
        address = answers[min(len(calls) - 1, 1)]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", address)]

    monkeypatch.setattr(webhook_http.socket, "getaddrinfo", getaddrinfo)
    assert post(f"http://rebind.example.org:{port}/hook") == 200
    assert calls == ["rebind.example.org"]  # one lookup: the checked one
    assert server.seen[0]["Host"] == f"rebind.example.org:{port}"


def test_an_allow_listed_network_is_reached_without_allowing_every_private_address(serve, settings):
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    server = serve()
    assert post(server.url) == 200
    assert len(server.seen) == 1
    with pytest.raises(WebhookError) as refused:
        post("http://10.1.2.3/hook")
    assert refused.value.kind == "address_refused"


def test_a_redirect_is_not_followed_and_the_signature_goes_nowhere_else(
    serve, settings, local_webhooks
):
    target = serve()
    redirecting = serve(status=302, location=target.url)
    with pytest.raises(WebhookError) as failed:
        post(redirecting.url)
    assert (failed.value.kind, failed.value.status) == ("redirect", 302)
    assert len(redirecting.seen) == 1
    assert target.seen == []


@pytest.mark.parametrize("behaviour", ["hang", "drip"])
def test_one_total_deadline_covers_connect_send_and_read(serve, local_webhooks, behaviour):
    server = serve(behaviour=behaviour)
    start = time.monotonic()
    with pytest.raises(WebhookError) as failed:
        post(server.url, timeout=1.0)
    assert failed.value.kind == "timeout"
    assert time.monotonic() - start < 2.0


# --- who sees what -----------------------------------------------------------------------------


def test_staff_see_a_failure_class_and_a_masked_url_managers_see_both_in_full(api, cast):
    endpoint = WebhookEndpoint.objects.create(
        unit=cast.unit_a,
        url="https://oapi.dingtalk.com/robot/send?access_token=SECRET-TOKEN",
        secret="s",
        format="dingtalk",
    )
    WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_key="problem:1:overdue:1:2026-03-01",
        payload={},
        state="pending",
        attempts=1,
        failure="connect",
        last_error="ConnectionRefusedError: [Errno 111] Connection refused (10.0.0.5:8080)",
        next_attempt_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
    )
    staff, manager = api(cast.staff_a), api(cast.admin_a)
    [seen] = staff.get("/api/v1/webhooks/").json()["results"]
    assert seen["url"] == "https://oapi.dingtalk.com/robot/send?access_token=***"
    [row] = staff.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/").json()["results"]
    assert row["last_error"] == "无法连接" and row["failure"] == "connect"
    [full] = manager.get("/api/v1/webhooks/").json()["results"]
    assert full["url"].endswith("access_token=SECRET-TOKEN")
    [detail] = manager.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/").json()["results"]
    assert "Connection refused" in detail["last_error"]
    assert api(cast.admin_b).get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/").status_code == 404
