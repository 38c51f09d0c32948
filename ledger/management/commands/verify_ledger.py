from django.core.management.base import BaseCommand, CommandError

from ledger.services import ledger_verify
from ledger.signing import InvalidCode


class Command(BaseCommand):
    help = (
        "Recompute the ledger's hash chain; exit non-zero at the first bad entry. With "
        "--checkpoint CODE (a 台账校验码 from an export or a printed form), also exit non-zero "
        "when the chain no longer holds the head that code was signed for."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint", metavar="CODE", help="台账校验码, e.g. 12-9f86-d081-884c"
        )

    def handle(self, *args, checkpoint=None, **options):
        try:
            result = ledger_verify(checkpoint=checkpoint)
        except InvalidCode as exc:
            raise CommandError(str(exc)) from None
        if result.checkpoint_ok is False:
            raise CommandError(
                f"checkpoint {checkpoint} does NOT hold: the chain no longer has the head it was "
                "signed for (rewritten or cut), or the code was mistyped or signed with another key"
                + ("" if result.ok else f"; chain broken at seq {result.first_bad_seq}")
            )
        if not result.ok:
            raise CommandError(
                f"ledger chain broken at seq {result.first_bad_seq} ({result.entries} entries read)"
            )
        if checkpoint is not None:
            self.stdout.write(f"checkpoint {checkpoint} holds")
        self.stdout.write(f"ledger OK: {result.entries} entries")
