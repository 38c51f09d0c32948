"""E-mail (SPEC §5): one daily digest per recipient, immediate for escalations, bodies with
counts, codes and a link and no sensitive detail; per-user opt-out per kind; no address, no
mail. Django's locmem backend (tests/notifications/conftest.py) collects what would be sent.
"""

import datetime as dt
from collections import Counter

import pytest
from django.core import mail

from issues.services.workflow import perform_action
from notifications.email import email_digests_send
from notifications.models import DigestLog, EmailOptOut, Notification

from .conftest import at

TITLE = "机密标题：某局违规发放津贴问题"
DESCRIPTION = "敏感描述：涉及人员张三、李四的具体违纪事实"
LINK = "https://zg.example.org"

OVERDUE_DUE = dt.date(2026, 3, 10)
SOON_DUE = dt.date(2026, 3, 14)
RUN_DAY = dt.date(2026, 3, 11)  # OVERDUE_DUE + 1: overdue/1; SOON_DUE - 3: due_soon/3


def set_email(*users):
    for user in users:
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])


@pytest.fixture
def problems(cast, make_problem):
    """On RUN_DAY: one problem just overdue (admin_a, head_a), one due in 3 days (admin_a)."""
    later = [{"content": "措施", "due_date": dt.date(2026, 6, 30)}]
    overdue = make_problem(
        "in_progress", due_date=OVERDUE_DUE, title=TITLE, description=DESCRIPTION, measures=later
    )
    soon = make_problem(
        "in_progress", due_date=SOON_DUE, title=TITLE, description=DESCRIPTION, measures=later
    )
    return overdue, soon


def mails_to(address):
    return [m for m in mail.outbox if m.to == [address]]


def assert_discreet(message):
    for text in (message.subject, message.body):
        assert TITLE not in text and DESCRIPTION not in text
        assert "违规" not in text and "张三" not in text


def test_one_digest_per_recipient_with_counts_codes_and_a_link_and_no_detail(
    run_cycle, cast, problems, _today
):
    overdue, soon = problems
    set_email(cast.admin_a, cast.head_a)
    _today.move_to(at(RUN_DAY, 7))
    run_cycle()
    assert mail.outbox == []  # nothing is e-mailed at once but escalations

    _today.move_to(at(RUN_DAY, 9))
    assert email_digests_send() == 2
    assert Counter(m.to[0] for m in mail.outbox) == {
        "admin_a@example.org": 1,
        "head_a@example.org": 1,
    }
    admin = mails_to("admin_a@example.org")[0]
    assert "2026-03-11" in admin.subject
    assert f"已逾期 1 项：{overdue.code}" in admin.body
    assert f"即将到期 1 项：{soon.code}" in admin.body
    assert LINK + "/" in admin.body
    head = mails_to("head_a@example.org")[0]
    assert f"已逾期 1 项：{overdue.code}" in head.body
    assert soon.code not in head.body  # head_a is not told about due_soon
    for message in mail.outbox:
        assert_discreet(message)
    # Every notification that went out is marked, so tomorrow's digest does not repeat it.
    assert not Notification.objects.filter(
        recipient__in=[cast.admin_a, cast.head_a], emailed_at=None
    ).exists()


def test_a_second_digest_run_the_same_day_sends_nothing(run_cycle, cast, problems, _today):
    set_email(cast.admin_a, cast.head_a)
    _today.move_to(at(RUN_DAY, 8))
    run_cycle()
    assert email_digests_send() == 2
    for hour, minute in ((8, 30), (12, 0), (23, 59)):
        _today.move_to(at(RUN_DAY, hour, minute))
        run_cycle()
        assert email_digests_send() == 0
    assert len(mail.outbox) == 2
    assert DigestLog.objects.count() == 2


def test_items_arriving_after_the_days_digest_wait_for_tomorrows(
    run_cycle, cast, problems, _today, django_capture_on_commit_callbacks
):
    overdue, _soon = problems
    set_email(cast.admin_a, cast.head_a)
    _today.move_to(at(RUN_DAY, 8))
    run_cycle()
    assert email_digests_send() == 2
    # Later that day the office urges the unit: new in-app notifications for admin_a, head_a.
    _today.move_to(at(RUN_DAY, 15))
    with django_capture_on_commit_callbacks(execute=True):
        perform_action(
            problem_id=overdue.pk,
            action="supervise",
            actor=cast.oa,
            data={"kind": "urge", "content": "请加快整改进度"},
        )
    fresh = Notification.objects.filter(kind="supervise", emailed_at=None)
    assert set(fresh.values_list("recipient__username", flat=True)) == {"admin_a", "head_a"}
    for hour in (15, 20, 23):
        _today.move_to(at(RUN_DAY, hour, 59))
        assert email_digests_send() == 0  # one digest a day, however much arrives
    assert len(mail.outbox) == 2
    _today.move_to(at(RUN_DAY + dt.timedelta(days=1), 8))
    assert email_digests_send() == 2
    for message in mail.outbox[2:]:
        assert f"工作通知 1 项：{overdue.code}" in message.body
        assert_discreet(message)
    assert not fresh.exists()


def test_the_next_day_brings_a_new_digest_with_only_the_new_items(
    run_cycle, cast, problems, _today
):
    overdue, soon = problems
    set_email(cast.admin_a)
    _today.move_to(at(RUN_DAY, 9))
    run_cycle()
    email_digests_send()
    mail.outbox.clear()
    _today.move_to(at(SOON_DUE, 9))  # 03-14: overdue/2 (every 3 days) and due_today
    run_cycle()
    assert email_digests_send() == 1
    body = mails_to("admin_a@example.org")[0].body
    assert f"已逾期 1 项：{overdue.code}" in body
    assert f"今日到期 1 项：{soon.code}" in body
    assert "即将到期" not in body  # already in yesterday's digest


@pytest.mark.parametrize("hour, minute, sends", [(7, 59, False), (8, 0, True), (0, 0, False)])
def test_nothing_is_sent_before_the_digest_hour(
    run_cycle, cast, problems, _today, settings, hour, minute, sends
):
    assert settings.EMAIL_DIGEST_HOUR == 8
    set_email(cast.admin_a)
    _today.move_to(at(RUN_DAY, 0, 0))
    run_cycle()
    _today.move_to(at(RUN_DAY, hour, minute))
    assert email_digests_send() == (1 if sends else 0)
    assert len(mail.outbox) == (1 if sends else 0)


def test_the_digest_hour_is_local_time_not_utc(run_cycle, cast, problems, _today, settings):
    settings.EMAIL_DIGEST_HOUR = 8
    set_email(cast.admin_a)
    _today.move_to(at(RUN_DAY, 0, 0))
    run_cycle()
    # 23:30 UTC on 03-10 is 07:30 on 03-11 in Shanghai: too early; 00:05 UTC is 08:05: sends.
    _today.move_to(dt.datetime(2026, 3, 10, 23, 30, tzinfo=dt.UTC))
    assert email_digests_send() == 0
    _today.move_to(dt.datetime(2026, 3, 11, 0, 5, tzinfo=dt.UTC))  # 08:05 in Shanghai
    assert email_digests_send() == 1


def test_an_opt_out_per_kind_leaves_that_kind_out_of_the_digest(run_cycle, cast, problems, _today):
    overdue, soon = problems
    set_email(cast.admin_a, cast.head_a)
    EmailOptOut.objects.create(user=cast.admin_a, kind="overdue")
    EmailOptOut.objects.create(user=cast.head_a, kind="overdue")
    _today.move_to(at(RUN_DAY, 9))
    run_cycle()
    assert email_digests_send() == 1
    admin = mails_to("admin_a@example.org")[0]
    assert "已逾期" not in admin.body and overdue.code not in admin.body
    assert f"即将到期 1 项：{soon.code}" in admin.body
    # head_a only had overdue items: no digest at all; the in-app notification still exists.
    assert mails_to("head_a@example.org") == []
    assert Notification.objects.filter(recipient=cast.head_a, kind="overdue").count() == 1


def test_users_without_an_email_address_get_nothing(run_cycle, cast, problems, _today):
    set_email(cast.admin_a)  # head_a has no address
    _today.move_to(at(RUN_DAY, 9))
    run_cycle()
    assert email_digests_send() == 1
    assert [m.to for m in mail.outbox] == [["admin_a@example.org"]]
    assert Notification.objects.filter(recipient=cast.head_a).exists()
    assert not DigestLog.objects.filter(user=cast.head_a).exists()


# --- escalations: at once, not again in the digest -------------------------------------------

ESCALATION_DAY = OVERDUE_DUE + dt.timedelta(days=7)


@pytest.fixture
def escalating(cast, make_problem):
    return make_problem(
        "in_progress",
        due_date=OVERDUE_DUE,
        title=TITLE,
        description=DESCRIPTION,
        responsible_leader=cast.leader,
        measures=[{"content": "措施", "due_date": dt.date(2026, 6, 30)}],
    )


def test_escalations_are_emailed_at_once_and_not_repeated_in_the_digest(
    run_cycle, cast, escalating, _today
):
    set_email(cast.rev, cast.leader, cast.admin_a)
    _today.move_to(at(ESCALATION_DAY, 3))  # long before the digest hour
    run_cycle()
    assert sorted(m.to[0] for m in mail.outbox) == ["leader@example.org", "rev@example.org"]
    for message in mail.outbox:
        assert escalating.code in message.subject
        assert f"{LINK}/problems/{escalating.pk}/" in message.body
        assert_discreet(message)
    run_cycle()
    assert len(mail.outbox) == 2

    mail.outbox.clear()
    _today.move_to(at(ESCALATION_DAY, 9))
    email_digests_send()
    # rev and the leader had nothing but the escalation: no digest for them.
    assert sorted(m.to[0] for m in mail.outbox) == ["admin_a@example.org"]
    assert "逾期升级" not in mail.outbox[0].body


def test_an_escalation_opt_out_stops_the_immediate_mail_and_the_digest(
    run_cycle, cast, escalating, _today
):
    set_email(cast.rev, cast.leader)
    EmailOptOut.objects.create(user=cast.rev, kind="escalated")
    _today.move_to(at(ESCALATION_DAY, 9))
    run_cycle()
    email_digests_send()
    assert [m.to for m in mail.outbox] == [["leader@example.org"]]
    assert Notification.objects.filter(recipient=cast.rev, kind="escalated").count() == 1


def test_an_escalation_to_someone_without_an_address_is_in_app_only(
    run_cycle, cast, escalating, _today
):
    _today.move_to(at(ESCALATION_DAY, 9))
    run_cycle()
    email_digests_send()
    assert mail.outbox == []
    assert Notification.objects.filter(kind="escalated").count() == 2
