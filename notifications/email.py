"""E-mail: one daily digest per recipient, immediate for escalations (SPEC §5).

Bodies carry counts, problem codes and a link — never titles or descriptions, which may be
sensitive and travel through mail servers outside the office's control.

Nothing is marked e-mailed before the mail server accepted it: a digest or an immediate mail
that fails is retried with backoff (attempts, next attempt, last error recorded), and the
SMTP connection times out after settings.EMAIL_TIMEOUT. A mail failure never raises into the
caller, so the in-app notification and the webhook never depend on the mail server.
"""

import datetime as dt
import logging
from collections import Counter, defaultdict

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from issues.models import ReminderKind

from .links import home_link, problem_link
from .models import DigestLog, DigestState, EmailOptOut, Notification

logger = logging.getLogger(__name__)

# Retries of a digest or an immediate mail that the mail server did not accept.
BACKOFF = [
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
]
MAX_ATTEMPTS = len(BACKOFF) + 1
LEASE = dt.timedelta(minutes=10)  # longer than EMAIL_TIMEOUT × an SMTP conversation


def kind_label(kind: str) -> str:
    """A reminder kind's own label (ReminderKind); workflow events are "工作通知"."""
    if kind in ReminderKind.values:
        return str(ReminderKind(kind).label)
    return "工作通知"


def wants_email(user, kind: str) -> bool:
    return bool(user.email) and not EmailOptOut.objects.filter(user=user, kind=kind).exists()


def send_immediately(notification: Notification) -> bool:
    """Escalations do not wait for the digest. A failure is recorded on the notification and
    retried by `emails_retry`; after the last attempt the daily digest carries it."""
    user = notification.recipient
    if notification.emailed_at is not None or not wants_email(user, notification.kind):
        return False
    code = notification.problem.code if notification.problem_id else ""
    body = (
        f"{user.first_name or user.username}：\n\n"
        f"问题 {code} 已逾期升级，请登录整改台账系统查看并处理：\n"
        f"{problem_link(notification.problem_id)}\n\n"
        "（本邮件由系统自动发送，不含问题详情。）"
    )
    try:
        send_mail(
            f"【整改台账】{kind_label(notification.kind)}：{code}",
            body,
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
        )
    except Exception as exc:
        attempts = notification.email_attempts + 1
        logger.warning("immediate e-mail %s attempt %s failed: %s", notification.pk, attempts, exc)
        retry = timezone.now() + BACKOFF[attempts - 1] if attempts < MAX_ATTEMPTS else None
        Notification.objects.filter(pk=notification.pk).update(
            email_attempts=attempts,
            email_error=f"{type(exc).__name__}: {exc}"[:2000],
            email_next_at=retry,
        )
        return False
    Notification.objects.filter(pk=notification.pk).update(
        emailed_at=timezone.now(), email_error="", email_next_at=None
    )
    return True


def emails_retry(now=None, limit: int = 200) -> int:
    """Immediate e-mails that failed and whose next attempt has come. One query if none."""
    now = now or timezone.now()
    due = Notification.objects.filter(
        emailed_at=None, email_attempts__gt=0, email_next_at__lte=now
    ).select_related("recipient", "problem")
    return sum(send_immediately(n) for n in due[:limit])


def digest_body(user, notifications) -> str:
    counts = Counter(n.kind for n in notifications)
    codes = defaultdict(list)
    for n in notifications:
        if n.problem_id and n.problem.code not in codes[n.kind]:
            codes[n.kind].append(n.problem.code)
    lines = [f"{user.first_name or user.username}：", "", "您在整改台账中有以下待关注事项："]
    for kind, count in sorted(counts.items()):
        shown = "、".join(codes[kind][:20])
        more = " 等" if len(codes[kind]) > 20 else ""
        lines.append(f"· {kind_label(kind)} {count} 项：{shown}{more}")
    lines += [
        "",
        f"请登录查看：{home_link()}",
        "",
        "（本邮件由系统每日汇总发送，不含问题详情。）",
    ]
    return "\n".join(lines)


def _claim(user, today, now) -> DigestLog | None:
    """Today's digest of `user`, claimed for this call by compare-and-set, or None: already
    sent or given up, waiting for its next attempt, or being sent by someone else."""
    log, _ = DigestLog.objects.get_or_create(user=user, day=today)
    ready = Q(state=DigestState.PENDING) & (Q(next_attempt_at=None) | Q(next_attempt_at__lte=now))
    stale = Q(state=DigestState.SENDING, claimed_at__lt=now - LEASE)  # a crashed sender
    claimed = (
        DigestLog.objects.filter(pk=log.pk)
        .filter(ready | stale)
        .update(state=DigestState.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if claimed != 1:
        return None
    log.refresh_from_db()
    return log


def email_digests_send(*, now: dt.datetime | None = None) -> int:
    """Send today's digest to every recipient who has unsent notifications; once per day.

    The day's DigestLog row (unique per user and local day) is claimed first; the
    notifications are marked e-mailed, and the row `sent`, only after the mail server accepted
    the message. A failure returns the row to `pending` with its next attempt (backoff), and
    after MAX_ATTEMPTS leaves it `failed` with the error (the notifications stay unmailed and
    go into tomorrow's digest)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if timezone.localtime(now).hour < settings.EMAIL_DIGEST_HOUR:
        return 0
    pending = (
        Notification.objects.filter(emailed_at=None, created_at__lte=now)
        .exclude(recipient__email="")
        .select_related("recipient", "problem")
        .order_by("recipient_id", "created_at")
    )
    opted_out = set(EmailOptOut.objects.values_list("user_id", "kind"))
    by_user = defaultdict(list)
    for n in pending:
        if (n.recipient_id, n.kind) not in opted_out:
            by_user[n.recipient_id].append(n)
    finished = set(
        DigestLog.objects.filter(
            day=today, user_id__in=list(by_user), state__in=[DigestState.SENT, DigestState.FAILED]
        ).values_list("user_id", flat=True)
    )
    sent = 0
    for user_id, items in by_user.items():
        if user_id in finished:
            continue  # today's digest already went out (or was given up)
        log = _claim(items[0].recipient, today, now)
        if log is not None:
            sent += _send_digest(log, items, today, now)
    return sent


def _send_digest(log: DigestLog, items, today, now) -> bool:
    user = items[0].recipient
    try:
        send_mail(
            f"【整改台账】每日待办汇总（{today:%Y-%m-%d}）",
            digest_body(user, items),
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
        )
    except Exception as exc:
        logger.warning("digest to user %s, attempt %s, failed: %s", user.pk, log.attempts, exc)
        given_up = log.attempts >= MAX_ATTEMPTS
        DigestLog.objects.filter(pk=log.pk, state=DigestState.SENDING).update(
            state=DigestState.FAILED if given_up else DigestState.PENDING,
            next_attempt_at=None if given_up else now + BACKOFF[log.attempts - 1],
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        return False
    with transaction.atomic():
        DigestLog.objects.filter(pk=log.pk).update(
            state=DigestState.SENT, sent_at=timezone.now(), count=len(items), last_error=""
        )
        Notification.objects.filter(pk__in=[n.pk for n in items]).update(emailed_at=now)
    return True
