"""The bounds of what people type (issue 11), in one place, and date arithmetic that cannot fail.

Every door — API serializers, page forms, the Excel import, the Django admin — checks input
with these validators; the model fields carry them too, so ModelForms, the admin and
ModelSerializers inherit them. docs/bounds.md explains each bound to an office.

Values already stored may still lie outside (written before these bounds, or straight into the
database): code that computes with them uses `add_days`, which clamps instead of raising.
"""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.deconstruct import deconstructible

DATE_MIN = dt.date(2000, 1, 1)
DATE_MAX = dt.date(2099, 12, 31)

# (lowest, highest) for the day counts of a batch's rules (SPEC §4, §5), in days.
DAY_BOUNDS = {
    "yellow_days": (0, 90),  # the light turns yellow at most a quarter ahead
    "remind_days_before": (0, 90),  # each "n days before the due date" reminder (0: none)
    "overdue_repeat_days": (1, 90),  # repeat the overdue reminder every n days
    "escalate_after_days": (1, 365),  # escalate after n days overdue
    "review_pending_days": (1, 90),  # remind reviewers after n days undecided
    "max_extension_days": (1, 1095),  # total extension of one problem: at most three years
}
REMIND_DAYS_MAX_ITEMS = 10

# Ids in filters and payloads: positive, and within the smallest id column the databases use
# (PostgreSQL integer), so a number like 4.5e16 is refused before it reaches a query.
ID_MAX = 2**31 - 1

# C0 and C1 control characters and DEL. Single-line names and codes allow none; multi-line
# text allows tab and line breaks (\r too: browsers send a textarea's lines as \r\n).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@deconstructible
class DateRangeValidator:
    message = "日期须在 %(min)s 至 %(max)s 之间。"
    code = "date_out_of_range"

    def __call__(self, value):
        if value is None:
            return
        if isinstance(value, dt.datetime):
            value = value.date()
        if not DATE_MIN <= value <= DATE_MAX:
            raise ValidationError(
                self.message,
                code=self.code,
                params={"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()},
            )

    def __eq__(self, other):
        return isinstance(other, DateRangeValidator)


@deconstructible
class NoControlCharacters:
    """`multiline=True` lets tab and line breaks through (descriptions, comments, notes)."""

    code = "control_characters"

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, value):
        if not isinstance(value, str):
            return
        pattern = _CONTROL_MULTILINE if self.multiline else _CONTROL
        if pattern.search(value):
            message = (
                "不能包含控制字符（换行和制表符除外）。"
                if self.multiline
                else "不能包含换行、制表符等控制字符。"
            )
            raise ValidationError(message, code=self.code)

    def __eq__(self, other):
        return isinstance(other, NoControlCharacters) and other.multiline == self.multiline


validate_date = DateRangeValidator()
validate_line = NoControlCharacters()  # names, codes, titles, document numbers
validate_text = NoControlCharacters(multiline=True)  # descriptions, comments, notes


def day_validators(name: str) -> list:
    low, high = DAY_BOUNDS[name]
    return [MinValueValidator(low), MaxValueValidator(high)]


def validate_remind_days(value):
    """The "n days before" list: whole numbers within bounds, at most ten of them."""
    low, high = DAY_BOUNDS["remind_days_before"]
    if not isinstance(value, list):
        raise ValidationError("须为天数列表。", code="invalid")
    if len(value) > REMIND_DAYS_MAX_ITEMS:
        raise ValidationError(
            "最多设置 %(n)s 个提醒天数。", code="too_many", params={"n": REMIND_DAYS_MAX_ITEMS}
        )
    for days in value:
        if not isinstance(days, int) or isinstance(days, bool) or not low <= days <= high:
            raise ValidationError(
                "每个提醒天数须为 %(low)s 至 %(high)s 之间的整数。",
                code="out_of_range",
                params={"low": low, "high": high},
            )


def add_days(day: dt.date, days: int) -> dt.date:
    """day + days, clamped to the calendar's ends instead of raising OverflowError: a stored
    rule far outside the bounds (yellow_days = 33 331 736) must not take a page down."""
    try:
        return day + dt.timedelta(days)  # positional: a keyword cost ~0.4 µs more per call
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min
