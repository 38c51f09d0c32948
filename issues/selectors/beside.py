"""A list's counts on a second PostgreSQL connection while the request's own reads the page.

Why: a county office's first search of a common word counts thousands of matches, and the
count reads one heap page per match (PostgreSQL 15.18 here reads every page a bitmap names,
even for count(*) over an all-visible table; a GIN index cannot answer a count alone): ~20-25
ms at 1 000 000 problems, ~40-60 ms for a word in 4 % of them. The page's ids and rows do not
need the count, so the two run side by side on two backends instead of one after the other
(bench/README.md, "sixteenth session").

`beside(using, compute)` starts compute() on a counter: a thread with a connection of its own
(Django's connections are per thread), kept between requests like a request thread's
(CONN_MAX_AGE, health-checked before each use). At most settings.LIST_COUNT_CONNECTIONS per
process; when every one is busy the request computes on its own connection, as before. Only
outside any transaction: a second connection sees the same committed rows only then (inside a
test's transaction, ATOMIC_REQUESTS or an atomic block the request computes on its own).
"""

import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

from django.conf import settings
from django.db import close_old_connections, connections

T = TypeVar("T")


class _Counter(threading.Thread):
    """One thread, one connection: runs the computations put in `jobs`, one at a time."""

    def __init__(self, idle: queue.SimpleQueue):
        super().__init__(name="list-count", daemon=True)
        self.jobs: queue.SimpleQueue = queue.SimpleQueue()
        self.idle = idle  # its pool's, even once the pool has closed and started afresh

    def run(self):
        while (job := self.jobs.get()) is not None:
            future, compute = job
            if future.set_running_or_notify_cancel():
                # This thread's connection, past CONN_MAX_AGE or broken since: closed here and
                # opened again by the count (what request_started does for a request thread).
                close_old_connections()
                try:
                    future.set_result(compute())
                except BaseException as exc:  # the request that waits for it raises it
                    future.set_exception(exc)
            self.idle.put(self)
        connections.close_all()


class _Pool:
    def __init__(self):
        self.lock = threading.Lock()
        self._start()

    def _start(self):
        self.pid = os.getpid()
        self.idle: queue.SimpleQueue[_Counter] = queue.SimpleQueue()
        self.counters: list[_Counter] = []

    def take(self) -> _Counter | None:
        """An idle counter, a new one while there are fewer than the setting, else None."""
        if settings.LIST_COUNT_CONNECTIONS <= 0:
            return None
        if self.pid != os.getpid():  # a forked child: its parent's threads are not here
            with self.lock:
                self._start()
        try:
            return self.idle.get_nowait()
        except queue.Empty:
            pass
        with self.lock:
            if len(self.counters) >= settings.LIST_COUNT_CONNECTIONS:
                return None
            counter = _Counter(self.idle)
            self.counters.append(counter)
        counter.start()
        return counter

    def close(self):
        """Stops every counter and closes its connection (a test database about to be dropped)."""
        with self.lock:
            counters = self.counters
            self._start()
        for counter in counters:
            counter.jobs.put(None)
        for counter in counters:
            counter.join()


_pool = _Pool()


def beside(using: str, compute: Callable[[], T]) -> Callable[[], T]:
    """compute(), started now on a counter's connection to database `using` where it may be;
    the returned callable waits for it (or computes then, on the request's own connection).
    compute must make its own querysets or copies (`queryset.all()`): the request goes on
    with its own."""
    connection = connections[using]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return compute
    counter = _pool.take()
    if counter is None:  # every counter is busy
        return compute
    future: Future[T] = Future()
    counter.jobs.put((future, compute))
    return future.result


def close_counters():
    _pool.close()
