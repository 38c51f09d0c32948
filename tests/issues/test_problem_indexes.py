"""Problems carry no index that no query reads (migration 0016): the scan's date updates and
every edit write each index of the table."""

import pytest
from django.db import connection


@pytest.mark.postgres
@pytest.mark.django_db
def test_it_keeps_no_index_that_a_composite_one_or_the_trigram_one_makes_redundant():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'issues_problem'")
        columns = {row[0].split(" USING ")[1] for row in cursor.fetchall()}

    assert "btree (batch_id, status)" in columns
    # With id and created_at, so a unit's list reads its own problems from the index alone.
    assert "btree (lead_unit_id, status) INCLUDE (id, created_at)" in columns
    assert "gin (upper((code)::text) gin_trgm_ops)" in columns
    assert not {"btree (batch_id)", "btree (lead_unit_id)"} & columns
    assert not [c for c in columns if "varchar_pattern_ops" in c]
