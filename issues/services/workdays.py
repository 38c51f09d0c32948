"""Working days (工作日): China's statutory holidays (法定节假日) and 调休 working weekends.

Deadlines are often set as "15个工作日内". The built-in source is the chinese-calendar package,
which holds the years the State Council has announced; it knows nothing of later years. Office
admins therefore override single days (`CalendarDay`) for a year the package does not cover yet
and for local rules. An override wins over the package; a year that neither covers falls back to
Monday–Friday, and the calendar API says so (`builtin: false`).
"""

import datetime as dt

import chinese_calendar
from django.db import transaction
from django.utils import timezone

from issues.exceptions import ActionForbidden, InvalidInput, NotFound
from issues.models import CalendarDay, DayKind
from issues.selectors.scope import access_for

# Bounds of "due in N working days": a year and a half of working days is the longest deadline
# an office sets this way; larger numbers are typing errors.
MAX_WORKING_DAYS = 366
ONE_DAY = dt.timedelta(days=1)


def builtin_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


class WorkCalendar:
    """Is a date a working day? Overrides are read once per year touched (one query each)."""

    def __init__(self):
        self._overrides: dict[int, dict[dt.date, str]] = {}

    def overrides(self, year: int) -> dict[dt.date, str]:
        if year not in self._overrides:
            self._overrides[year] = dict(
                CalendarDay.objects.filter(date__year=year).values_list("date", "kind")
            )
        return self._overrides[year]

    def is_working_day(self, day: dt.date) -> bool:
        kind = self.overrides(day.year).get(day)
        if kind is not None:
            return kind == DayKind.WORKDAY
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            return day.weekday() < 5


def add_working_days(start: dt.date, count: int) -> dt.date:
    """The `count`-th working day after `start` (start itself is not counted)."""
    if not 1 <= count <= MAX_WORKING_DAYS:
        raise ValueError(f"count must lie in 1..{MAX_WORKING_DAYS}")
    calendar = WorkCalendar()
    day = start
    while count:
        day += ONE_DAY
        if calendar.is_working_day(day):
            count -= 1
    return day


def due_in_working_days(count: int) -> dt.date:
    """The due date of "N个工作日内" set today (the installation's local date)."""
    return add_working_days(timezone.localdate(), count)


def batch_default_due(batch) -> dt.date | None:
    """A batch's default due date: its date, else N working days from today (cached on the
    batch object for the day, so an import of many rows counts once)."""
    if batch.default_due_date is not None or not batch.default_due_working_days:
        return batch.default_due_date
    today = timezone.localdate()
    cached = getattr(batch, "_working_days_due", None)
    if cached is None or cached[0] != today:
        cached = (today, add_working_days(today, batch.default_due_working_days))
        batch._working_days_due = cached
    return cached[1]


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days d with start < d <= end (0 when end is not after start). Bounded: a span
    longer than three years is counted only up to three years (a display value)."""
    end = min(end, start + dt.timedelta(days=3 * 366))
    calendar = WorkCalendar()
    count = 0
    day = start
    while day < end:
        day += ONE_DAY
        count += calendar.is_working_day(day)
    return count


def working_days_note(due_date: dt.date | None, active: bool) -> str:
    """ "还有N个工作日" / "今天到期" / "已逾期N个工作日" beside an active problem's due date."""
    if due_date is None or not active:
        return ""
    today = timezone.localdate()
    if due_date > today:
        return f"还有{working_days_between(today, due_date)}个工作日"
    if due_date == today:
        return "今天到期"
    return f"已逾期{working_days_between(due_date, today)}个工作日"


def year_calendar(year: int) -> dict:
    """The year as the calendar API shows it: the days off that are not ordinary weekends
    (statutory holidays, including weekend days inside a holiday period, and local days off),
    and the weekend days that are working days (调休)."""
    calendar = WorkCalendar()
    overrides = calendar.overrides(year)
    builtin = builtin_covers(year)
    holidays, workdays = [], []
    day = dt.date(year, 1, 1)
    while day.year == year:
        working = calendar.is_working_day(day)
        weekend = day.weekday() >= 5
        if working and weekend:
            workdays.append(day)
        elif not working and (
            not weekend
            or overrides.get(day) == DayKind.HOLIDAY
            or (builtin and day in chinese_calendar.holidays)
        ):
            holidays.append(day)
        day += ONE_DAY
    return {"year": year, "builtin": builtin, "holidays": holidays, "workdays": workdays}


def may_edit_calendar(actor) -> bool:
    """The calendar is the installation's: superusers and office admins at a root unit."""
    return access_for(actor).is_root_office_admin


def _require_editor(actor):
    if not may_edit_calendar(actor):
        raise ActionForbidden("只有县级整改办管理员可以调整工作日历。")


@transaction.atomic
def calendar_day_set(*, actor, date: dt.date, kind: str, note: str = "") -> CalendarDay:
    """Create or change the override of one day."""
    _require_editor(actor)
    if kind not in DayKind.values:
        raise InvalidInput(
            "类型须为 holiday 或 workday。", {"kind": ["类型须为 holiday 或 workday。"]}
        )
    day, _ = CalendarDay.objects.update_or_create(
        date=date, defaults={"kind": kind, "note": note, "created_by": actor}
    )
    return day


@transaction.atomic
def calendar_day_delete(*, actor, date: dt.date | None = None, pk: int | None = None) -> None:
    """Remove the override of one day, named by its date or its id."""
    _require_editor(actor)
    if date:
        days = CalendarDay.objects.filter(date=date)
    else:
        days = CalendarDay.objects.filter(pk=pk) if pk is not None else CalendarDay.objects.none()
    deleted, _ = days.delete()
    if not deleted:
        raise NotFound("该日期没有调整记录。")
