"""The database itself lets the ledger grow only at its tip (issue 10 item 5): raw SQL that
replaces, upserts, updates or deletes an entry, or moves the head anywhere but to the last
entry, is refused on SQLite and PostgreSQL alike. The ORM's own refusals and plain UPDATE /
DELETE are in test_ledger.py; here are the doors a database user could try around them.

Tests whose SQL exists on one database only say so (skip on the other, or `postgres`).
"""

import json

import pytest
from django.db import DatabaseError, connection, transaction

from ledger.models import LedgerCheckpoint, LedgerEntry, LedgerHead
from ledger.services import LEDGER_COLUMNS, ledger_append, ledger_append_many, ledger_verify

COLUMNS = ", ".join(LEDGER_COLUMNS)


def _pg():
    return connection.vendor == "postgresql"


sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's own statement (PostgreSQL has no REPLACE)"
)


@pytest.fixture
def history(make_problem):
    make_problem("in_progress")
    make_problem("assigned")
    return [(e.seq, e.comment, e.hash) for e in LedgerEntry.objects.order_by("seq")]


def snapshot():
    entries = [(e.seq, e.comment, e.hash) for e in LedgerEntry.objects.order_by("seq")]
    head = LedgerHead.objects.values_list("seq", "hash").get()
    return entries, head


def refused(sql, params=()):
    """Run `sql`; it must be refused by a ledger trigger, and change nothing."""
    before = snapshot()
    with pytest.raises(DatabaseError, match=r"append-only|one head"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    assert snapshot() == before
    assert ledger_verify().ok


def entry_values(of, **override):
    """Entry `of`'s column values as SQL parameters, with some replaced."""
    values = LedgerEntry.objects.values_list(*LEDGER_COLUMNS).get(seq=of)
    row = dict(zip(LEDGER_COLUMNS, values, strict=True))
    row.update(override)
    row["changes"] = json.dumps(row["changes"])
    return [row[c] for c in LEDGER_COLUMNS]


def placeholders():
    return ", ".join(
        "CAST(%s AS jsonb)" if c == "changes" and _pg() else "%s" for c in LEDGER_COLUMNS
    )


# --- entries: replace, upsert, insert anywhere but the tip -------------------------------------


@sqlite_only
@pytest.mark.parametrize("verb", ["INSERT OR REPLACE", "REPLACE"])
def test_it_refuses_insert_or_replace_of_an_entry_on_sqlite(history, verb):
    # REPLACE deletes the old row without firing the DELETE trigger (recursive_triggers is off);
    # the BEFORE INSERT trigger refuses first.
    refused(
        f"{verb} INTO ledger_ledgerentry ({COLUMNS}) VALUES ({placeholders()})",
        entry_values(2, comment="改写的意见"),
    )


@sqlite_only
def test_it_refuses_a_replace_at_the_tip_that_would_delete_another_entry_on_sqlite(history):
    # A well-formed next entry whose hash collides with entry 2: REPLACE on the hash's unique
    # index would silently delete entry 2.
    last, _comment, last_hash = history[-1]
    refused(
        f"INSERT OR REPLACE INTO ledger_ledgerentry ({COLUMNS}) VALUES ({placeholders()})",
        entry_values(2, seq=last + 1, prev_hash=last_hash),
    )
    assert LedgerEntry.objects.filter(seq=2).exists()


def test_it_refuses_an_upsert_of_an_entry(history):
    refused(
        f"INSERT INTO ledger_ledgerentry ({COLUMNS}) VALUES ({placeholders()}) "
        "ON CONFLICT (seq) DO UPDATE SET comment = excluded.comment",
        entry_values(2, comment="改写的意见"),
    )


def test_it_refuses_an_insert_that_skips_ahead_of_the_tip(history):
    last, _comment, last_hash = history[-1]
    refused(
        f"INSERT INTO ledger_ledgerentry ({COLUMNS}) VALUES ({placeholders()})",
        entry_values(last, seq=last + 2, prev_hash=last_hash, hash="a" * 64),
    )


def test_it_refuses_an_insert_that_links_to_anything_but_the_last_entry(history):
    last = history[-1][0]
    refused(
        f"INSERT INTO ledger_ledgerentry ({COLUMNS}) VALUES ({placeholders()})",
        entry_values(last, seq=last + 1, prev_hash=history[1][2], hash="a" * 64),
    )


@pytest.mark.postgres
def test_it_refuses_an_upsert_that_does_nothing_on_conflict_on_postgresql(history):
    refused(
        f"INSERT INTO ledger_ledgerentry ({COLUMNS}) VALUES ({placeholders()}) "
        "ON CONFLICT (seq) DO NOTHING",
        entry_values(2),
    )


def test_the_application_still_appends_one_and_many(history):
    last = history[-1][0]
    with transaction.atomic():
        ledger_append(problem=None, actor=None, action="system_note", comment="一条")
        ledger_append_many([{"action": "system_note", "comment": str(i)} for i in range(3)])

    assert LedgerHead.objects.get().seq == last + 4
    assert ledger_verify().ok


# --- the head: only ever the last entry -----------------------------------------------------


def test_it_refuses_to_rewind_the_head(history):
    seq, _comment, digest = history[-2]
    refused("UPDATE ledger_ledgerhead SET seq = %s, hash = %s", [seq, digest])
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerHead.objects.filter(id=1).update(seq=seq, hash=digest)  # the ORM path alike


def test_it_refuses_to_move_the_head_without_an_append(history):
    refused("UPDATE ledger_ledgerhead SET seq = seq + 1")
    refused("UPDATE ledger_ledgerhead SET hash = %s", ["b" * 64])


def test_it_refuses_to_delete_the_head(history):
    refused("DELETE FROM ledger_ledgerhead")


def test_it_refuses_a_second_or_a_replaced_head(history):
    refused("INSERT INTO ledger_ledgerhead (id, seq, hash) VALUES (2, 0, '')")
    refused(
        "INSERT INTO ledger_ledgerhead (id, seq, hash) VALUES (1, 0, '') "
        "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash"
    )
    if not _pg():
        refused("INSERT OR REPLACE INTO ledger_ledgerhead (id, seq, hash) VALUES (1, 0, '')")


def test_it_lets_the_first_append_create_the_head(db):
    with transaction.atomic():
        ledger_append(problem=None, actor=None, action="system_note")
    assert LedgerHead.objects.values_list("seq", flat=True).get() == 1
    assert ledger_verify().ok


# --- checkpoints: their signed columns and their rows stay ------------------------------------


def test_it_refuses_to_change_or_delete_a_checkpoint_but_records_the_witness(history):
    from ledger.checkpoints import ledger_checkpoint_take

    checkpoint = ledger_checkpoint_take()
    for sql in (
        "UPDATE ledger_ledgercheckpoint SET head_hash = 'c'",
        "UPDATE ledger_ledgercheckpoint SET seq = seq - 1",
        "UPDATE ledger_ledgercheckpoint SET signature = 'd'",
        "DELETE FROM ledger_ledgercheckpoint",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql)

    LedgerCheckpoint.objects.filter(pk=checkpoint.pk).update(witness_status="sent")
    kept = LedgerCheckpoint.objects.get()
    assert (kept.seq, kept.head_hash, kept.signature, kept.witness_status) == (
        checkpoint.seq,
        checkpoint.head_hash,
        checkpoint.signature,
        "sent",
    )


@pytest.mark.postgres
@pytest.mark.django_db
def test_it_writes_no_index_that_no_query_reads():
    # Each append writes every index; migration 0006 dropped the two nothing reads.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'ledger_ledgerentry' ORDER BY 1"
        )
        columns = sorted(row[0].split(" USING btree ")[1] for row in cursor.fetchall())

    assert columns == ["(actor_id)", "(hash)", "(problem_id, seq)", "(seq)"]
