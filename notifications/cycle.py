"""One reminder cycle: recover, scan, dispatch. Beat rings it; run_reminders loops it."""

from dataclasses import asdict, dataclass

from django.utils import timezone

from issues.services.reporting import report_periods_open

from .delivery import reminders_dispatch, reminders_recover
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

    def as_dict(self):
        return asdict(self)


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
    )
