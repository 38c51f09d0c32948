"""Mail that is not lost (issue 12 item 3), against a tiny SMTP server on 127.0.0.1 that can
accept, refuse with 451, hang up, or never answer: nothing is marked e-mailed before the
server accepted it; failures are recorded and retried with backoff, then given up; a hung
server costs EMAIL_TIMEOUT, not the loop; a mail outage never stops the in-app notification or
the webhook."""

import datetime as dt
import socketserver
import threading
import time

import pytest
from django.conf import settings as django_settings

from notifications.email import BACKOFF, MAX_ATTEMPTS, email_digests_send
from notifications.models import DigestLog, Notification, Reminder, WebhookDelivery, WebhookEndpoint

from .conftest import at

RUN_DAY = dt.date(2026, 3, 11)  # the problem's first overdue day


class _Smtp(socketserver.StreamRequestHandler):
    def handle(self):
        mode = self.server.mode
        if mode == "hang":
            time.sleep(5)
            return
        if mode == "close":
            return  # hang up before the greeting
        self.reply("220 test ESMTP")
        while line := self.rfile.readline():
            command = line.decode(errors="replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250 test")
            elif command.startswith(("MAIL", "RCPT", "RSET", "NOOP")):
                self.reply("250 OK")
            elif command == "DATA":
                self.reply("354 go on")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data)
                if self.server.mode == "451":
                    self.reply("451 4.3.0 try again later")
                else:
                    self.server.accepted.append(b"".join(lines))
                    self.reply("250 queued")
            elif command == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 no")

    def reply(self, text):
        self.wfile.write(text.encode() + b"\r\n")


@pytest.fixture
def smtp(settings):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Smtp)
    server.daemon_threads = True
    server.mode, server.accepted = "ok", []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = server.server_address
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 1
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def overdue(cast, make_problem):
    for user in (cast.admin_a, cast.head_a, cast.rev):
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    return make_problem("in_progress", due_date=RUN_DAY - dt.timedelta(days=1))


def test_email_timeout_has_a_default():
    assert django_settings.EMAIL_TIMEOUT == 10


def test_a_refused_digest_is_not_marked_sent_and_is_retried_with_backoff(
    run_cycle, smtp, overdue, _today
):
    start = at(RUN_DAY, 9)
    _today.move_to(start)
    run_cycle()
    smtp.mode = "451"
    assert email_digests_send() == 0
    log = DigestLog.objects.get(user__username="admin_a")
    assert (log.state, log.attempts) == ("pending", 1)
    assert "451" in log.last_error and log.next_attempt_at == start + BACKOFF[0]
    assert not Notification.objects.exclude(emailed_at=None).exists()

    smtp.mode = "ok"
    _today.move_to(start + BACKOFF[0] - dt.timedelta(seconds=1))
    assert email_digests_send() == 0  # not before its next attempt
    _today.move_to(start + BACKOFF[0])
    assert email_digests_send() == 2  # admin_a and head_a
    assert len(smtp.accepted) == 2
    log.refresh_from_db()
    assert (log.state, log.attempts, log.last_error) == ("sent", 2, "")
    assert not Notification.objects.filter(emailed_at=None, recipient__email__gt="").exists()
    assert email_digests_send() == 0  # once a day


def test_a_digest_is_given_up_after_the_last_attempt_and_the_items_wait_for_tomorrow(
    run_cycle, smtp, overdue, _today
):
    _today.move_to(at(RUN_DAY, 9))
    run_cycle()
    smtp.mode = "close"
    moment = at(RUN_DAY, 9)
    for attempt in range(MAX_ATTEMPTS):
        email_digests_send()
        if attempt < len(BACKOFF):
            moment += BACKOFF[attempt]
            _today.move_to(moment)
    log = DigestLog.objects.get(user__username="admin_a")
    assert (log.state, log.attempts) == ("failed", MAX_ATTEMPTS)
    assert log.last_error
    smtp.mode = "ok"
    assert email_digests_send() == 0  # given up for today
    _today.move_to(at(RUN_DAY + dt.timedelta(days=1), 9))
    assert email_digests_send() == 2  # tomorrow's digest carries the items
    assert not Notification.objects.filter(emailed_at=None, recipient__email__gt="").exists()


def test_a_hanging_mail_server_costs_the_timeout_not_the_loop(run_cycle, smtp, overdue, _today):
    _today.move_to(at(RUN_DAY, 9))
    run_cycle()
    smtp.mode = "hang"
    began = time.monotonic()
    assert email_digests_send() == 0
    assert time.monotonic() - began < 2 * 1 + 1.5  # two recipients, EMAIL_TIMEOUT = 1 s each
    assert set(DigestLog.objects.values_list("state", flat=True)) == {"pending"}
    assert "timed out" in DigestLog.objects.first().last_error


def test_an_escalation_during_a_mail_outage_still_reaches_the_inbox_and_the_webhook(
    run_cycle, cast, smtp, overdue, _today
):
    # (refused when sent, at once: this test is about the queueing, not the POST)
    WebhookEndpoint.objects.create(unit=cast.unit_a, url="https://127.0.0.1:1/x", secret="s")
    smtp.mode = "451"
    escalation_day = at(RUN_DAY + dt.timedelta(days=6), 10)
    _today.move_to(escalation_day)
    run_cycle()
    escalated = Reminder.objects.get(kind="escalated")
    assert escalated.state == "sent"
    notice = Notification.objects.get(reminder=escalated)
    assert notice.emailed_at is None and notice.email_attempts == 1 and "451" in notice.email_error
    assert WebhookDelivery.objects.filter(event_key=escalated.event_key).exists()

    smtp.mode = "ok"
    _today.move_to(escalation_day + BACKOFF[0])
    result = run_cycle()
    assert result.emails_retried == 1
    notice.refresh_from_db()
    assert notice.emailed_at is not None
    assert len(smtp.accepted) == 1
