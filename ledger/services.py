"""Append to and verify the hash-chained ledger."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from .models import LedgerEntry, LedgerHead

GENESIS_HASH = "0" * 64


def _canonical(value):
    """JSON-friendly form of a changed value: dates and datetimes as ISO text."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "_meta") and hasattr(value, "pk"):  # a model instance: record its id
        return value.pk
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    return value


def entry_hash(
    *,
    seq,
    problem_id,
    actor_id,
    action,
    from_state,
    to_state,
    changes,
    comment,
    created_at,
    prev_hash,
) -> str:
    payload = {
        "seq": seq,
        "problem": problem_id,
        "actor": actor_id,
        "action": action,
        "from": from_state,
        "to": to_state,
        "changes": changes,
        "comment": comment,
        "at": created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "prev": prev_hash,
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def ledger_append(
    *,
    problem,
    actor,
    action: str,
    from_state: str = "",
    to_state: str = "",
    changes: dict | None = None,
    comment: str = "",
) -> LedgerEntry:
    """Append one entry. Must run inside the caller's transaction so it commits with the fact."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger_append must run inside a transaction")
    # Lock the head: concurrent appends wait here, so the chain never forks.
    head, _ = LedgerHead.objects.select_for_update().get_or_create(id=1)
    changes = _canonical(changes or {})
    fields = dict(
        seq=head.seq + 1,
        problem_id=problem.pk if problem is not None else None,
        actor_id=actor.pk if actor is not None else None,
        action=action,
        from_state=from_state or "",
        to_state=to_state or "",
        changes=changes,
        comment=comment or "",
        created_at=timezone.now(),
        prev_hash=head.hash or GENESIS_HASH,
    )
    digest = entry_hash(**fields)
    entry = LedgerEntry.objects.create(hash=digest, **fields)
    LedgerHead.objects.filter(id=1).update(seq=entry.seq, hash=digest)
    return entry


@dataclass
class VerifyResult:
    ok: bool
    entries: int
    first_bad_seq: int | None


def ledger_verify(*, chunk_size: int = 2000) -> VerifyResult:
    """Recompute the whole chain; report the first entry whose hash or link does not hold."""
    prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    rows = LedgerEntry.objects.order_by("seq").values_list(
        "seq",
        "problem_id",
        "actor_id",
        "action",
        "from_state",
        "to_state",
        "changes",
        "comment",
        "created_at",
        "prev_hash",
        "hash",
    )
    for row in rows.iterator(chunk_size=chunk_size):
        (
            seq,
            problem_id,
            actor_id,
            action,
            from_state,
            to_state,
            changes,
            comment,
            at,
            prev_hash,
            h,
        ) = row
        count += 1
        recomputed = entry_hash(
            seq=seq,
            problem_id=problem_id,
            actor_id=actor_id,
            action=action,
            from_state=from_state,
            to_state=to_state,
            changes=changes,
            comment=comment,
            created_at=at,
            prev_hash=prev_hash,
        )
        if seq != expected_seq or prev_hash != prev or recomputed != h:
            return VerifyResult(ok=False, entries=count, first_bad_seq=seq)
        prev = h
        expected_seq += 1
    head = LedgerHead.objects.filter(id=1).first()
    if head is not None and (head.seq != count or (count and head.hash != prev)):
        # Entries were removed from the end behind the triggers' back.
        return VerifyResult(ok=False, entries=count, first_bad_seq=count + 1)
    return VerifyResult(ok=True, entries=count, first_bad_seq=None)
