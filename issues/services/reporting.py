"""The reporting rhythm (SPEC §12): periods open on their first day for every batch that has a
cycle; each unit that leads an active problem of the batch gets a reporting task; its liaison
submits one period report, whose entries become progress reports of that period.

A unit's status in a period is derived, never stored: submitted on or before `due_on` →
"submitted", after it → "late"; not submitted → "pending" until `due_on`, then "missing".
"""

import calendar
import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from issues.exceptions import ActionForbidden, InvalidInput, InvalidTransition, NotFound
from issues.models import (
    ACTIVE_STATES,
    OFFICE_ROLES,
    Batch,
    Problem,
    ReportCycle,
    ReportPeriod,
    ReportTask,
    Role,
)
from issues.selectors.scope import access_for, scope_units_for_roles
from issues.services.reports import progress_report_create
from issues.signals import report_chased

# Periods a late scan still opens: a loop that was down for a while catches up this far back.
CATCH_UP_DAYS = 62
TEN_DAY_PARTS = ("上旬", "中旬", "下旬")
DEFAULT_DUE_DAY: dict[str, int] = {ReportCycle.WEEKLY: 5, ReportCycle.MONTHLY: 25}
DUE_DAY_RANGE: dict[str, tuple[int, int]] = {
    ReportCycle.WEEKLY: (1, 7),
    ReportCycle.MONTHLY: (1, 28),
}
SUBMITTERS = {Role.UNIT_ADMIN, Role.UNIT_HEAD}


def report_cycle_errors(cycle, due_day) -> dict:
    """Field errors of a batch's rhythm (used by the batch services at every door)."""
    if cycle not in ReportCycle.values:
        return {"report_cycle": ["报送周期须为 none、weekly、ten_days 或 monthly。"]}
    bounds = DUE_DAY_RANGE.get(cycle)
    if bounds and due_day is not None and not bounds[0] <= due_day <= bounds[1]:
        what = "星期几（1–7）" if cycle == ReportCycle.WEEKLY else "每月几日（1–28）"
        return {"report_due_day": [f"报送截止日须为{what}。"]}
    return {}


def _due_day(batch: Batch) -> int:
    """Weekly and monthly batches: the day of the week or month reports are due."""
    return batch.report_due_day or DEFAULT_DUE_DAY[batch.report_cycle]


def period_of(batch: Batch, day: dt.date) -> tuple[str, dt.date, dt.date] | None:
    """(label, starts_on, due_on) of the batch's period that holds `day`; None without a cycle."""
    cycle = batch.report_cycle
    if cycle == ReportCycle.WEEKLY:
        monday = day - dt.timedelta(days=day.weekday())
        year, week, _ = monday.isocalendar()
        due_on = monday + dt.timedelta(days=_due_day(batch) - 1)
        return f"{year}-W{week:02d}", monday, due_on
    if cycle == ReportCycle.MONTHLY:
        first = day.replace(day=1)
        return f"{day.year}-{day.month:02d}", first, first.replace(day=_due_day(batch))
    if cycle == ReportCycle.TEN_DAYS:
        part = min((day.day - 1) // 10, 2)
        starts = day.replace(day=part * 10 + 1)
        last = calendar.monthrange(day.year, day.month)[1]
        due = day.replace(day=last if part == 2 else (part + 1) * 10)
        return f"{day.year}-{day.month:02d}{TEN_DAY_PARTS[part]}", starts, due
    return None


def _next_start(batch: Batch, starts: dt.date, due: dt.date) -> dt.date:
    if batch.report_cycle == ReportCycle.WEEKLY:
        return starts + dt.timedelta(days=7)
    if batch.report_cycle == ReportCycle.MONTHLY:
        return (starts + dt.timedelta(days=32)).replace(day=1)
    return due + dt.timedelta(days=1)  # a ten-day part is due on its last day


def _periods_between(batch: Batch, start: dt.date, end: dt.date):
    day = start
    while day <= end and (found := period_of(batch, day)) is not None:
        yield found
        day = _next_start(batch, found[1], found[2])


def report_periods_open(*, today: dt.date | None = None, batch_ids=None) -> int:
    """Open every period that has begun (catching up CATCH_UP_DAYS) and give each period still
    running a task for every unit leading an active problem of its batch. Idempotent: the
    unique keys make a second run (or two at once) create nothing twice. Returns tasks made."""
    today = today or timezone.localdate()
    cycling = Batch.objects.exclude(report_cycle=ReportCycle.NONE)
    if batch_ids is not None:
        cycling = cycling.filter(pk__in=batch_ids)
    batches = list(cycling)
    if not batches:
        return 0
    for batch in batches:
        since = max(timezone.localdate(batch.created_at), today - dt.timedelta(days=CATCH_UP_DAYS))
        ReportPeriod.objects.bulk_create(
            [
                ReportPeriod(batch=batch, period=label, starts_on=starts, due_on=due)
                for label, starts, due in _periods_between(batch, since, today)
            ],
            ignore_conflicts=True,
        )
    running = ReportPeriod.objects.filter(
        batch__in=batches, due_on__gte=today, starts_on__lte=today
    )
    leaders = set(
        Problem.objects.filter(batch__in=batches, status__in=ACTIVE_STATES)
        .order_by()
        .values_list("batch_id", "lead_unit_id")
        .distinct()
    )
    tasks = [
        ReportTask(period_id=period_id, unit_id=unit_id)
        for period_id, batch_id in running.values_list("pk", "batch_id")
        for b, unit_id in leaders
        if b == batch_id
    ]
    return len(ReportTask.objects.bulk_create(tasks, ignore_conflicts=True))


def _submitting_unit(actor, period: ReportPeriod, unit) -> ReportTask:
    tasks = ReportTask.objects.select_for_update().filter(period=period)
    access = access_for(actor)
    if unit is not None:
        task = tasks.filter(unit=unit).first()
        if task is None:
            raise InvalidInput("该单位本期无报送任务。", {"unit": ["该单位本期无报送任务。"]})
        if not access.has_role_at(SUBMITTERS, task.unit):
            raise ActionForbidden("只有该单位的联络员或主要负责人可以报送。")
        return task
    mine = [t for t in tasks.select_related("unit") if access.has_role_at(SUBMITTERS, t.unit)]
    if not mine:
        raise ActionForbidden("您不是本期任何报送单位的联络员或主要负责人。")
    if len(mine) > 1:
        raise InvalidInput("您负责多个报送单位，请指定单位。", {"unit": ["请指定单位。"]})
    return mine[0]


@transaction.atomic
def period_report_submit(*, actor, period_id: int, entries: list[dict], unit=None) -> ReportTask:
    """One unit's report for one period: every entry becomes a progress report of the period,
    all or nothing; a second submission is refused (409) and changes nothing."""
    period = ReportPeriod.objects.select_related("batch").filter(pk=period_id).first()
    if period is None:
        raise NotFound("报送期次不存在。")
    task = _submitting_unit(actor, period, unit)
    if task.submitted_at is not None:
        raise InvalidTransition("本单位本期已报送，不能重复报送。")
    if not entries:
        raise InvalidInput("请至少填写一个问题的进展。", {"entries": ["请至少填写一项。"]})
    led = set(
        Problem.objects.filter(batch=period.batch, lead_unit=task.unit).values_list("pk", flat=True)
    )
    seen, errors = set(), []
    for number, entry in enumerate(entries, start=1):
        if entry["problem"] not in led:
            errors.append(f"第{number}项：问题不是本单位在本批次牵头的问题。")
        elif entry["problem"] in seen:
            errors.append(f"第{number}项：同一问题只能填写一次。")
        seen.add(entry["problem"])
    if errors:
        raise InvalidInput("报送内容有误。", {"entries": errors})
    for entry in entries:
        progress_report_create(
            actor=actor,
            problem_id=entry["problem"],
            period=period.period,
            content=entry["content"],
            difficulties=entry.get("difficulties", ""),
            next_steps=entry.get("next_steps", ""),
            percent=entry.get("percent", 0),
        )
    task.submitted_at = timezone.now()
    task.submitted_by = actor
    try:
        task.save(update_fields=["submitted_at", "submitted_by"])
    except IntegrityError:  # pragma: no cover - the row lock above serialises submissions
        raise InvalidTransition("本单位本期已报送，不能重复报送。") from None
    return task


@transaction.atomic
def period_chase(*, actor, period_id: int) -> list[int]:
    """催报: the office reminds every unit in its scope that has not reported for the period.
    Returns the units chased; their liaisons and heads are notified after commit."""
    period = ReportPeriod.objects.filter(pk=period_id).first()
    if period is None:
        raise NotFound("报送期次不存在。")
    if not access_for(actor).is_office():
        raise ActionForbidden("只有整改办人员可以催报。")
    tasks = ReportTask.objects.filter(
        period=period,
        submitted_at=None,
        unit__in=scope_units_for_roles(actor, OFFICE_ROLES).values("pk"),
    )
    unit_ids = sorted(tasks.values_list("unit_id", flat=True))
    tasks.update(chased_at=timezone.now(), chase_count=F("chase_count") + 1)
    transaction.on_commit(
        lambda: report_chased.send(
            sender=ReportPeriod, period_id=period.pk, unit_ids=unit_ids, actor_id=actor.pk
        )
    )
    return unit_ids
