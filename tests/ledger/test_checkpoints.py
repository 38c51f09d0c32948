"""Signed checkpoints (issue 10 item 5): a rewrite that recomputes every hash after an edit —
which verify_ledger alone accepts — is caught by any checkpoint taken before it: through the
command, the API, and a 台账校验码 read off a printed form, even when the checkpoint rows were
rewritten or deleted too. The key is not in the database."""

import datetime as dt
import json
import multiprocessing
import re

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from ledger import signing
from ledger.checkpoints import (
    LedgerBroken,
    ledger_checkpoint_daily,
    ledger_checkpoint_take,
)
from ledger.models import LedgerCheckpoint, LedgerEntry
from ledger.services import entry_hash, ledger_append, ledger_verify
from tests.conftest import SHANGHAI, TODAY
from tests.ledger.dba import behind_the_triggers_back

CODE = re.compile(r"台账校验码：(\d+-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4})")


@pytest.fixture
def history(make_problem):
    make_problem("closed")
    make_problem("in_progress")
    return LedgerEntry.objects.count()


def append_note(comment="系统记录"):
    with transaction.atomic():
        return ledger_append(problem=None, actor=None, action="system_note", comment=comment)


def rewrite_and_recompute(seq, comment="后来改写的意见"):
    """What a DBA would do: edit entry `seq`, recompute every later hash and link, move the
    head — with the triggers off. Afterwards the chain verifies on its own."""
    rows = list(LedgerEntry.objects.filter(seq__gte=seq).order_by("seq"))
    prev = LedgerEntry.objects.get(seq=seq).prev_hash
    with behind_the_triggers_back() as cursor:
        for entry in rows:
            if entry.seq == seq:
                entry.comment = comment
            digest = entry_hash(
                seq=entry.seq,
                problem_id=entry.problem_id,
                actor_id=entry.actor_id,
                action=entry.action,
                from_state=entry.from_state,
                to_state=entry.to_state,
                changes=entry.changes,
                comment=entry.comment,
                created_at=entry.created_at,
                prev_hash=prev,
            )
            cursor.execute(
                "UPDATE ledger_ledgerentry SET comment = %s, prev_hash = %s, hash = %s "
                "WHERE seq = %s",
                [entry.comment, prev, digest, entry.seq],
            )
            prev = digest
        cursor.execute("UPDATE ledger_ledgerhead SET hash = %s", [prev])
    assert ledger_verify().ok  # the chain alone no longer tells


# --- taking a checkpoint ------------------------------------------------------------------------


def test_it_signs_the_head_with_a_key_an_outsider_can_check(history):
    checkpoint = ledger_checkpoint_take()

    last = LedgerEntry.objects.order_by("-seq").first()
    assert (checkpoint.seq, checkpoint.head_hash) == (last.seq, last.hash)
    public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(signing.public_key_hex()))
    public.verify(bytes.fromhex(checkpoint.signature), signing.message(last.seq, last.hash))
    assert re.fullmatch(rf"{last.seq}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}", checkpoint.code)
    assert checkpoint.code.replace("-", "")[len(str(last.seq)) :] == checkpoint.signature[:12]


def test_it_keeps_the_key_out_of_the_database(history):
    ledger_checkpoint_take()
    seed = "5a" * 32  # tests/conftest.py's key
    with connection.cursor() as cursor:
        for model in (LedgerCheckpoint, LedgerEntry):
            cursor.execute(f"SELECT * FROM {model._meta.db_table}")
            assert seed not in json.dumps(cursor.fetchall(), default=str)


def test_it_makes_the_key_file_once_when_no_key_is_set(settings, tmp_path):
    settings.LEDGER_SIGNING_KEY = ""
    settings.LEDGER_SIGNING_KEY_FILE = tmp_path / "var" / "ledger-signing.key"

    first = signing.public_key_hex()

    assert settings.LEDGER_SIGNING_KEY_FILE.stat().st_mode & 0o777 == 0o600
    assert signing.public_key_hex() == first
    signing._load.cache_clear()
    assert signing.public_key_hex() == first  # read back from the file, not made anew


def _key_in_child(path, barrier, results):
    barrier.wait(timeout=30)
    results.put(signing._read_or_create(path))


def test_it_gives_processes_starting_at_once_one_whole_key(tmp_path):
    # Before, the file was created empty and then written: a process starting at that moment
    # read "" and failed (3 rounds of 40 here). Now it appears only once written.
    fork = multiprocessing.get_context("fork")
    for round_ in range(40):
        path = tmp_path / f"key-{round_}"
        barrier, results = fork.Barrier(6), fork.Queue()
        children = [
            fork.Process(target=_key_in_child, args=(path, barrier, results)) for _ in range(6)
        ]
        for child in children:
            child.start()
        keys = {results.get(timeout=30) for _ in children}
        for child in children:
            child.join(timeout=30)

        assert keys == {path.read_text().strip()}
        assert re.fullmatch(r"[0-9a-f]{64}", keys.pop())
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"key-{i}" for i in range(40))


def test_it_refuses_to_seal_a_chain_that_does_not_verify(history):
    with behind_the_triggers_back() as cursor:
        cursor.execute("UPDATE ledger_ledgerentry SET comment = 'x' WHERE seq = 2")

    with pytest.raises(LedgerBroken, match="第 2 条"):
        ledger_checkpoint_take()
    assert not LedgerCheckpoint.objects.exists()


def test_it_refuses_to_seal_a_recomputed_chain_that_an_earlier_checkpoint_contradicts(history):
    ledger_checkpoint_take()
    append_note()
    rewrite_and_recompute(3)

    with pytest.raises(LedgerBroken, match="台账被改写"):
        ledger_checkpoint_take()
    assert LedgerCheckpoint.objects.count() == 1


# --- verifying against a checkpoint ---------------------------------------------------------


def test_it_confirms_a_checkpoint_the_chain_still_holds(history, capsys):
    code = ledger_checkpoint_take().code
    append_note()  # the chain grew since: the checkpoint still holds

    result = ledger_verify(checkpoint=code)

    assert (result.ok, result.checkpoint_ok) == (True, True)
    call_command("verify_ledger", checkpoint=code)
    assert f"checkpoint {code} holds" in capsys.readouterr().out


def test_it_detects_a_full_recompute_after_an_edit_with_the_command(history):
    code = ledger_checkpoint_take().code
    append_note()
    rewrite_and_recompute(3)

    result = ledger_verify(checkpoint=code)

    assert (result.ok, result.checkpoint_ok) == (True, False)
    with pytest.raises(CommandError, match="does NOT hold"):
        call_command("verify_ledger", checkpoint=code)
    call_command("verify_ledger")  # without the checkpoint the rewrite goes unnoticed


def test_it_detects_the_rewrite_even_when_the_checkpoint_rows_were_rewritten(history):
    code = ledger_checkpoint_take().code  # printed on paper
    rewrite_and_recompute(2)
    forged_head = LedgerEntry.objects.order_by("-seq").first().hash
    with behind_the_triggers_back() as cursor:  # the DBA makes the row agree with the chain
        cursor.execute("UPDATE ledger_ledgercheckpoint SET head_hash = %s", [forged_head])

    assert ledger_verify(checkpoint=code).checkpoint_ok is False
    with pytest.raises(LedgerBroken, match="签名不成立"):  # and nothing new gets sealed
        ledger_checkpoint_take()

    with behind_the_triggers_back() as cursor:  # or deletes every checkpoint
        cursor.execute("DELETE FROM ledger_ledgercheckpoint")
    assert ledger_verify(checkpoint=code).checkpoint_ok is False


def test_it_detects_entries_cut_from_below_a_checkpoint(history):
    code = ledger_checkpoint_take().code
    kept = LedgerEntry.objects.get(seq=2)
    with behind_the_triggers_back() as cursor:  # cut the tail and move the head back with it
        cursor.execute("DELETE FROM ledger_ledgerentry WHERE seq > 2")
        cursor.execute("UPDATE ledger_ledgerhead SET seq = 2, hash = %s", [kept.hash])

    result = ledger_verify(checkpoint=code)

    assert (result.ok, result.entries, result.checkpoint_ok) == (True, 2, False)
    with pytest.raises(LedgerBroken, match="记录被删除"):  # and the shorter chain gets no seal
        ledger_checkpoint_take()


def test_it_reads_a_code_typed_loosely_from_paper(history):
    code = ledger_checkpoint_take().code
    seq, rest = code.split("-", 1)
    for typed in (code.upper(), f" {seq}－{rest.replace('-', '')} ", f"{seq} - {rest}"):
        assert ledger_verify(checkpoint=typed).checkpoint_ok is True, typed


def test_it_answers_false_for_a_well_formed_code_that_was_never_issued(history):
    code = ledger_checkpoint_take().code
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    beyond = "9999" + code[code.index("-") :]

    assert ledger_verify(checkpoint=wrong).checkpoint_ok is False
    assert ledger_verify(checkpoint=beyond).checkpoint_ok is False


@pytest.mark.parametrize("garbled", ["", "abc", "12-xyz0-0000-0000", "12-9f86d081", "-12"])
def test_it_rejects_a_garbled_code(history, garbled):
    with pytest.raises(signing.InvalidCode):
        ledger_verify(checkpoint=garbled)
    with pytest.raises(CommandError, match="格式不正确"):
        call_command("verify_ledger", checkpoint=garbled)


def test_a_new_key_does_not_confirm_old_codes(history, settings):
    code = ledger_checkpoint_take().code
    settings.LEDGER_SIGNING_KEY = "7b" * 32

    assert ledger_verify(checkpoint=code).checkpoint_ok is False


# --- daily ----------------------------------------------------------------------------------


def test_it_takes_one_checkpoint_a_day(history, _today):
    first = ledger_checkpoint_daily()
    append_note()

    assert first is not None
    assert ledger_checkpoint_daily() is None  # today's exists: nothing
    _today.move_to(dt.datetime(TODAY.year, TODAY.month, TODAY.day, 23, 59, tzinfo=SHANGHAI))
    assert ledger_checkpoint_daily() is None
    _today.move_to(dt.datetime(TODAY.year, TODAY.month, TODAY.day + 1, 0, 1, tzinfo=SHANGHAI))
    second = ledger_checkpoint_daily()

    assert second is not None and second.seq == first.seq + 1
    assert LedgerCheckpoint.objects.count() == 2


def test_it_takes_no_daily_checkpoint_of_an_empty_ledger(db):
    assert ledger_checkpoint_daily() is None
    assert not LedgerCheckpoint.objects.exists()


def test_the_beat_runs_the_daily_task_with_an_expiry(history, settings):
    from ledger.tasks import take_daily_checkpoint

    entry = settings.CELERY_BEAT_SCHEDULE["ledger-checkpoint"]
    assert entry["task"] == take_daily_checkpoint.name
    assert 0 < entry["options"]["expires"] <= entry["schedule"].total_seconds()

    # apply() runs the task here whatever the broker: the full-stack run has no worker.
    assert take_daily_checkpoint.apply().get() == LedgerCheckpoint.objects.get().code
    assert take_daily_checkpoint.apply().get() is None
    assert LedgerCheckpoint.objects.count() == 1


def test_the_embedded_loop_takes_the_daily_checkpoint(history, monkeypatch):
    monkeypatch.setattr(
        "notifications.management.commands.run_reminders.close_old_connections", lambda: None
    )
    call_command("run_reminders")
    call_command("run_reminders")

    assert LedgerCheckpoint.objects.count() == 1
