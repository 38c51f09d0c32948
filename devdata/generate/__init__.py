"""Realistic bulk data for benchmarks and load tests (`manage.py generate_data`).

Not the demo: devdata.demo walks every problem through the real services, which is right for
sixty problems and far too slow for a million. Here rows are planned in Python as the workflow
would have left them and written in bulk (COPY on PostgreSQL, batched INSERTs elsewhere),
with the ledger hash-chained in order and each problem's next reminder date (its
ProblemSchedule row) set by the reminder ladder's rules.
Run it on a database nobody else writes to meanwhile: ids are assigned up front.
"""

import time
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from issues.models import Batch, Measure, Problem, ProblemSchedule, ReviewRequest, ReviewStep
from issues.services.reach import problem_reach_fill
from ledger.models import LedgerEntry
from ledger.services import LEDGER_COLUMNS

from .chain import Chain
from .columns import (
    COOPERATING_COLUMNS,
    MEASURE_COLUMNS,
    PROBLEM_COLUMNS,
    REQUEST_COLUMNS,
    SCHEDULE_COLUMNS,
    STEP_COLUMNS,
)
from .org import build_org
from .problems import Dice, ProblemMaker
from .writer import IndexesDeferred, TableWriter, next_ids, reset_sequences

CHUNK = 20_000  # problems between progress lines


@dataclass
class GenerateResult:
    problems: int
    due: int
    rows: dict[str, int] = field(default_factory=dict)
    states: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def generate_data(
    *, problems: int, due: int = 0, seed: int = 0, units: int = 50, log=None, batch_size=5000
) -> GenerateResult:
    """Add `problems` problems, exactly `due` of them due for a reminder today, in one
    transaction. `units`: departments plus townships under the county (first run only)."""
    if problems < 0 or due < 0 or due > problems:
        raise ValueError("need 0 <= due <= problems")
    started = time.monotonic()
    rng = Dice(seed)
    today = timezone.localdate()
    Cooperating = Problem.cooperating_units.through
    tables = [Problem, Measure, Cooperating, ReviewRequest, ReviewStep]
    with transaction.atomic():
        _skip_fk_triggers()
        org = build_org(units=units, rng=rng, today=today)
        # Lock the batches: their code sequences continue from last_seq.
        locked = Batch.objects.select_for_update().in_bulk([b.pk for b in org.batches])
        org.batches = [locked[b.pk] for b in org.batches]
        first = next_ids(*tables)
        ids = {
            Problem: first[Problem],
            "measure": first[Measure],
            "cooperating": first[Cooperating],
            "request": first[ReviewRequest],
            "step": first[ReviewStep],
        }
        writers = {
            "problem": TableWriter(Problem, PROBLEM_COLUMNS, batch_size),
            "schedule": TableWriter(ProblemSchedule, SCHEDULE_COLUMNS, batch_size),
            "measure": TableWriter(Measure, MEASURE_COLUMNS, batch_size),
            "cooperating": TableWriter(Cooperating, COOPERATING_COLUMNS, batch_size),
            "request": TableWriter(ReviewRequest, REQUEST_COLUMNS, batch_size),
            "step": TableWriter(ReviewStep, STEP_COLUMNS, batch_size),
            "ledger": TableWriter(LedgerEntry, LEDGER_COLUMNS, batch_size),
        }
        chain = Chain(writers["ledger"])
        maker = ProblemMaker(
            org=org,
            rng=rng,
            today=today,
            writers=writers,
            chain=chain,
            ids=ids,
            due_indices=set(rng.sample(range(problems), due)),
        )
        with IndexesDeferred(*tables, ProblemSchedule, LedgerEntry, min_rows=problems):
            for index in range(problems):
                maker.make(index)
                if log and (index + 1) % CHUNK == 0:
                    log(f"  {index + 1} problems, {time.monotonic() - started:.1f}s")
            for writer in writers.values():
                writer.flush()
            if log and problems >= CHUNK:
                log(f"  rows written, {time.monotonic() - started:.1f}s; rebuilding indexes")
        if chain.seq:
            chain.close()
        for batch in org.batches:
            if maker.seq[batch.pk] != batch.last_seq:
                Batch.objects.filter(pk=batch.pk).update(last_seq=maker.seq[batch.pk])
        reset_sequences(*tables)
        _skip_fk_triggers(False)
        # The replica role skipped every trigger, the read model's of issues 0021 too.
        problem_reach_fill(first[Problem])
    return GenerateResult(
        problems=problems,
        due=due,
        rows={name: writer.count for name, writer in writers.items()},
        states=dict(sorted(maker.counts.items())),
        seconds=time.monotonic() - started,
    )


def _skip_fk_triggers(skip: bool = True) -> None:
    """On PostgreSQL as a superuser, skip the per-row foreign-key triggers for this transaction.

    They are the bulk of the load time (millions of deferred checks run at COMMIT), and the
    generator only writes rows that point at rows it wrote or read; the SQLite run in
    tests/devdata/test_generate_data.py has the constraints enforced and proves that. Nothing
    else changes: unique constraints and check constraints still hold, and the ledger's
    triggers only refuse UPDATE and DELETE; issues_problemreach, whose triggers are skipped
    too, is filled afterwards (issues.services.reach). Called again with skip=False before the
    transaction ends, so whatever runs after the generator in the same transaction is checked
    as usual.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        if cursor.fetchone()[0]:
            role = "replica" if skip else "origin"
            cursor.execute(f"SET LOCAL session_replication_role = {role}")
