"""Write every signed checkpoint, with the public key, to a JSON file for offices to archive.

An auditor checks each entry with nothing but this file: the Ed25519 signature of
`signed_message` under `public_key` (any Ed25519 tool will do), and — against the database —
that the ledger entry at `seq` still has `head_hash`.
"""

import json

from django.core.management.base import BaseCommand
from django.utils import timezone

from ledger import signing
from ledger.models import LedgerCheckpoint
from ledger.witness import checkpoint_document


class Command(BaseCommand):
    help = "Write the ledger's signed checkpoints and the public key as JSON (file or stdout)."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args, output=None, **options):
        checkpoints = LedgerCheckpoint.objects.order_by("seq", "id")
        document = {
            "kind": "zhenggai-ledger-checkpoints",
            "exported_at": timezone.localtime().isoformat(),
            "algorithm": signing.ALGORITHM,
            "public_key": signing.public_key_hex(),
            "key_id": signing.key_id(),
            "checkpoints": [checkpoint_document(c) for c in checkpoints.iterator()],
        }
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
            self.stdout.write(f"{len(document['checkpoints'])} checkpoints written to {output}")
        else:
            self.stdout.write(text, ending="")
