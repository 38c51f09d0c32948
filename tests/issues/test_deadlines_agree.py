"""Deadlines that agree (issue 16 item 5): an approved extension carries the measures along,
no measure is due after its problem, and an earlier 退回/反弹 date needs a confirmation."""

import datetime as dt

import pytest

from issues.exceptions import InvalidInput
from issues.models import Measure, Problem
from issues.services.problems import measure_create, measure_update
from issues.services.workflow import perform_action
from ledger.models import LedgerEntry

OLD = dt.date(2026, 6, 30)
NEW = dt.date(2026, 9, 30)


def _extend(cast, problem, to=NEW):
    perform_action(
        problem_id=problem.pk,
        action="request_extension",
        actor=cast.admin_a,
        data={"kind": "extend", "requested_due_date": to.isoformat(), "reason": "工程未完工"},
    )
    perform_action(problem_id=problem.pk, action="approve_extension", actor=cast.head_a)
    return perform_action(problem_id=problem.pk, action="approve_extension", actor=cast.rev)


def _due_by_seq(problem):
    return dict(Measure.objects.filter(problem=problem).values_list("seq", "due_date"))


@pytest.fixture
def three_measures(cast, make_problem):
    return make_problem(
        "in_progress",
        due_date=OLD,
        measures=[
            {"content": "先期措施", "unit": cast.unit_a, "due_date": dt.date(2026, 4, 30)},
            {"content": "随问题到期", "unit": cast.unit_a},
            {"content": "已完成的措施", "unit": cast.unit_a},
        ],
    )


def test_it_moves_the_measures_due_with_the_problem_when_an_extension_is_approved(
    cast, three_measures
):
    problem = three_measures
    done = Measure.objects.get(problem=problem, seq=3)
    measure_update(actor=cast.admin_a, measure_id=done.pk, status="done", done_note="完成")

    problem = _extend(cast, problem)

    assert problem.due_date == NEW
    assert problem.original_due_date == OLD
    # The earlier milestone stays; the one due with the problem follows; done ones never move.
    assert _due_by_seq(problem) == {1: dt.date(2026, 4, 30), 2: NEW, 3: OLD}
    entry = LedgerEntry.objects.filter(problem_id=problem.pk).order_by("-seq").first()
    assert entry.changes["measures_moved"] == [[2], NEW.isoformat()]
    # The stored earliest open measure date follows too (the light reads it).
    assert Problem.objects.get(pk=problem.pk).open_measures_due == dt.date(2026, 4, 30)


def test_it_leaves_measures_alone_until_the_last_step_approves(cast, three_measures):
    problem = three_measures
    perform_action(
        problem_id=problem.pk,
        action="request_extension",
        actor=cast.admin_a,
        data={"kind": "extend", "requested_due_date": NEW.isoformat(), "reason": "工程未完工"},
    )
    perform_action(problem_id=problem.pk, action="approve_extension", actor=cast.head_a)
    assert _due_by_seq(problem)[2] == OLD


def test_it_refuses_a_measure_due_after_its_problem(cast, make_problem):
    problem = make_problem("in_progress", due_date=OLD)
    with pytest.raises(InvalidInput) as caught:
        measure_create(actor=cast.admin_a, problem_id=problem.pk, content="晚的措施", due_date=NEW)
    assert "due_date" in caught.value.errors
    measure = problem.measures.get()
    with pytest.raises(InvalidInput):
        measure_update(actor=cast.admin_a, measure_id=measure.pk, due_date=NEW)
    assert _due_by_seq(problem) == {1: OLD}


def test_it_pulls_measures_in_when_a_draft_due_date_is_edited_earlier(cast, make_problem):
    from issues.services.problems import problem_update

    problem = make_problem("draft", due_date=OLD)
    problem_update(actor=cast.oa, problem_id=problem.pk, due_date=dt.date(2026, 5, 31))
    assert _due_by_seq(problem) == {1: dt.date(2026, 5, 31)}


def _reject(cast, problem, new_due_date, **extra):
    perform_action(problem_id=problem.pk, action="approve_closeout", actor=cast.head_a)
    return perform_action(
        problem_id=problem.pk,
        action="reject_closeout",
        actor=cast.rev,
        data={"comment": "补充照片", "new_due_date": new_due_date, **extra},
    )


def test_it_needs_confirmation_for_an_earlier_rejection_date(cast, make_problem):
    problem = make_problem("closeout_review", due_date=OLD)
    with pytest.raises(InvalidInput) as caught:
        _reject(cast, problem, "2026-05-31")
    assert "confirm_earlier" in caught.value.errors
    assert "早于当前整改时限" in caught.value.detail
    assert Problem.objects.get(pk=problem.pk).status == "closeout_review"

    problem = perform_action(
        problem_id=problem.pk,
        action="reject_closeout",
        actor=cast.rev,
        data={"comment": "补充照片", "new_due_date": "2026-05-31", "confirm_earlier": True},
    )
    assert (problem.status, problem.due_date) == ("in_progress", dt.date(2026, 5, 31))
    entry = LedgerEntry.objects.filter(problem_id=problem.pk).order_by("-seq").first()
    assert entry.action == "reject_closeout"
    assert entry.changes["confirm_earlier"] == [False, True]


def test_it_takes_a_later_rejection_date_without_confirmation(cast, make_problem):
    problem = make_problem("closeout_review", due_date=OLD)
    problem = _reject(cast, problem, "2026-07-31")
    assert problem.due_date == dt.date(2026, 7, 31)
    entry = LedgerEntry.objects.filter(problem_id=problem.pk).order_by("-seq").first()
    assert "confirm_earlier" not in entry.changes


def test_it_needs_confirmation_for_an_earlier_reopen_date(cast, make_problem):
    problem = make_problem("closed", due_date=OLD)
    data = {"comment": "问题反弹", "new_due_date": "2026-04-30"}
    with pytest.raises(InvalidInput):
        perform_action(problem_id=problem.pk, action="reopen", actor=cast.rev, data=data)
    problem = perform_action(
        problem_id=problem.pk,
        action="reopen",
        actor=cast.rev,
        data={**data, "confirm_earlier": True},
    )
    assert (problem.status, problem.due_date) == ("in_progress", dt.date(2026, 4, 30))
