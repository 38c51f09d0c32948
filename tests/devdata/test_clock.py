"""devdata.demo.clock: stories play in time order, each step committed at its own moment."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from devdata.demo.clock import History, moment
from tests.conftest import SHANGHAI, TODAY

NOW = dt.datetime(TODAY.year, TODAY.month, TODAY.day, 10, 0, tzinfo=SHANGHAI)


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def story(name, days, seen):
    for n in days:
        yield moment(days_ago(n))
        # What runs after commit (the notifications) must see the step's own moment.
        transaction.on_commit(lambda: seen.append((name, timezone.localdate())))


@pytest.mark.django_db(transaction=True)
@time_machine.travel(NOW, tick=False)
def test_it_interleaves_stories_by_time_and_commits_each_step_then():
    seen = []
    history = History(timezone.now())
    history.add(story("a", [28, 11], seen))
    history.add(story("b", [20, 4], seen))

    history.run()

    assert seen == [
        ("a", days_ago(28)),
        ("b", days_ago(20)),
        ("a", days_ago(11)),
        ("b", days_ago(4)),
    ]
    assert timezone.now() == NOW  # the clock is back


@pytest.mark.django_db(transaction=True)
@time_machine.travel(NOW, tick=False)
def test_a_step_is_never_later_than_now_nor_earlier_than_its_story_before():
    stamps = []

    def wayward():
        yield moment(days_ago(3))
        stamps.append(timezone.now())
        yield moment(days_ago(9))  # back in time: held at the previous step
        stamps.append(timezone.now())
        yield moment(TODAY + dt.timedelta(days=5))  # the future: held just before now
        stamps.append(timezone.now())

    history = History(timezone.now())
    history.add(wayward())
    history.run()

    assert stamps[0] == stamps[1] == moment(days_ago(3))
    assert stamps[2] == NOW - dt.timedelta(minutes=1)


def test_offices_act_on_weekdays_in_office_hours():
    saturday = dt.date(2026, 2, 28)
    assert saturday.weekday() == 5
    assert timezone.localtime(moment(saturday)).date() == dt.date(2026, 3, 2)
    times = {timezone.localtime(moment(TODAY, slot)).time() for slot in range(200)}
    assert min(times) == dt.time(8, 40) and max(times) < dt.time(17, 30)
