"""Working days (SPEC §12): 法定节假日 and 调休, pinned on the 2026 calendar, and overrides."""

import datetime as dt

import pytest

from issues.models import CalendarDay, DayKind
from issues.services.workdays import (
    WorkCalendar,
    add_working_days,
    working_days_between,
    year_calendar,
)

D = dt.date


def working(day):
    return WorkCalendar().is_working_day(day)


@pytest.mark.django_db
class TestSpringFestival2026:
    """春节 2026: 2月15日（周日）至23日（周一）放假，2月14日（周六）、28日（周六）上班."""

    def test_it_has_every_day_of_the_holiday_off(self):
        assert not any(working(D(2026, 2, d)) for d in range(15, 24))

    def test_it_works_on_the_make_up_saturdays(self):
        assert working(D(2026, 2, 14)) and working(D(2026, 2, 28))

    def test_it_counts_across_the_holiday(self):
        # Fri 13th + 1 → Sat 14th (调休); + 2 → Tue 24th (the first day after the holiday).
        assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
        assert add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)
        # 15 working days from Mon 9th: 10–13 (4), 14 (5), 24–27 (9), 28 (10), Mar 2–6 (15).
        assert add_working_days(D(2026, 2, 9), 15) == D(2026, 3, 6)


@pytest.mark.django_db
class TestNationalDay2026:
    """国庆 2026: 10月1日至7日放假，9月20日（周日）、10月10日（周六）上班; 中秋 9月25–27日."""

    def test_it_has_the_golden_week_off(self):
        assert not any(working(D(2026, 10, d)) for d in range(1, 8))

    def test_it_works_on_the_make_up_days(self):
        assert working(D(2026, 9, 20)) and working(D(2026, 10, 10))

    def test_it_counts_across_the_holiday(self):
        # Wed 30th Sept + 1 → Thu 8th Oct; + 3 → Sat 10th (调休); + 4 → Mon 12th.
        assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
        assert add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)
        assert add_working_days(D(2026, 9, 30), 4) == D(2026, 10, 12)

    def test_it_counts_working_days_between(self):
        # Sept 30 → Oct 12: 8, 9, 10 (调休), 12.
        assert working_days_between(D(2026, 9, 30), D(2026, 10, 12)) == 4
        assert working_days_between(D(2026, 10, 12), D(2026, 9, 30)) == 0


@pytest.mark.django_db
class TestYearCalendar:
    def test_it_lists_holidays_and_working_weekends(self):
        year = year_calendar(2026)
        assert year["builtin"] is True
        assert D(2026, 2, 15) in year["holidays"]  # a Sunday inside the holiday: listed
        assert D(2026, 2, 23) in year["holidays"]
        assert D(2026, 3, 7) not in year["holidays"]  # an ordinary Saturday: not listed
        assert year["workdays"] == [
            D(2026, 1, 4),
            D(2026, 2, 14),
            D(2026, 2, 28),
            D(2026, 5, 9),
            D(2026, 9, 20),
            D(2026, 10, 10),
        ]

    def test_it_falls_back_to_weekdays_for_an_unknown_year(self):
        year = year_calendar(2031)
        assert year["builtin"] is False
        assert year["holidays"] == [] and year["workdays"] == []
        assert add_working_days(D(2031, 1, 3), 1) == D(2031, 1, 6)  # Fri → Mon


@pytest.mark.django_db
class TestOverrides:
    def test_an_override_wins_over_the_builtin_source(self):
        CalendarDay.objects.create(date=D(2026, 3, 4), kind=DayKind.HOLIDAY, note="县级活动日")
        CalendarDay.objects.create(date=D(2026, 3, 7), kind=DayKind.WORKDAY)
        assert add_working_days(D(2026, 3, 3), 1) == D(2026, 3, 5)
        assert add_working_days(D(2026, 3, 6), 1) == D(2026, 3, 7)
        year = year_calendar(2026)
        assert D(2026, 3, 4) in year["holidays"] and D(2026, 3, 7) in year["workdays"]

    def test_overrides_fill_a_year_the_package_does_not_cover(self):
        # 2031's Spring Festival as an office would enter it once announced.
        for day in range(22, 29):
            CalendarDay.objects.create(date=D(2031, 1, day), kind=DayKind.HOLIDAY)
        CalendarDay.objects.create(date=D(2031, 2, 8), kind=DayKind.WORKDAY)  # a Saturday
        assert add_working_days(D(2031, 1, 21), 1) == D(2031, 1, 29)
        assert add_working_days(D(2031, 2, 7), 1) == D(2031, 2, 8)

    def test_it_refuses_unbounded_counts(self):
        with pytest.raises(ValueError):
            add_working_days(D(2026, 1, 1), 0)
        with pytest.raises(ValueError):
            add_working_days(D(2026, 1, 1), 100000)
