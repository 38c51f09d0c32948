"""The kinds of notification, named once: the reminder kinds (issues.models.ReminderKind, shared
with the schedule and the Reminder model) and the workflow events with their titles; the
e-mail preferences list both."""

from issues.models import ReminderKind

EVENT_TITLES = {
    "assign": "【交办】{code} 已交办，请签收",
    "approve_list": "【清单通过】{code} 已审核通过并交办，请签收",
    "return_list": "【回炉】{code} 问题清单被退回修改",
    "request_closeout": "【待审核】{code} 提交了销号申请",
    "request_extension": "【待审核】{code} 提交了延期申请",
    "approve_closeout": "【待审核】{code} 销号申请进入下一审核环节",
    "approve_extension": "【待审核】{code} 延期申请进入下一审核环节",
    "reject_closeout": "【退回】{code} 销号申请被退回，请按要求补充整改",
    "reject_extension": "【退回】{code} 延期申请未获批准",
    "closed": "【已销号】{code} 已完成销号",
    "extended": "【延期获批】{code} 整改时限已调整",
    "supervise": "【督办】{code} 收到督办通知",
    "reopen": "【反弹重改】{code} 已重新打开整改",
}

# 报送提醒 and 催报 (notifications/reporting.py).
REPORT_KINDS = ("report_due", "report_late", "report_chase")

# Every kind a user may turn e-mail off for (in-app cannot be turned off).
EMAIL_KINDS = (*ReminderKind.values, *REPORT_KINDS, *EVENT_TITLES)
