"""The scan's arrays travel as PostgreSQL array literals (issues.lookups.pg_array): every value comes
back as it went in, whatever characters a text holds."""

import datetime as dt

import pytest
from django.db import connection

from issues.lookups import pg_array

pytestmark = pytest.mark.postgres


@pytest.mark.django_db
def test_it_round_trips_texts_numbers_dates_and_nulls():
    texts = ["problem:1", "a,b", "{x}", 'say "hi"', "back\\slash", "", "NULL", " 空 格 "]
    numbers = [1, 0, -7, 2**40, None]
    dates = [dt.date(2026, 12, 2), None, dt.date(1, 1, 1)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT %s::text[], %s::bigint[], %s::date[]",
            [pg_array(texts), pg_array(numbers), pg_array(dates)],
        )
        assert cursor.fetchone() == (texts, numbers, dates)
        # Columns of plain ints or plain dates take the joined fast path.
        ints, days = [1, 0, -7, 2**40], [dt.date(2026, 12, 2), dt.date(1, 1, 1), dt.date.max]
        cursor.execute("SELECT %s::bigint[], %s::date[]", [pg_array(ints), pg_array(days)])
        assert cursor.fetchone() == (ints, days)
        assert (pg_array(ints), pg_array([])) == ("{1,0,-7,1099511627776}", "{}")
        # Texts with nothing to escape are quoted whole, commas, braces and spaces included.
        plain = ["problem:1", "a,b", "{x}", " 空 格 ", "NULL", ""]
        cursor.execute("SELECT %s::text[]", [pg_array(plain)])
        assert cursor.fetchone() == (plain,)
