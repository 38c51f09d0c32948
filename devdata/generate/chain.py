"""Ledger entries for generated problems, hash-chained in Python in sequence order.

ledger.services.entry_hash is the definition of an entry's hash. Calling it for millions of
entries costs ~40 µs each (it builds a JSON encoder per call), so the generator renders the
same canonical JSON text directly and checks itself against entry_hash on the first entries
and then on every CHECK_EVERY-th one: a change to entry_hash fails the generator loudly
instead of producing a chain that verify_ledger rejects.
"""

import hashlib
import json
from datetime import UTC
from functools import lru_cache

from ledger.models import LedgerHead
from ledger.services import GENESIS_HASH, entry_hash

CHECK_FIRST = 200
CHECK_EVERY = 5000


# The exact encoder entry_hash uses (json.dumps with these options), built once.
_encode = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode


@lru_cache(maxsize=4096)
def _text(value: str) -> str:
    return _encode(value)


class Chain:
    """Appends entries after the current ledger head; `close()` moves the head."""

    def __init__(self, writer):
        self.writer = writer
        head = LedgerHead.objects.select_for_update().filter(id=1).first()
        self.seq = head.seq if head else 0
        self.prev = (head.hash if head else "") or GENESIS_HASH

    def append(self, *, problem_id, actor_id, action, from_state, to_state, changes, comment, at):
        """at: an aware datetime in UTC. changes: JSON-ready (dates already ISO text)."""
        self.seq += 1
        changes_text = _encode(changes) if changes else "{}"
        text = "".join(
            (
                '{"action":',
                _text(action),
                ',"actor":',
                "null" if actor_id is None else str(actor_id),
                ',"at":"',
                at.isoformat(timespec="microseconds"),
                '","changes":',
                changes_text,
                ',"comment":',
                _text(comment),
                ',"from":',
                _text(from_state),
                ',"prev":"',
                self.prev,
                '","problem":',
                "null" if problem_id is None else str(problem_id),
                ',"seq":',
                str(self.seq),
                ',"to":',
                _text(to_state),
                "}",
            )
        )
        digest = hashlib.sha256(text.encode()).hexdigest()
        if self.seq % CHECK_EVERY == 0 or self.writer.count < CHECK_FIRST:
            assert at.tzinfo is UTC, "ledger times must be UTC datetimes"
            reference = entry_hash(
                seq=self.seq,
                problem_id=problem_id,
                actor_id=actor_id,
                action=action,
                from_state=from_state,
                to_state=to_state,
                changes=changes,
                comment=comment,
                created_at=at,
                prev_hash=self.prev,
            )
            if reference != digest:
                raise RuntimeError(
                    "generator's ledger hash differs from ledger.services.entry_hash: "
                    "update devdata/generate/chain.py to the new canonical form"
                )
        self.writer.write(
            (
                self.seq,
                problem_id,
                actor_id,
                action,
                from_state,
                to_state,
                changes_text,
                comment,
                at,
                self.prev,
                digest,
            )
        )
        self.prev = digest

    def close(self):
        LedgerHead.objects.update_or_create(id=1, defaults={"seq": self.seq, "hash": self.prev})
