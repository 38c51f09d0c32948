"""Push a checkpoint to an outside witness (LEDGER_WITNESS_URL), e.g. the superior office's
archive or a timestamping service: once a copy sits outside this database, a later rewrite of
the database cannot take it back. A failure is recorded on the checkpoint, never raised."""

import json
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.utils import timezone

from . import signing
from .models import LedgerCheckpoint

logger = logging.getLogger(__name__)


def checkpoint_document(checkpoint: LedgerCheckpoint) -> dict:
    """Everything an outsider needs to check the signature with the public key alone."""
    return {
        "seq": checkpoint.seq,
        "head_hash": checkpoint.head_hash,
        "created_at": timezone.localtime(checkpoint.created_at).isoformat(),
        "code": checkpoint.code,
        "algorithm": signing.ALGORITHM,
        "key_id": checkpoint.key_id,
        "signed_message": signing.message(checkpoint.seq, checkpoint.head_hash).decode(),
        "signature": checkpoint.signature,
    }


def checkpoint_witness_push(checkpoint_id: int) -> bool:
    checkpoint = LedgerCheckpoint.objects.get(pk=checkpoint_id)
    body = {**checkpoint_document(checkpoint), "public_key": signing.public_key_hex()}
    request = urllib.request.Request(  # noqa: S310  (http(s) only, see below)
        settings.LEDGER_WITNESS_URL,
        data=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        # http(s) only: the settings refuse any other LEDGER_WITNESS_URL at start-up.
        with urllib.request.urlopen(  # noqa: S310
            request, timeout=settings.LEDGER_WITNESS_TIMEOUT_SECONDS
        ) as r:
            r.read(1024)
        status, error = "sent", ""
    except (urllib.error.URLError, OSError, ValueError) as exc:
        status, error = "failed", str(getattr(exc, "reason", exc))[:500] or type(exc).__name__
        logger.warning("ledger witness push of %s failed: %s", checkpoint.code, error)
    # Only the witness columns: the signed ones are guarded by triggers.
    LedgerCheckpoint.objects.filter(pk=checkpoint_id).update(
        witness_status=status, witness_error=error
    )
    return status == "sent"
