"""Races, for real (SPEC §3 "Two concurrent actions on one problem never both succeed", §2
problem codes "without races"): threads with their own database connections, released at
once by a barrier. PostgreSQL only: SQLite serialises writers and cannot show a race, and its
ledger triggers would refuse the flush that transactional tests end with.
"""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from issues.exceptions import DomainError
from issues.models import Batch, Problem, ReviewRequest
from issues.services.problems import problem_create
from issues.services.workflow import perform_action
from ledger.models import LedgerEntry
from ledger.services import ledger_verify
from tests.conftest import make_user

from .workflow_cases import VALID, make_situation

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WON = "won"


def race(*calls):
    """Run every call in its own thread (and connection), all at once. Returns, per call,
    WON or the (status, code) of the DomainError it raised."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=30)
            call()
            results[i] = WON
        except DomainError as exc:
            results[i] = (exc.status, exc.code)
        except Exception as exc:  # anything else is a bug the test must show
            results[i] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung (deadlock?)"
    return results


def action(user, problem, name, data=None):
    return lambda: perform_action(
        problem_id=problem.pk, action=name, actor=user, data=data or VALID[name]
    )


def one_winner(results):
    return sorted(results, key=str) == sorted([WON, (409, "invalid_transition")], key=str)


def step_entries(problem, name):
    return list(LedgerEntry.objects.filter(problem=problem, action=name))


def test_it_lets_one_of_two_office_reviewers_close_the_problem(cast, make_problem):
    problem = make_situation(cast, make_problem, "closeout_office_step")

    results = race(
        action(cast.rev, problem, "approve_closeout"), action(cast.oa, problem, "approve_closeout")
    )

    assert one_winner(results), results
    winner = [cast.rev, cast.oa][results.index(WON)]
    problem.refresh_from_db()
    assert (problem.status, problem.closed_by_id) == ("closed", winner.pk)
    office = [
        e for e in step_entries(problem, "approve_closeout") if e.changes["step"][0] == "office"
    ]
    assert [(e.actor_id, e.to_state) for e in office] == [(winner.pk, "closed")]
    request = ReviewRequest.objects.get(problem=problem, request_type="closeout")
    assert [(s.step_kind, s.reviewer_id) for s in request.steps.order_by("position")][1] == (
        "office",
        winner.pk,
    )
    assert ledger_verify().ok


def test_it_lets_one_of_two_unit_heads_decide_the_first_step(cast, make_problem):
    head_a2 = make_user("head_a2", unit=cast.unit_a, role="unit_head")
    problem = make_problem("closeout_review")

    results = race(
        action(cast.head_a, problem, "approve_closeout"),
        action(head_a2, problem, "approve_closeout"),
    )

    assert one_winner(results), results
    winner = [cast.head_a, head_a2][results.index(WON)]
    problem.refresh_from_db()
    assert problem.status == "closeout_review"
    assert [e.actor_id for e in step_entries(problem, "approve_closeout")] == [winner.pk]
    request = ReviewRequest.objects.get(problem=problem, request_type="closeout")
    assert [(s.decision, s.reviewer_id) for s in request.steps.order_by("position")] == [
        ("approve", winner.pk),
        ("", None),
    ]
    assert ledger_verify().ok


def test_it_lets_only_one_of_a_double_submit_count(cast, make_problem):
    problem = make_problem("closeout_review")

    results = race(
        action(cast.head_a, problem, "approve_closeout"),
        action(cast.head_a, problem, "approve_closeout"),
    )

    assert one_winner(results), results
    assert len(step_entries(problem, "approve_closeout")) == 1
    assert ledger_verify().ok


def test_it_lets_one_of_a_rejection_and_a_withdrawal_win(cast, make_problem):
    problem = make_problem("closeout_review")

    results = race(
        action(cast.head_a, problem, "reject_closeout"),
        action(cast.admin_a, problem, "withdraw_closeout"),
    )

    assert one_winner(results), results
    problem.refresh_from_db()
    assert problem.status == "in_progress"
    assert problem.rework_count == (1 if results[0] == WON else 0)
    request = ReviewRequest.objects.get(problem=problem, request_type="closeout")
    assert request.status == ("rejected" if results[0] == WON else "withdrawn")
    assert ledger_verify().ok


def test_it_files_only_one_of_two_simultaneous_extension_requests(cast, make_problem):
    problem = make_problem("in_progress")

    results = race(
        action(cast.admin_a, problem, "request_extension"),
        action(cast.oa, problem, "request_extension"),
    )

    assert one_winner(results), results
    assert ReviewRequest.objects.filter(problem=problem, status="pending").count() == 1
    assert len(step_entries(problem, "request_extension")) == 1
    assert ledger_verify().ok


def test_it_numbers_twenty_simultaneous_problems_of_one_batch_without_gaps(cast):
    n = 20

    def create(i):
        return lambda: problem_create(
            actor=cast.oa,
            batch=cast.batch,
            lead_unit=cast.unit_a,
            title=f"并发登记{i}",
            description="d",
            source="audit",
            measures=[{"content": "m", "unit": cast.unit_a}],
        )

    results = race(*(create(i) for i in range(n)))

    assert results == [WON] * n
    codes = sorted(Problem.objects.filter(batch=cast.batch).values_list("code", flat=True))
    assert codes == [f"2024-XC3-{i:03d}" for i in range(1, n + 1)]
    assert Batch.objects.get(pk=cast.batch.pk).last_seq == n
    assert LedgerEntry.objects.filter(action="create").count() == n
    assert ledger_verify().ok


def test_it_answers_200_to_one_reviewer_and_409_to_the_other_over_http(cast, make_problem):
    problem = make_situation(cast, make_problem, "closeout_office_step")
    url = f"/api/v1/problems/{problem.pk}/actions/approve_closeout/"
    clients = []
    for user in (cast.rev, cast.oa):
        client = APIClient()
        client.force_authenticate(user)
        client.handler.load_middleware()  # before the barrier: both then post at once
        clients.append(client)
    responses = [None, None]

    def post(i):
        def call():
            responses[i] = clients[i].post(url, {"comment": "同意"}, format="json")

        return call

    assert race(post(0), post(1)) == [WON, WON]  # both requests were answered

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409], [r.content for r in responses]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.json()["code"] == "invalid_transition"
    winner = next(r for r in responses if r.status_code == 200)
    assert winner.json()["status"] == "closed"
    assert (
        len([e for e in step_entries(problem, "approve_closeout") if e.to_state == "closed"]) == 1
    )
    assert ledger_verify().ok
