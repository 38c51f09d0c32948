"""A short-lived cache of the bucket counts over every problem (the county office's dashboard
and problem list).

Why: the counts are aggregates over the whole table. At 100 000 problems the six grouped
counts of the dashboard took 0.5 s of SQL on this machine; one GROUPING SETS query over a
covering index still took 0.2–0.35 s — the per-row work of the aggregates, not the reads
(bench/README.md, "web pages"). A scope that holds every unit has nothing user-specific in
its counts, so they are shared by the office's people for a minute at most.

Fresh: the key holds the ledger head (every workflow action, edit and registration appends to
it in the same transaction, and appends are serialised, so it moves in commit order) and the
newest problem's id (imports and creations). A change therefore shows on the next request;
the time limit only bounds what a write outside the ledger could leave behind. Below
STATS_CACHE_FROM_PROBLEMS problems (tests included) nothing is cached.
"""

import functools
import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from issues.models import Problem
from issues.selectors.scope import access_for
from ledger.models import LedgerHead


def problems_version() -> tuple[int, int, int]:
    """(ledger head sequence, newest problem id, about how many problems) in one query.
    PostgreSQL's planner estimate is free; SQLite counts."""
    # Table names from the models, no input: nothing to inject.
    problems, head = Problem._meta.db_table, LedgerHead._meta.db_table
    if connection.vendor == "postgresql":
        size = f"SELECT reltuples::bigint FROM pg_class WHERE oid = '{problems}'::regclass"  # noqa: S608
    else:
        size = f"SELECT COUNT(*) FROM {problems}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT MAX(seq) FROM {head}), (SELECT MAX(id) FROM {problems}), ({size})"  # noqa: S608
        )
        seq, newest, size = cursor.fetchone()
    return seq or 0, newest or 0, max(size or 0, 0)  # reltuples is -1 before any ANALYZE


def cached_counts(name: str, key: Any, compute: Callable[[], Any]) -> Any:
    """compute(), shared for STATS_CACHE_SECONDS under `name` and `key` (a repr-able value
    that says everything the counts depend on besides the problems: filters, the day)."""
    return cached_counts_later(name, key, lambda: _now(compute()))()


def cached_counts_later(
    name: str, key: Any, start: Callable[[], Callable[[], Any]]
) -> Callable[[], Any]:
    """cached_counts for counts computed beside other work: start() begins computing them
    and returns what waits for them; so does this (the shared value, if there is one)."""
    seconds = settings.STATS_CACHE_SECONDS
    if seconds <= 0:
        return start()
    seq, newest, size = problems_version()
    if size < settings.STATS_CACHE_FROM_PROBLEMS:
        return start()
    digest = hashlib.sha256(repr((key, seq, newest)).encode()).hexdigest()
    cache_key = f"stats:{name}:{digest}"
    value = cache.get(cache_key)
    if value is not None:
        return _now(value)
    wait = start()

    @functools.cache  # stored once, however often it is asked
    def shared():
        value = wait()
        cache.set(cache_key, value, seconds)
        return value

    return shared


def _now(value: Any) -> Callable[[], Any]:
    return lambda: value


def list_filters(query) -> list:
    """A list request's filters as a cache key part: every value of every parameter but the
    page, its size and the order (a QueryDict)."""
    skip = ("page", "page_size", "ordering")
    return sorted((name, values) for name, values in query.lists() if name not in skip)


def shared_list_count_later(user, name: str, query, start) -> Callable[[], Any] | None:
    """cached_counts_later for a problem list: its counts shared by everyone whose scope holds
    every unit (their list depends on its filters, `query`, and the day only); None for a
    scoped user, whose counts are their own and are not cached."""
    if not access_for(user).covers_every_unit:
        return None
    return cached_counts_later(name, (list_filters(query), timezone.localdate()), start)
