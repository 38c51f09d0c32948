"""E-mail: one daily digest per recipient, immediate for escalations (SPEC §5).

Bodies carry counts, problem codes and a link — never titles or descriptions, which may be
sensitive and travel through mail servers outside the office's control.
"""

import datetime as dt
import logging
from collections import Counter, defaultdict

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import DigestLog, EmailOptOut, Notification

logger = logging.getLogger(__name__)

KIND_LABELS = {
    "due_soon": "即将到期",
    "due_today": "今日到期",
    "overdue": "已逾期",
    "escalated": "逾期升级",
    "review_pending": "待审核超时",
}


def _link(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def wants_email(user, kind: str) -> bool:
    return bool(user.email) and not EmailOptOut.objects.filter(user=user, kind=kind).exists()


def send_immediately(notification: Notification) -> bool:
    """Escalations do not wait for the digest."""
    user = notification.recipient
    if notification.emailed_at is not None or not wants_email(user, notification.kind):
        return False
    code = notification.problem.code if notification.problem_id else ""
    body = (
        f"{user.first_name or user.username}：\n\n"
        f"问题 {code} 已逾期升级，请登录整改台账系统查看并处理：\n"
        f"{_link(f'/problems/{notification.problem_id}/')}\n\n"
        "（本邮件由系统自动发送，不含问题详情。）"
    )
    send_mail(
        f"【整改台账】{KIND_LABELS.get(notification.kind, notification.kind)}：{code}",
        body,
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
    )
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    return True


def digest_body(user, notifications) -> str:
    counts = Counter(n.kind for n in notifications)
    codes = defaultdict(list)
    for n in notifications:
        if n.problem_id and n.problem.code not in codes[n.kind]:
            codes[n.kind].append(n.problem.code)
    lines = [f"{user.first_name or user.username}：", "", "您在整改台账中有以下待关注事项："]
    for kind, count in sorted(counts.items()):
        label = KIND_LABELS.get(kind, "工作通知")
        shown = "、".join(codes[kind][:20])
        more = " 等" if len(codes[kind]) > 20 else ""
        lines.append(f"· {label} {count} 项：{shown}{more}")
    lines += ["", f"请登录查看：{_link('/')}", "", "（本邮件由系统每日汇总发送，不含问题详情。）"]
    return "\n".join(lines)


def email_digests_send(*, now: dt.datetime | None = None) -> int:
    """Send today's digest to every recipient who has unsent notifications; once per day.

    The day is claimed by inserting a DigestLog row (unique per user and local day) in the same
    transaction that marks the notifications as e-mailed; the mail goes out after commit.
    """
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
    sent = 0
    for items in by_user.values():
        user = items[0].recipient
        try:
            with transaction.atomic():
                DigestLog.objects.create(user=user, day=today, count=len(items))
                Notification.objects.filter(pk__in=[n.pk for n in items]).update(emailed_at=now)
        except IntegrityError:
            continue  # today's digest already went out
        try:
            send_mail(
                f"【整改台账】每日待办汇总（{today:%Y-%m-%d}）",
                digest_body(user, items),
                settings.DEFAULT_FROM_EMAIL,
                [user.email],
            )
            sent += 1
        except Exception:
            logger.exception("digest e-mail to user %s failed", user.pk)
    return sent
