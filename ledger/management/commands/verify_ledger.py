from django.core.management.base import BaseCommand, CommandError

from ledger.services import ledger_verify


class Command(BaseCommand):
    help = "Recompute the ledger's hash chain; exit non-zero at the first bad entry."

    def handle(self, *args, **options):
        result = ledger_verify()
        if not result.ok:
            raise CommandError(
                f"ledger chain broken at seq {result.first_bad_seq} ({result.entries} entries read)"
            )
        self.stdout.write(f"ledger OK: {result.entries} entries")
