"""Reads of the reporting rhythm: a period's units and their status, its roll-up, and the
按时报送率 of statistics (SPEC §12)."""

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from issues.models import Problem, ProgressReport, ReportPeriod, ReportTask
from issues.selectors.scope import scope_units
from issues.selectors.stats import rate


def visible_tasks(user) -> QuerySet[ReportTask]:
    """Tasks of units in the user's scope (an office sees its units', a unit its own)."""
    return ReportTask.objects.filter(unit__in=scope_units(user))


def report_periods(user, *, batch_id=None) -> QuerySet[ReportPeriod]:
    """Periods newest first, each with the visible units' tasks prefetched (two queries)."""
    periods = ReportPeriod.objects.all()
    if batch_id is not None:
        periods = periods.filter(batch_id=batch_id)
    tasks = visible_tasks(user).select_related("unit").order_by("unit__sort", "unit_id")
    return periods.order_by("-starts_on", "-id").prefetch_related(
        Prefetch("tasks", queryset=tasks, to_attr="visible_tasks")
    )


def task_status(task: ReportTask, due_on: dt.date, today: dt.date) -> str:
    """submitted (on or before due_on) / late (after) / pending (not yet due) / missing."""
    if task.submitted_at is None:
        return "pending" if today <= due_on else "missing"
    return "submitted" if timezone.localdate(task.submitted_at) <= due_on else "late"


STATUS_LABELS = {"submitted": "已报", "late": "迟报", "missing": "未报", "pending": "待报"}


def period_board(user, period: ReportPeriod) -> list[dict]:
    """One row per visible unit of the period: its status and the progress it reported."""
    today = timezone.localdate()
    tasks = visible_tasks(user).filter(period=period).select_related("unit", "submitted_by")
    reports = (
        ProgressReport.objects.filter(
            period=period.period,
            problem__batch_id=period.batch_id,
            problem__lead_unit__in=tasks.values("unit"),
        )
        .select_related("problem")
        .order_by("problem__code", "id")
    )
    by_unit: dict[int, list] = {}
    for report in reports:
        by_unit.setdefault(report.problem.lead_unit_id, []).append(report)
    rows = []
    for task in tasks.order_by("unit__sort", "unit_id"):
        status = task_status(task, period.due_on, today)
        rows.append(
            {
                "task": task,
                "unit": task.unit,
                "status": status,
                "status_label": STATUS_LABELS[status],
                "submitted_at": task.submitted_at,
                "reports": by_unit.get(task.unit_id, []),
            }
        )
    return rows


def _due_and_on_time(today):
    return {
        "due": Count("pk", filter=Q(submitted_at__isnull=False) | Q(period__due_on__lt=today)),
        "on_time": Count("pk", filter=Q(day__lte=F("period__due_on"))),
    }


def _tasks_of(problems: QuerySet[Problem]) -> QuerySet[ReportTask]:
    return ReportTask.objects.filter(
        period__batch__in=problems.order_by().values("batch_id"),
        unit__in=problems.order_by().values("lead_unit_id"),
    ).annotate(day=TruncDate("submitted_at"))  # the local date (current time zone)


def on_time_report_rates(problems: QuerySet[Problem], today: dt.date | None = None) -> dict:
    """{unit id: 按时报送率 or None} for the units leading the filtered problems. One query."""
    today = today or timezone.localdate()
    # Typed as plain mappings: the stubs cannot see names passed to annotate() by **.
    rows: Iterable[Mapping[str, Any]] = (
        _tasks_of(problems).order_by().values("unit_id").annotate(**_due_and_on_time(today))
    )
    return {r["unit_id"]: rate(r["on_time"], r["due"]) if r["due"] else None for r in rows}


def on_time_report_figures(problems: QuerySet[Problem], today: dt.date | None = None):
    """(on_time_report_rate, on_time_report_rates) from one grouped query: the whole is the
    sum of the units' tasks."""
    today = today or timezone.localdate()
    rows: Iterable[Mapping[str, Any]] = list(
        _tasks_of(problems).order_by().values("unit_id").annotate(**_due_and_on_time(today))
    )
    due = sum(r["due"] for r in rows)
    whole = rate(sum(r["on_time"] for r in rows), due) if due else None
    return whole, {r["unit_id"]: rate(r["on_time"], r["due"]) if r["due"] else None for r in rows}


def on_time_report_rate(problems: QuerySet[Problem], today: dt.date | None = None):
    """按时报送率 (%, one decimal): tasks submitted on time ÷ tasks due, over the periods of the
    filtered problems' batches and the units that lead them; None when nothing was due yet.
    A task is due once its period's due date has passed, or once it was submitted."""
    today = today or timezone.localdate()
    row = _tasks_of(problems).order_by().aggregate(**_due_and_on_time(today))
    return rate(row["on_time"], row["due"]) if row["due"] else None
