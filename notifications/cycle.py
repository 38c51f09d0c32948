"""One reminder cycle: recover, scan, choose what to deliver. Records only; beat rings it
through tasks.scan_reminders (which queues the deliveries), run_reminders loops it (and
delivers inline, bounded)."""

from dataclasses import asdict, dataclass, field

from django.utils import timezone

from issues.services.reporting import report_periods_open

from .delivery import reminders_dispatch, reminders_recover
from .email import emails_retry
from .reporting import report_reminders_scan
from .scan import reminders_scan
from .webhooks import webhooks_dispatch


@dataclass
class CycleResult:
    recovered: int
    problems: int
    created: int
    escalated: int
    errors: int
    queued: int
    webhooks_queued: int
    emails_retried: int = 0
    reminder_ids: list[int] = field(default_factory=list, repr=False)
    webhook_ids: list[int] = field(default_factory=list, repr=False)

    def as_dict(self):
        data = asdict(self)
        del data["reminder_ids"], data["webhook_ids"]
        return data


def reminders_cycle(*, now=None) -> CycleResult:
    now = now or timezone.now()
    recovered = reminders_recover(now)
    scan = reminders_scan(today=timezone.localdate(now))
    report_periods_open(today=timezone.localdate(now))  # 周报/月报 periods and their tasks
    report_reminders_scan(today=timezone.localdate(now))
    queued = reminders_dispatch(now)
    hooks = webhooks_dispatch(now)
    return CycleResult(
        recovered=recovered,
        problems=scan.problems,
        created=scan.created,
        escalated=scan.escalated,
        errors=scan.errors,
        queued=len(queued),
        webhooks_queued=len(hooks),
        emails_retried=emails_retry(now),
        reminder_ids=queued,
        webhook_ids=hooks,
    )
