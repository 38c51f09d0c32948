"""Fixtures of the reminder tests: eager Celery, a cycle that runs its queued deliveries, a
local webhook receiver, and a clock helper.

The settings make Celery eager only when no broker is configured; in the full-stack run
(CELERY_BROKER_URL=redis://...) `.delay()` would push to Redis and nothing would deliver. Every
test here therefore runs eager, except the `redis` tests, which start a real worker.
"""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db import connections

from notifications import tasks
from tracker.celery import app as celery_app

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC


def at(day: dt.date, hour=9, minute=0, second=0):
    """A local (Asia/Shanghai) instant on `day`."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _celery_eager(request):
    """Deliver inline, whatever the broker, except in tests that run a real worker."""
    if request.node.get_closest_marker("redis"):
        yield
        return
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = before


@pytest.fixture(autouse=True)
def _locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://zg.example.org"


@pytest.fixture
def run_cycle(django_capture_on_commit_callbacks):
    """One cycle, with the delivery tasks it queues after commit actually run (eager Celery)."""

    def run():
        with django_capture_on_commit_callbacks(execute=True):
            return tasks.run_cycle()

    return run


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self):  # http.server names its handlers so
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        server = self.server
        with server.lock:
            server.received.append(
                # headers: an email.message.Message, looked up case-insensitively
                SimpleNamespace(path=self.path, headers=self.headers, body=body)
            )
            status = server.statuses.pop(0) if server.statuses else server.status
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"errcode":0}')

    def log_message(self, *args):
        pass


@pytest.fixture
def local_webhooks(settings):
    """Webhooks may go to http://127.0.0.1 (refused by default: https and public addresses)."""
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def receiver(local_webhooks):
    """A real HTTP server on 127.0.0.1 (a free port) that records every POST; the settings
    allow plain http to a loopback address for the test that uses it.

    receiver.url, receiver.received (list of path/headers/body), receiver.status (the answer,
    200 by default), receiver.statuses (one-off answers, consumed first).
    """
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.daemon_threads = True
    server.lock = threading.Lock()
    server.received = []
    server.status = 200
    server.statuses = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address
    server.url = f"http://{host}:{port}/hook"
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def posted_json(request):
    return json.loads(request.body.decode())


def run_in_threads(n, target):
    """Run target(i) in n threads released together; each closes its connections at the end.

    Returns the list of results, or raises the first exception a thread hit."""
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def work(i):
        try:
            barrier.wait(timeout=30)
            results[i] = target(i)
        except BaseException as exc:  # reported to the test thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads), "a worker thread hung"
    if errors:
        raise errors[0]
    return results
