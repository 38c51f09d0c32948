"""`manage.py generate_data`: realistic bulk data that the rest of the system accepts as its own.

Runs on SQLite (foreign keys enforced) with ~200 problems; time is frozen by conftest's TODAY.
"""

import datetime as dt
import io
import random
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Min
from django.utils import timezone

from devdata.generate.ladder import problem_next
from issues.models import (
    Batch,
    Measure,
    Problem,
    ProblemSchedule,
    ReviewRequest,
    Status,
    Unit,
)
from issues.selectors.ladder_rows import ladder_rows
from issues.services.schedule import problem_ladder, reminders_due
from ledger.models import LedgerEntry, LedgerHead
from ledger.services import ledger_verify
from notifications.scan import reminders_scan

PROBLEMS = 200
DUE = 23


def generate(problems=PROBLEMS, due=DUE, **options):
    out = io.StringIO()
    call_command("generate_data", problems=problems, due=due, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def generated(db):
    return generate(seed=7)


def test_it_makes_the_problems_and_their_parts(generated):
    assert f"generated {PROBLEMS} problems ({DUE} due today)" in generated
    assert Problem.objects.count() == PROBLEMS
    per_problem = Problem.objects.annotate(m=Count("measures", distinct=True))
    assert {p.m for p in per_problem} <= {1, 2, 3}
    assert Measure.objects.count() >= PROBLEMS
    assert Unit.objects.filter(kind="village").exists()
    # Every problem in close-out review has exactly one pending close-out request.
    in_review = Problem.objects.filter(status=Status.CLOSEOUT_REVIEW)
    pending = ReviewRequest.objects.filter(status="pending", request_type="closeout")
    assert pending.count() == in_review.count()
    assert set(pending.values_list("problem_id", flat=True)) == set(
        in_review.values_list("pk", flat=True)
    )
    # Each request stores the kind of its first undecided step, as the workflow keeps it.
    for request in ReviewRequest.objects.prefetch_related("steps"):
        step = request.current_step()
        assert request.current_step_kind == (step.step_kind if step else ""), request.pk
    assert pending.exclude(current_step_kind="").count() == pending.count()
    connection.check_constraints()  # every foreign key points at a row (SQLite checks it)


def test_it_covers_every_state(generated):
    states = set(Problem.objects.values_list("status", flat=True))
    assert states == set(Status.values)
    closed = Problem.objects.filter(status=Status.CLOSED)
    assert not closed.filter(closed_at=None).exists()
    assert not closed.exclude(measures__status="done").filter(measures__isnull=False).exists()


def test_it_keeps_codes_unique_and_batch_sequences_consistent(generated):
    codes = list(Problem.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes))
    for batch in Batch.objects.annotate(n=Count("problems")):
        numbers = sorted(
            int(code.rsplit("-", 1)[1]) for code in batch.problems.values_list("code", flat=True)
        )
        assert numbers == list(range(1, batch.n + 1))
        assert batch.last_seq == batch.n


def test_it_writes_a_ledger_that_verifies(generated):
    result = ledger_verify()
    assert result.ok, result
    assert result.entries == LedgerEntry.objects.count()
    head = LedgerHead.objects.get(id=1)
    assert head.seq == result.entries
    assert not Problem.objects.filter(ledger_entries__isnull=True).exists()
    # Each problem's history starts with its creation and ends in its current state.
    first = Problem.objects.annotate(first=Min("ledger_entries__seq"))
    creations = dict(LedgerEntry.objects.filter(action="create").values_list("seq", "problem_id"))
    assert all(creations.get(p.first) == p.pk for p in first)
    for problem in Problem.objects.all()[:50]:
        last = problem.ledger_entries.order_by("-seq").first()
        assert last.to_state == problem.status, (problem.code, last.action)
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    assert "ledger OK" in out.getvalue()


def test_it_makes_exactly_the_due_problems_due(generated):
    today = timezone.localdate()
    assert ProblemSchedule.objects.filter(next_reminder_on__lte=today).count() == DUE


def test_next_reminder_on_follows_the_schedule_rules(generated):
    """Checked against issues.services.schedule on the stored rows, as the scan loads them."""
    today = timezone.localdate()
    ids = list(Problem.objects.values_list("pk", flat=True))
    for problem in ladder_rows(ids):
        stored = problem.next_reminder_on
        if stored is not None and stored <= today:
            assert reminders_due(problem, today), problem.pk
            continue
        upcoming = [d.fire_on for d in problem_ladder(problem, until=today) if d.fire_on >= today]
        assert stored == min(upcoming, default=None), problem.pk
        assert stored is None or stored > today


def test_open_measures_due_is_the_earliest_unfinished_measure(generated):
    from issues.services.schedule import open_measures_due

    problems = Problem.objects.prefetch_related("measures")
    assert problems.exists()
    for problem in problems:
        assert problem.open_measures_due == open_measures_due(problem.measures.all()), problem.code
    assert problems.filter(open_measures_due__isnull=False).exists()
    assert problems.filter(open_measures_due__isnull=True).exists()  # closed: all done


def test_the_scan_finds_the_due_problems_and_then_nothing(generated):
    first = reminders_scan()
    assert first.problems == DUE
    assert first.created >= DUE
    assert first.errors == 0
    assert first.escalated >= 1  # the generator's due mix includes an escalation day
    today = timezone.localdate()
    assert not ProblemSchedule.objects.filter(next_reminder_on__lte=today).exists()
    second = reminders_scan()
    # Nothing to do, not even for the escalated problems (their escalation rescheduled them).
    assert (second.problems, second.created) == (0, 0)
    assert ledger_verify().ok  # escalations appended after the generated chain


def test_a_second_run_adds_to_the_same_batches(generated):
    output = generate(problems=40, due=5, seed=8)
    assert "generated 40 problems (5 due today)" in output
    assert Problem.objects.count() == PROBLEMS + 40
    assert Unit.objects.filter(code="GEN").count() == 1
    for batch in Batch.objects.annotate(n=Count("problems")):
        assert batch.last_seq == batch.n
    assert ledger_verify().ok
    today = timezone.localdate()
    assert ProblemSchedule.objects.filter(next_reminder_on__lte=today).count() == DUE + 5


def test_it_is_deterministic_for_a_seed(db):
    generate(problems=30, due=3, seed=5)
    first = list(Problem.objects.order_by("pk").values_list("status", "due_date", "lead_unit"))
    assert len(first) == 30
    from devdata.generate import generate_data

    # Same seed into the same county: the same plan (ids and codes move on).
    generate_data(problems=30, due=3, seed=5)
    second = list(
        Problem.objects.order_by("pk").values_list("status", "due_date", "lead_unit")[30:]
    )
    assert second == first


def test_it_sizes_the_unit_tree(db):
    generate(problems=20, due=2, units=5)
    root = Unit.objects.get(code="GEN")
    level1 = Unit.objects.filter(parent=root).exclude(code="GEN-ZGB")
    assert level1.count() == 5
    townships = level1.filter(kind="township")
    assert Unit.objects.filter(parent__in=townships, kind="village").count() == 6 * len(townships)
    for unit in Unit.objects.filter(path__startswith=root.path).exclude(pk=root.pk):
        assert unit.path == f"{unit.parent.path}{unit.pk}/"
        if unit.code != "GEN-ZGB":
            roles = set(unit.memberships.values_list("role", flat=True))
            assert roles == {"unit_admin", "unit_head", "unit_staff"}


def test_it_refuses_more_due_than_problems(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        generate(problems=5, due=6)


@pytest.mark.parametrize("seed", range(3))
def test_the_closed_form_ladder_matches_problem_ladder(seed):
    """devdata.generate.ladder.problem_next == min(fire_on >= today) of the real ladder."""
    rng = random.Random(seed)
    today = dt.date(2026, 3, 2)
    for _ in range(400):
        batch = SimpleNamespace(
            remind_days_before=rng.sample([0, 1, 2, 3, 5, 7, 10, 14], rng.randint(0, 4)),
            overdue_repeat_days=rng.choice([0, 1, 2, 3, 7]),
            escalate_after_days=rng.choice([0, 3, 7, 10]),
            review_pending_days=rng.choice([1, 3, 5]),
        )
        status = rng.choice(Status.values)
        due = None if rng.random() < 0.1 else today + dt.timedelta(rng.randint(-60, 60))
        measures = [
            (
                rng.choice(["not_started", "in_progress", "done"]),
                None if rng.random() < 0.1 else today + dt.timedelta(rng.randint(-30, 30)),
            )
            for _ in range(rng.randint(0, 3))
        ]
        since = today - dt.timedelta(rng.randint(0, 10)) if rng.random() < 0.3 else None
        expected = _real_next(status, due, measures, since, batch, today)
        got = problem_next(
            status=status,
            due_date=due,
            measures=measures,
            review_since=since,
            batch=batch,
            today=today,
        )
        assert got == expected, (status, due, measures, since, vars(batch))


def _real_next(status, due, measures, since, batch, today):
    """The real problem_ladder on duck-typed rows (what problem_reschedule stores)."""

    def manager(items):
        return SimpleNamespace(all=lambda: items)

    requests = []
    if since is not None:
        created = timezone.make_aware(dt.datetime.combine(since, dt.time(10)))
        step = SimpleNamespace(pk=1, decision="", decided_at=None)
        requests.append(
            SimpleNamespace(status="pending", created_at=created, steps=manager([step]))
        )
    problem = SimpleNamespace(
        pk=1,
        status=status,
        batch=batch,
        due_date=due,
        measures=manager(
            [SimpleNamespace(pk=i, status=s, due_date=d) for i, (s, d) in enumerate(measures)]
        ),
        requests=manager(requests),
        supervisions=manager([]),
    )
    dates = [item.fire_on for item in problem_ladder(problem, until=today) if item.fire_on >= today]
    return min(dates, default=None)


@pytest.mark.postgres
def test_it_fills_the_lists_read_model_that_its_replica_role_bypasses(generated):
    """The generator skips triggers (session_replication_role = replica); the scoped list's
    issues_problemreach is filled afterwards, for a second run too."""
    from tests.issues.test_problem_reach import expected, stored

    assert stored() == expected()
    generate(problems=40, due=5, seed=8)
    assert len(stored()) > PROBLEMS + 40
    assert stored() == expected()
