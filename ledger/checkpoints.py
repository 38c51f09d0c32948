"""Signed checkpoints (台账校验点): the chain's head, signed with a key outside the database.

A checkpoint is taken daily (ledger.tasks and the embedded loop), on demand (the API), and
when a form is printed and none exists yet. Its code (台账校验码) goes on every export and
printed form; `ledger_verify(checkpoint=code)` later tells whether the chain still holds that
exact head — a rewrite that recomputes every later hash cannot match it without the key.

A checkpoint only vouches for a chain that verifies: before signing, the chain is walked from
the newest earlier checkpoint that still holds (or from the start) to the head. If that
checkpoint no longer holds, nothing is signed (LedgerBroken): a rewritten chain gets no seal.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import signing, witness
from .models import LedgerCheckpoint, LedgerEntry, LedgerHead
from .services import GENESIS_HASH, ledger_walk

logger = logging.getLogger(__name__)


class LedgerBroken(Exception):
    """The chain does not verify, so no checkpoint may vouch for it."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


def _start_of_today() -> dt.datetime:
    today = timezone.localdate()
    return timezone.make_aware(dt.datetime.combine(today, dt.time.min))


def _trusted_base(head_seq: int) -> tuple[int, str]:
    """Where the walk may start: the newest checkpoint of this key, after checking that it is
    genuine and that the chain still reaches it with the same hash at its seq."""
    base = LedgerCheckpoint.objects.filter(key_id=signing.key_id()).order_by("-seq", "-id").first()
    if base is None or base.seq == 0:
        return 0, GENESIS_HASH
    if not signing.signature_holds(base.seq, base.head_hash, base.signature):
        raise LedgerBroken(f"台账校验点 {base.code} 的签名不成立：校验点记录被改动。")
    if base.seq > head_seq:
        raise LedgerBroken(f"台账只到第 {head_seq} 条，短于校验点 {base.code}：记录被删除。")
    at_seq = LedgerEntry.objects.filter(seq=base.seq).values_list("hash", flat=True).first()
    if at_seq != base.head_hash:
        raise LedgerBroken(f"台账在第 {base.seq} 条与校验点 {base.code} 不符：台账被改写。")
    return base.seq, base.head_hash


def ledger_checkpoint_take(*, unless_taken_today: bool = False) -> LedgerCheckpoint | None:
    """Sign the current head; None when `unless_taken_today` and today already has one.

    Locks the head, so the head cannot move while it is checked and signed, and two daily runs
    at once take one checkpoint. Raises LedgerBroken when the chain does not verify.
    """
    with transaction.atomic():
        head, _ = LedgerHead.objects.select_for_update().get_or_create(id=1)
        if unless_taken_today and (
            head.seq == 0  # an empty ledger: nothing to vouch for yet
            or LedgerCheckpoint.objects.filter(created_at__gte=_start_of_today()).exists()
        ):
            return None
        after_seq, after_hash = _trusted_base(head.seq)
        walk = ledger_walk(after_seq=after_seq, after_hash=after_hash)
        if walk.first_bad_seq is not None:
            raise LedgerBroken(f"台账链在第 {walk.first_bad_seq} 条校验不通过，不能生成校验点。")
        head_hash = head.hash or GENESIS_HASH
        checkpoint = LedgerCheckpoint.objects.create(
            seq=head.seq,
            head_hash=head_hash,
            created_at=timezone.now(),
            key_id=signing.key_id(),
            signature=signing.sign(head.seq, head_hash),
        )
        if settings.LEDGER_WITNESS_URL:
            transaction.on_commit(lambda: witness.checkpoint_witness_push(checkpoint.pk))
    return checkpoint


def ledger_checkpoint_daily() -> LedgerCheckpoint | None:
    """Today's checkpoint, once: does nothing when one was already taken today (local date) or
    the ledger is still empty."""
    return ledger_checkpoint_take(unless_taken_today=True)


def ledger_checkpoint_for_print() -> LedgerCheckpoint | None:
    """The code to print: the newest checkpoint; only when there is none yet is one taken.

    None when the chain does not verify (the form prints without a code rather than fail).
    """
    latest = LedgerCheckpoint.objects.order_by("-created_at", "-id").first()
    if latest is not None:
        return latest
    try:
        return ledger_checkpoint_take()
    except LedgerBroken as exc:
        logger.error("no ledger checkpoint for print: %s", exc.detail)
        return None


def print_verification() -> tuple[str, str]:
    """(code, line) for exports and printed forms: the 台账校验码 and the line that shows it
    with what it covers; the code is "" when the chain does not verify."""
    checkpoint = ledger_checkpoint_for_print()
    if checkpoint is None:
        return "", "台账校验码：无（台账校验未通过，请联系系统管理员）"
    at = timezone.localtime(checkpoint.created_at)
    line = f"台账校验码：{checkpoint.code}（截至第 {checkpoint.seq} 条记录，{at:%Y-%m-%d %H:%M}）"
    return checkpoint.code, line


def verification_code_text() -> str:
    """The line printed on exports and forms: 台账校验码 and what it covers."""
    return print_verification()[1]
