"""The demo's half year of history, played in time order under a frozen clock.

The services take no "now": the ledger stamps `timezone.now()` into each hashed entry, rows
take `auto_now_add`, a close-out compares the local date with the deadline. So the demo moves
the clock (time-machine) instead of the data: every story (one problem's walk, one unit's
monthly reports, a batch being received) is a generator that yields the moment of its next
step, and `History` always resumes the story whose moment is earliest. The ledger is then
appended in time order, and every timestamp and derived date is what the services made.
Each step commits on its own, as an action does in the running system, so what runs after a
commit (the notifications) runs at that step's moment too.
"""

import datetime as dt
import heapq
from collections.abc import Iterator

import time_machine
from django.db import transaction
from django.utils import timezone

Story = Iterator[dt.datetime]


class History:
    def __init__(self, now: dt.datetime):
        # Nothing may happen after the moment the seeding started: it is "today, now".
        self.latest = now - dt.timedelta(minutes=1)
        self.queue: list[tuple[dt.datetime, int, Story]] = []
        self.count = 0

    def add(self, story: Story) -> None:
        """A story starts by yielding the moment of its first step."""
        self._push(next(story, None), story, floor=None)

    def run(self) -> None:
        if not self.queue:
            return
        with time_machine.travel(self.queue[0][0], tick=False) as clock:
            while self.queue:
                when, _, story = heapq.heappop(self.queue)
                clock.move_to(when)
                with transaction.atomic():  # one step, committed at its moment
                    upcoming = next(story, None)
                self._push(upcoming, story, floor=when)

    def _push(self, when: dt.datetime | None, story: Story, floor: dt.datetime | None) -> None:
        if when is None:
            return
        # A story never goes back before its own last step, nor past the seeding's start.
        when = min(when, self.latest)
        if floor is not None:
            when = max(when, floor)
        self.count += 1
        heapq.heappush(self.queue, (when, self.count, story))


def working_day(day: dt.date) -> dt.date:
    """Offices act on weekdays: a Saturday or Sunday moves to the Monday after."""
    return day + dt.timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)


def moment(day: dt.date, slot: int = 0) -> dt.datetime:
    """A working moment of `day`: 08:40 plus `slot` quarter-hours (wrapping before 17:30)."""
    minutes = 8 * 60 + 40 + (slot * 15) % (8 * 60 + 45)
    naive = dt.datetime.combine(working_day(day), dt.time(minutes // 60, minutes % 60))
    return timezone.make_aware(naive)
