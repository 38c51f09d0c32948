"""月报 (SPEC §12): a unit's monthly period reports for a batch with a reporting rhythm.

Most units report by the 25th, some a few days late, now and then one misses a month; each
report holds one entry per active problem the unit leads in the batch, with the share of its
measures done as the percentage.
"""

import datetime as dt

from issues.models import ACTIVE_STATES, MeasureStatus, Problem, ReportPeriod, ReportTask
from issues.services.reporting import period_report_submit

from . import county as C
from .clock import moment

ENTRY_TEXT = (
    "本月按整改方案推进各项措施，已完成{done}项，其余{left}项正在落实。",
    "召开整改推进会，逐项对账销号，已完成{done}项措施，{left}项按计划推进。",
    "结合日常工作推进整改，{done}项措施已完成，{left}项正在攻坚。",
)


def unit_reports(county, batch_key: str, unit_key: str):
    """A story for devdata.demo.clock.History: one unit's reports, month after month."""
    index = [u.key for u in C.UNITS].index(unit_key)
    received = county.day(C.BATCHES[batch_key]["received"])
    month = received.replace(day=1)
    number = 0
    while month <= county.today:
        number += 1
        # The 25th is the deadline: from eleven days early to four days late.
        day = month.replace(day=25) + dt.timedelta(days=(index * 5 + number * 3) % 16 - 11)
        month = (month + dt.timedelta(days=32)).replace(day=1)
        if day <= received or day >= county.today:
            continue
        if (index + number) % 9 == 4:
            continue  # this month nobody got round to it: 未报
        yield moment(day, index)
        _submit(county, batch_key, unit_key, day)


def _submit(county, batch_key, unit_key, day):
    batch, unit = county.batches[batch_key], county.units[unit_key]
    period = ReportPeriod.objects.filter(batch=batch, period=f"{day:%Y-%m}").first()
    if (
        period is None
        or not ReportTask.objects.filter(period=period, unit=unit, submitted_at=None).exists()
    ):
        return
    problems = Problem.objects.filter(
        batch=batch, lead_unit=unit, status__in=ACTIVE_STATES
    ).prefetch_related("measures")
    entries = []
    for problem in problems:
        measures = list(problem.measures.all())
        done = sum(m.status == MeasureStatus.DONE for m in measures)
        text = ENTRY_TEXT[(problem.pk + day.month) % len(ENTRY_TEXT)]
        entries.append(
            {
                "problem": problem.pk,
                "content": text.format(done=done, left=len(measures) - done),
                "next_steps": "加强调度，确保按期完成。",
                "percent": max(10, min(95, 100 * done // max(len(measures), 1))),
            }
        )
    if entries:
        lly = county.trio(unit_key)[0]
        period_report_submit(actor=lly, period_id=period.pk, entries=entries, unit=unit)
