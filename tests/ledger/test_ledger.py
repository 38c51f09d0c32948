"""The ledger of record (SPEC §6): append-only in the ORM and in the database, a hash chain
that `verify_ledger` recomputes, and appends that never fork the chain.

The same tests run on SQLite (embedded) and on PostgreSQL (full stack); only the way a test
goes behind the triggers' back differs per database.
"""

import datetime as dt
import threading
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line
from django.db import DatabaseError, connection, models, transaction

from ledger.models import AppendOnlyError, LedgerEntry, LedgerHead
from ledger.services import (
    GENESIS_HASH,
    VerifyResult,
    entry_hash,
    ledger_append,
    ledger_verify,
)
from tests.ledger.dba import behind_the_triggers_back


def tamper(column, value, seq):
    placeholder = "CAST(%s AS jsonb)" if column == "changes" and _pg() else "%s"
    with behind_the_triggers_back() as cursor:
        cursor.execute(
            f"UPDATE ledger_ledgerentry SET {column} = {placeholder} WHERE seq = %s", [value, seq]
        )


def remove(seq):
    with behind_the_triggers_back() as cursor:
        cursor.execute("DELETE FROM ledger_ledgerentry WHERE seq = %s", [seq])


def _pg():
    return connection.vendor == "postgresql"


@pytest.fixture
def history(cast, make_problem):
    """A realistic chain: two problems through the workflow, one of them closed."""
    make_problem("closed")
    make_problem("in_progress")
    with transaction.atomic():
        ledger_append(problem=None, actor=None, action="system_note", comment="系统记录")
    return list(LedgerEntry.objects.order_by("seq"))


# --- a clean chain ----------------------------------------------------------------------------


def test_it_verifies_a_clean_chain_with_the_right_count(history, capsys):
    result = ledger_verify()

    assert (result.ok, result.entries, result.first_bad_seq) == (True, len(history), None)
    call_command("verify_ledger")
    assert f"ledger OK: {len(history)} entries" in capsys.readouterr().out


def test_it_links_every_entry_to_the_previous_one(history):
    assert [e.seq for e in history] == list(range(1, len(history) + 1))
    assert history[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in pairwise(history))
    head = LedgerHead.objects.get()
    assert (head.seq, head.hash) == (history[-1].seq, history[-1].hash)


def test_it_verifies_an_empty_ledger(db):
    assert ledger_verify().ok
    call_command("verify_ledger")


# --- the ORM refuses --------------------------------------------------------------------------


def test_it_refuses_to_save_an_existing_entry(history):
    entry = LedgerEntry.objects.get(seq=3)
    original = entry.comment
    entry.comment = "改过了"

    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.save(update_fields=["comment"])

    assert LedgerEntry.objects.get(seq=3).comment == original
    assert ledger_verify().ok


def test_it_refuses_to_delete_an_entry(history):
    with pytest.raises(AppendOnlyError):
        history[0].delete()
    assert LedgerEntry.objects.count() == len(history)


@pytest.mark.parametrize(
    "attempt",
    [
        lambda: LedgerEntry.objects.filter(seq=1).update(comment="x"),
        lambda: LedgerEntry.objects.all().update(comment="x"),
        lambda: LedgerEntry.objects.filter(seq=1).delete(),
        lambda: LedgerEntry.objects.all().delete(),
        lambda: LedgerEntry.objects.bulk_update(
            [LedgerEntry(seq=1, comment="x")], fields=["comment"]
        ),
        lambda: LedgerEntry.objects.update_or_create(seq=1, defaults={"comment": "x"}),
    ],
    ids=["update-one", "update-all", "delete-one", "delete-all", "bulk_update", "update_or_create"],
)
def test_it_refuses_queryset_updates_and_deletes(history, attempt):
    with pytest.raises(AppendOnlyError), transaction.atomic():
        attempt()

    assert [(e.seq, e.comment, e.hash) for e in LedgerEntry.objects.order_by("seq")] == [
        (e.seq, e.comment, e.hash) for e in history
    ]
    assert ledger_verify().ok


# --- the database refuses ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_ledgerentry SET comment = 'x' WHERE seq = 2",
        "UPDATE ledger_ledgerentry SET action = 'close'",
        "DELETE FROM ledger_ledgerentry WHERE seq = 2",
        "DELETE FROM ledger_ledgerentry",
    ],
)
def test_it_refuses_raw_sql_updates_and_deletes_in_the_database(history, sql):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql)

    assert LedgerEntry.objects.count() == len(history)
    assert ledger_verify().ok


def test_it_refuses_an_orm_path_that_skips_the_model_guard(history):
    # A plain QuerySet, as a careless migration or admin tool might build one: only the
    # trigger stands in the way.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        models.QuerySet(LedgerEntry).filter(seq=1).update(comment="x")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        models.QuerySet(LedgerEntry).filter(seq=1)._raw_delete(connection.alias)

    assert ledger_verify().ok


def test_it_restores_the_triggers_after_tampering_in_a_test(history):
    # The tampering helper must not leave the database unguarded.
    tamper("comment", "x", 1)

    for sql in (
        "UPDATE ledger_ledgerentry SET comment = 'y' WHERE seq = 1",
        "DELETE FROM ledger_ledgerentry WHERE seq = 1",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql)


# --- verify_ledger finds tampering ------------------------------------------------------------


def _other_user_id(cast, seq):
    actor_id = LedgerEntry.objects.get(seq=seq).actor_id
    return cast.outsider.pk if actor_id != cast.outsider.pk else cast.rev.pk


TAMPERINGS = {
    "comment": lambda cast, seq: "改写的意见",
    "changes": lambda cast, seq: '{"due_date": ["2026-06-30", "2027-06-30"]}',
    "actor_id": _other_user_id,
    "created_at": lambda cast, seq: connection.ops.adapt_datetimefield_value(
        dt.datetime(2026, 1, 1, 9, 0, tzinfo=ZoneInfo("UTC"))
    ),
    "action": lambda cast, seq: "approve_closeout",
    "from_state": lambda cast, seq: "draft",
    "to_state": lambda cast, seq: "closed",
    "problem_id": lambda cast, seq: (
        LedgerEntry.objects.exclude(problem_id=LedgerEntry.objects.get(seq=seq).problem_id)
        .exclude(problem_id=None)
        .values_list("problem_id", flat=True)
        .first()
    ),
    "prev_hash": lambda cast, seq: "f" * 64,
    "hash": lambda cast, seq: "e" * 64,
}


@pytest.mark.parametrize("column", TAMPERINGS)
def test_it_names_the_first_entry_whose_field_was_altered(cast, history, column):
    seq = len(history) // 2
    tamper(column, TAMPERINGS[column](cast, seq), seq)

    result = ledger_verify()

    assert (result.ok, result.first_bad_seq) == (False, seq)
    with pytest.raises(CommandError, match=f"seq {seq}\\b"):
        call_command("verify_ledger")


def test_it_exits_non_zero_from_the_command_line(history, capsys):
    tamper("comment", "改写", 2)

    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["manage.py", "verify_ledger"])

    assert exit_info.value.code != 0
    assert "seq 2" in capsys.readouterr().err


def test_it_finds_a_rewritten_entry_even_when_its_hash_is_recomputed(history):
    # Whoever rewrites an entry and its hash still breaks the link from the next entry.
    seq = 3
    entry = LedgerEntry.objects.get(seq=seq)
    forged = entry_hash(
        seq=seq,
        problem_id=entry.problem_id,
        actor_id=entry.actor_id,
        action=entry.action,
        from_state=entry.from_state,
        to_state=entry.to_state,
        changes=entry.changes,
        comment="后来改写的意见",
        created_at=entry.created_at,
        prev_hash=entry.prev_hash,
    )
    with behind_the_triggers_back() as cursor:
        cursor.execute(
            "UPDATE ledger_ledgerentry SET comment = %s, hash = %s WHERE seq = %s",
            ["后来改写的意见", forged, seq],
        )

    result = ledger_verify()

    assert (result.ok, result.first_bad_seq) == (False, seq + 1)


def test_it_finds_an_entry_removed_from_the_middle(history):
    remove(4)

    result = ledger_verify()

    assert (result.ok, result.first_bad_seq) == (False, 5)
    with pytest.raises(CommandError, match=r"seq 5\b"):
        call_command("verify_ledger")


def test_it_finds_entries_cut_from_the_end_through_the_head(history):
    last = history[-1].seq
    remove(last)
    remove(last - 1)

    result = ledger_verify()

    # Every remaining link holds; only the head knows the chain was longer.
    assert (result.ok, result.entries, result.first_bad_seq) == (False, last - 2, last - 1)
    with pytest.raises(CommandError, match=f"seq {last - 1}\\b"):
        call_command("verify_ledger")


def test_it_finds_a_head_that_does_not_match_the_last_entry(history):
    with behind_the_triggers_back():
        LedgerHead.objects.filter(id=1).update(hash="0" * 64)

    result = ledger_verify()

    assert result.ok is False


# --- concurrent appends ---------------------------------------------------------------------


def race_appends(n):
    """n threads append at once; return the errors they met."""
    barrier = threading.Barrier(n)
    errors = []

    def append(i):
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                ledger_append(problem=None, actor=None, action="concurrent", comment=str(i))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=append, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_never_forks_the_chain_under_concurrent_appends():
    # The table starts empty: the first appends also race to create the head row.
    n = 16

    assert race_appends(n) == []

    entries = list(LedgerEntry.objects.order_by("seq"))
    assert [e.seq for e in entries] == list(range(1, n + 1))
    assert sorted(int(e.comment) for e in entries) == list(range(n))
    assert len({e.prev_hash for e in entries}) == n  # no two entries share a parent
    assert ledger_verify() == VerifyResult(ok=True, entries=n, first_bad_seq=None)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_lets_every_first_append_through_when_they_race_on_an_empty_ledger():
    # The head row's trigger once read "a head exists" before the tip: a rival committing
    # between the two made the loser's head insert look like tampering instead of a duplicate
    # (about one round in four failed; CI met it). Many short rounds make that window likely.
    failed_rounds = 0
    for _ in range(30):
        with connection.cursor() as cursor:  # TRUNCATE fires no row triggers: a fresh ledger
            cursor.execute("TRUNCATE ledger_ledgerentry, ledger_ledgerhead")
        failed_rounds += bool(race_appends(6))

    assert failed_rounds == 0
    assert ledger_verify() == VerifyResult(ok=True, entries=6, first_bad_seq=None)


def test_it_offers_the_same_check_to_office_roles_over_http(cast, history, api):
    assert api(cast.rev).get("/api/v1/ledger/verify/").json() == {
        "ok": True,
        "entries": len(history),
        "first_bad_seq": None,
        "checkpoint_ok": None,
    }
    tamper("comment", "改写", 4)

    for user in (cast.rev, cast.oa, cast.root):
        response = api(user).get("/api/v1/ledger/verify/")
        assert response.status_code == 200
        assert (response.json()["ok"], response.json()["first_bad_seq"]) == (False, 4)
    for user in (cast.admin_a, cast.head_a, cast.viewer_a):
        response = api(user).get("/api/v1/ledger/verify/")
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
