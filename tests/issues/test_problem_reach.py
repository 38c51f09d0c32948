"""issues_problemreach (issues.models.ProblemReach), the scoped list's read model, is kept by
PostgreSQL triggers (issues 0021): after any write to a problem's lead unit, cooperating
units or measures — through the services, the ORM's bulk paths or raw SQL — it holds exactly
one row per (problem, unit that sees it directly), with the problem's created_at."""

import datetime as dt
import random
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from issues.models import Measure, Problem, ProblemReach, Unit
from issues.services.problems import measure_create, problem_update

pytestmark = pytest.mark.postgres

Cooperating = Problem.cooperating_units.through


def expected():
    """What the three sources say, computed here the plain way."""
    created = dict(Problem.objects.values_list("pk", "created_at"))
    pairs = set(Problem.objects.values_list("pk", "lead_unit_id"))
    pairs |= set(Cooperating.objects.values_list("problem_id", "unit_id"))
    pairs |= set(Measure.objects.values_list("problem_id", "unit_id"))
    return {(p, u, created[p]) for p, u in pairs}


def stored():
    rows = ProblemReach.objects.values_list("problem_id", "unit_id", "created_at")
    return set(rows)


def test_every_kind_of_write_keeps_it_exact(cast, make_problem):
    problem = make_problem(
        "in_progress",
        cooperating_units=[cast.unit_b, cast.school_a],
        measures=[
            {"content": "措施一", "unit": cast.unit_a},
            {"content": "措施二", "unit": cast.school_a},
        ],
    )
    other = make_problem("draft", lead_unit=cast.unit_b, cooperating_units=[cast.unit_c])
    assert stored() == expected()
    assert (problem.pk, cast.school_a.pk, problem.created_at) in stored()

    bare = Problem.objects.get(pk=other.pk)
    bare.pk, bare.code = None, "COPY-1"
    bare.save()
    bare.cooperating_units.add(cast.unit_c)
    Measure.objects.create(problem=bare, seq=1, content="措施", unit=cast.school_a)
    assert stored() == expected()
    steps = [
        # the services (实验小学 keeps its measure when it stops cooperating)
        lambda: problem_update(actor=cast.oa, problem_id=problem.pk, cooperating_units=[]),
        lambda: problem_update(
            actor=cast.oa, problem_id=problem.pk, cooperating_units=[cast.unit_c, cast.unit_b]
        ),
        lambda: measure_create(
            actor=cast.oa, problem_id=other.pk, content="新措施", unit=cast.unit_c
        ),
        lambda: problem_update(actor=cast.oa, problem_id=other.pk, cooperating_units=[]),
        # the ORM's bulk paths and raw SQL
        lambda: Measure.objects.filter(problem=problem, unit=cast.school_a).update(
            unit=cast.unit_c
        ),
        lambda: Problem.objects.filter(pk=problem.pk).update(lead_unit=cast.unit_b),
        lambda: Problem.objects.filter(pk=other.pk).update(
            created_at=timezone.now() - dt.timedelta(days=3)
        ),
        lambda: Measure.objects.bulk_create(
            [Measure(problem=other, seq=9, content="批量", unit=cast.school_a)] * 1
        ),
        lambda: problem.cooperating_units.clear(),
        lambda: Measure.objects.filter(problem=problem).delete(),
        lambda: _raw(
            "UPDATE issues_measure SET problem_id = %s WHERE problem_id = %s",
            [problem.pk, other.pk],
        ),
        # Problems are never deleted (the ledger keeps them); a copy without a history is
        # (children first, as Django's cascade would), and its rows go with it.
        lambda: _raw(
            "DELETE FROM issues_problem_cooperating_units WHERE problem_id = %s;"
            "DELETE FROM issues_measure WHERE problem_id = %s;"
            "DELETE FROM issues_problem WHERE id = %s",
            [bare.pk] * 3,
        ),
    ]
    for number, step in enumerate(steps):
        step()
        assert stored() == expected(), number
    assert {p for p, _, _ in stored()} == {problem.pk, other.pk}


def _raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_random_writes_keep_it_exact(cast, make_problem):
    """Two hundred writes drawn at random — lead unit moved, cooperating units added and
    removed, measures added, moved between units and problems, deleted — each checked."""
    units = list(Unit.objects.exclude(parent=None))
    problems = [make_problem("draft", measures=[]) for _ in range(4)]
    rng = random.Random(7)
    for number in range(200):
        problem, unit = rng.choice(problems), rng.choice(units)
        kind = rng.randrange(6)
        if kind == 0:
            Problem.objects.filter(pk=problem.pk).update(lead_unit=unit)
        elif kind == 1:
            problem.cooperating_units.add(unit)
        elif kind == 2:
            problem.cooperating_units.remove(unit)
        elif kind == 3:
            Measure.objects.create(problem=problem, seq=number, content="措施", unit=unit)
        elif kind == 4:
            Measure.objects.filter(pk__in=Measure.objects.order_by("?")[:2]).update(
                unit=unit, problem=rng.choice(problems)
            )
        else:
            Measure.objects.filter(pk__in=Measure.objects.order_by("?")[:1]).delete()
        assert stored() == expected(), (number, kind)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["adder", "remover"])
def test_a_source_added_while_another_is_removed_keeps_the_row(cast, make_problem, first):
    """One transaction adds a measure in 实验小学 while another deletes the only other source
    of that pair. Whichever writes first, the committed result keeps the row: the remover
    waits for the adder's lock on it and checks the sources after the adder committed, or the
    adder waits for the remover and inserts the row again (without the remover's lock the
    check ran on a snapshot without the new measure and deleted the row for good)."""
    problem = make_problem(
        "draft",
        cooperating_units=[cast.school_a],
        measures=[{"content": "措施一", "unit": cast.school_a}],
    )
    # 实验小学 stops cooperating: its measure is the pair's only source left.
    problem_update(actor=cast.oa, problem_id=problem.pk, cooperating_units=[])
    old = Measure.objects.get(problem=problem)
    pair = {"problem_id": problem.pk, "unit_id": cast.school_a.pk}
    started, release = threading.Event(), threading.Event()
    errors = []

    def add():
        try:
            with transaction.atomic():
                Measure.objects.create(problem=problem, seq=2, content="措施二", unit=cast.school_a)
                started.set()
                release.wait(10)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def remove():
        try:
            with transaction.atomic():
                Measure.objects.filter(pk=old.pk).delete()
                started.set()
                release.wait(10)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    first_thread = threading.Thread(target=add if first == "adder" else remove)
    second_thread = threading.Thread(target=remove if first == "adder" else add)
    first_thread.start()
    assert started.wait(10)
    second_thread.start()
    time.sleep(0.5)  # the second writer reaches the pair's row and waits on it
    assert second_thread.is_alive(), "the second writer did not wait for the first"
    release.set()
    first_thread.join(10)
    second_thread.join(10)
    assert errors == []
    assert Measure.objects.filter(problem=problem, unit=cast.school_a).count() == 1
    assert ProblemReach.objects.filter(**pair).exists()
    assert stored() == expected()
