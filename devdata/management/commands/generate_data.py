"""`manage.py generate_data --problems N [--due N] [--seed S] [--units U]`: bulk benchmark data."""

from django.core.management.base import BaseCommand, CommandError

from devdata.generate import generate_data


class Command(BaseCommand):
    help = (
        "Bulk-insert a realistic county ledger: units, people, batches, problems with measures, "
        "review requests and a valid ledger chain. Exactly --due problems are due for a "
        "reminder today. For benchmarks and load tests; one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("--problems", type=int, required=True, help="problems to add")
        parser.add_argument(
            "--due", type=int, default=0, help="how many of them are due for a reminder today"
        )
        parser.add_argument(
            "--seed", type=int, default=0, help="random seed (same seed, same data)"
        )
        parser.add_argument(
            "--units",
            type=int,
            default=50,
            help="departments + townships under the county, on the first run (default 50)",
        )

    def handle(self, *args, problems, due, seed, units, **options):
        if problems < 0 or not 0 <= due <= problems:
            raise CommandError("need --problems >= 0 and 0 <= --due <= --problems")
        if units < 1:
            raise CommandError("--units must be at least 1")
        result = generate_data(
            problems=problems, due=due, seed=seed, units=units, log=self.stdout.write
        )
        rows = ", ".join(f"{name} {count}" for name, count in result.rows.items())
        states = ", ".join(f"{name} {count}" for name, count in result.states.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"generated {result.problems} problems ({result.due} due today) "
                f"in {result.seconds:.1f}s"
            )
        )
        self.stdout.write(f"  rows: {rows}")
        self.stdout.write(f"  states: {states}")
