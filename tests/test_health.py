"""GET /healthz (tracker/health.py): the database and the broker, for load balancers and the
Compose health check; and the beat check of the beat container."""

import datetime as dt
import threading
from unittest import mock
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from django.db import OperationalError
from django.test import Client, override_settings
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from tracker import health

pytestmark = pytest.mark.django_db


@override_settings(CELERY_BROKER_URL="memory://", CELERY_TASK_ALWAYS_EAGER=True)
def test_it_is_ok_with_the_embedded_eager_broker():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "eager"}


@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0", CELERY_TASK_ALWAYS_EAGER=False)
def test_it_answers_503_naming_an_unreachable_broker():
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "broker": "error"}
    assert "127.0.0.1" not in response.content.decode()  # no detail leaks


def test_it_answers_503_naming_a_failing_database():
    with mock.patch.object(health, "connections") as connections:
        connections.__getitem__.return_value.cursor.side_effect = OperationalError("down")
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error"
    assert response.json()["status"] == "error"


@pytest.mark.redis
def test_it_reaches_the_configured_redis_broker():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_it_needs_no_sign_in_sets_no_cookie_and_is_never_cached():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert not response.cookies
    assert "no-cache" in response["Cache-Control"]
    assert Client().post("/healthz").status_code == 405
    assert Client().head("/healthz").status_code == 200


@pytest.mark.parametrize(
    ("allowed", "host"),
    [
        ("zg.example.org,other.org", "zg.example.org"),
        (".example.org", "example.org"),
        ("*", "localhost"),
        ("", "localhost"),
    ],
)
def test_the_probe_sends_a_host_that_allowed_hosts_accepts(monkeypatch, allowed, host):
    monkeypatch.setenv("ALLOWED_HOSTS", allowed)
    assert health.probe_host() == host


@pytest.fixture
def serve():
    """serve() → the URL of the project's WSGI application on a loopback port, built with
    the settings of that moment (middleware reads them once). Health checks touch no table."""
    from django.core.wsgi import get_wsgi_application

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    servers = []

    def start():
        server = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=Quiet)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.django_db(transaction=True)
def test_the_probe_passes_against_a_running_server(serve, monkeypatch, capsys):
    monkeypatch.setenv("ALLOWED_HOSTS", "127.0.0.1")
    url = serve()
    assert health.probe(url + "/healthz") == 0
    assert '"database": "ok"' in capsys.readouterr().out
    assert health.probe(url + "/no-such-page") == 1


@pytest.mark.django_db(transaction=True)
def test_the_probe_says_https_when_the_proxy_header_is_trusted(serve, monkeypatch, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.STORAGES = {  # the sign-in page's {% static %} without collectstatic
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    url = serve()
    monkeypatch.setenv("ALLOWED_HOSTS", "127.0.0.1")
    monkeypatch.setenv("TRUST_X_FORWARDED_PROTO", "true")
    assert health.probe(url + "/login/") == 0  # not redirected to https://
    monkeypatch.setenv("TRUST_X_FORWARDED_PROTO", "false")
    assert health.probe(url + "/login/") == 1  # 301 to https://, which fails here
    assert health.probe(url + "/healthz") == 0  # exempt from the redirect


def scan_entry(last_run_at):
    every = IntervalSchedule.objects.create(every=300, period=IntervalSchedule.SECONDS)
    return PeriodicTask.objects.create(
        name=health.BEAT_ENTRY,
        task="notifications.tasks.scan_reminders",
        interval=every,
        last_run_at=last_run_at,
    )


def test_beat_is_ok_while_the_scan_runs_within_two_periods(settings):
    settings.REMINDER_SCAN_INTERVAL = dt.timedelta(seconds=300)
    entry = scan_entry(timezone.now() - dt.timedelta(seconds=500))
    assert health.beat_status() == "ok"
    entry.last_run_at = timezone.now() - dt.timedelta(seconds=2 * 300 + health.BEAT_SYNC_SLACK + 1)
    entry.save()
    assert health.beat_status() == "stale"


def test_beat_reports_never_before_its_first_run():
    assert health.beat_status() == "never"
    scan_entry(None)
    assert health.beat_status() == "never"
    assert health.main(["beat"]) == 1
