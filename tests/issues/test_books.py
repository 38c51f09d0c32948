"""回头看 and 建章立制 (SPEC §2, §7): a failed follow-up reopens the problem through the
workflow, on the ledger; regulations are written by the office or the unit itself, link only
visible problems, and show up in statistics."""

import datetime as dt

import pytest

from issues.exceptions import ActionForbidden, InvalidInput, InvalidTransition, NotFound
from issues.models import FollowUpReview, Problem, SupervisionAction
from issues.selectors.books import visible_regulations
from issues.selectors.scope import visible_problems
from issues.selectors.stats import stats_summary
from issues.services.books import follow_up_record, regulation_create, regulation_update
from ledger.models import LedgerEntry
from ledger.services import ledger_verify

REVIEWED = dt.date(2026, 3, 1)
NEW_DUE = dt.date(2026, 5, 31)


@pytest.mark.parametrize("result", ["relapsed", "not_effective"])
def test_a_failed_follow_up_reopens_the_problem_on_the_ledger(cast, make_problem, result):
    problem = make_problem("closed")
    review = follow_up_record(
        actor=cast.rev,
        problem_id=problem.pk,
        result=result,
        review_date=REVIEWED,
        findings="公开栏又停更了",
        new_due_date=NEW_DUE,
        confirm_earlier=True,  # NEW_DUE is before the problem's 2026-06-30
    )
    problem.refresh_from_db()
    assert (problem.status, problem.reopen_count, problem.due_date) == ("in_progress", 1, NEW_DUE)
    assert problem.closed_at is None
    assert review.result == result and review.reviewer == cast.rev
    follow_up, reopen = LedgerEntry.objects.filter(problem=problem).order_by("-seq")[:2][::-1]
    assert (follow_up.action, follow_up.changes["follow_up"]) == ("follow_up", [None, result])
    assert (reopen.action, reopen.from_state, reopen.to_state) == (
        "reopen",
        "closed",
        "in_progress",
    )
    assert "公开栏又停更了" in reopen.comment and reopen.actor == cast.rev
    assert reopen.changes["due_date"][1] == "2026-05-31"
    assert SupervisionAction.objects.filter(problem=problem, kind="urge").exists()
    assert ledger_verify().ok


def test_a_consolidated_follow_up_leaves_the_problem_closed(cast, make_problem):
    problem = make_problem("closed")
    follow_up_record(
        actor=cast.oa, problem_id=problem.pk, result="consolidated", review_date=REVIEWED
    )
    problem.refresh_from_db()
    assert (problem.status, problem.reopen_count) == ("closed", 0)
    last = LedgerEntry.objects.filter(problem=problem).order_by("-seq").first()
    assert (last.action, last.from_state, last.to_state) == ("follow_up", "closed", "closed")


def test_a_reopening_result_needs_findings_and_a_new_due_date(cast, make_problem):
    problem = make_problem("closed")
    entries = LedgerEntry.objects.count()
    with pytest.raises(InvalidInput) as caught:
        follow_up_record(
            actor=cast.rev, problem_id=problem.pk, result="relapsed", review_date=REVIEWED
        )
    assert set(caught.value.errors) == {"findings", "new_due_date"}
    assert FollowUpReview.objects.count() == 0 and LedgerEntry.objects.count() == entries


def test_follow_ups_are_for_closed_problems_and_office_reviewers(cast, make_problem):
    open_problem = make_problem("in_progress")
    with pytest.raises(InvalidTransition):
        follow_up_record(
            actor=cast.rev, problem_id=open_problem.pk, result="consolidated", review_date=REVIEWED
        )
    closed = make_problem("closed")
    with pytest.raises(ActionForbidden):
        follow_up_record(
            actor=cast.admin_a, problem_id=closed.pk, result="consolidated", review_date=REVIEWED
        )
    with pytest.raises(NotFound):
        follow_up_record(
            actor=cast.outsider, problem_id=closed.pk, result="consolidated", review_date=REVIEWED
        )
    assert FollowUpReview.objects.count() == 0


def test_a_failed_reopen_records_no_follow_up(cast, make_problem, monkeypatch):
    """The follow-up and the reopen commit together or not at all."""
    problem = make_problem("closed")
    entries = LedgerEntry.objects.count()
    from issues.services import books

    def broken(**kwargs):
        raise InvalidTransition("刚被他人处理")

    monkeypatch.setattr(books, "perform_action", broken)
    with pytest.raises(InvalidTransition):
        follow_up_record(
            actor=cast.rev,
            problem_id=problem.pk,
            result="relapsed",
            review_date=REVIEWED,
            findings="反弹",
            new_due_date=NEW_DUE,
            confirm_earlier=True,
        )
    assert FollowUpReview.objects.count() == 0 and LedgerEntry.objects.count() == entries
    problem.refresh_from_db()
    assert problem.status == "closed"


# --- 建章立制 ----------------------------------------------------------------------------------


def test_office_admins_and_the_unit_itself_register_regulations(cast, make_problem):
    problem = make_problem("closed")
    by_office = regulation_create(
        actor=cast.oa,
        name="村务公开制度",
        doc_no="教发〔2026〕1号",
        issued_on=REVIEWED,
        unit=cast.unit_a,
        problems=[problem.pk],
    )
    assert list(by_office.problems.all()) == [problem]
    by_unit = regulation_create(
        actor=cast.admin_a, name="内部制度", issued_on=REVIEWED, unit=cast.unit_a
    )
    assert by_unit.created_by == cast.admin_a
    with pytest.raises(ActionForbidden):
        regulation_create(actor=cast.admin_a, name="别人的", issued_on=REVIEWED, unit=cast.unit_b)
    with pytest.raises(ActionForbidden):
        regulation_create(actor=cast.staff_a, name="经办人的", issued_on=REVIEWED, unit=cast.unit_a)


def test_linked_problems_must_be_visible(cast, make_problem):
    theirs = make_problem("closed", lead_unit=cast.unit_b)
    with pytest.raises(InvalidInput) as caught:
        regulation_create(
            actor=cast.admin_a,
            name="制度",
            issued_on=REVIEWED,
            unit=cast.unit_a,
            problems=[theirs.pk],
        )
    assert "problems" in caught.value.errors
    with pytest.raises(InvalidInput):
        regulation_create(
            actor=cast.admin_a, name="制度", issued_on=REVIEWED, unit=cast.unit_a, problems=[99999]
        )


def test_regulations_are_updated_by_who_may_write_them(cast, make_problem):
    mine = make_problem("closed")
    regulation = regulation_create(
        actor=cast.admin_a, name="旧名", issued_on=REVIEWED, unit=cast.unit_a
    )
    regulation = regulation_update(
        actor=cast.admin_a,
        regulation_id=regulation.pk,
        name="新名",
        kind="revised",
        problems=[mine.pk],
    )
    assert (regulation.name, regulation.kind, list(regulation.problems.all())) == (
        "新名",
        "revised",
        [mine],
    )
    with pytest.raises(ActionForbidden):
        regulation_update(actor=cast.admin_a, regulation_id=regulation.pk, unit=cast.unit_b)
    with pytest.raises(ActionForbidden):
        regulation_update(actor=cast.admin_b, regulation_id=regulation.pk, name="抢走")
    with pytest.raises(InvalidInput):
        regulation_update(actor=cast.oa, regulation_id=regulation.pk, created_by=cast.oa)


def test_regulations_are_listed_within_scope(cast):
    a = regulation_create(actor=cast.oa, name="甲", issued_on=REVIEWED, unit=cast.unit_a)
    b = regulation_create(actor=cast.oa, name="乙", issued_on=REVIEWED, unit=cast.unit_b)
    assert set(visible_regulations(cast.admin_a)) == {a}
    assert set(visible_regulations(cast.oa)) == {a, b}
    assert set(visible_regulations(cast.outsider)) == set()


def test_follow_ups_and_regulations_show_in_statistics(cast, make_problem):
    relapsed = make_problem("closed")
    make_problem("closed")
    regulation_create(
        actor=cast.oa, name="制度", issued_on=REVIEWED, unit=cast.unit_a, problems=[relapsed.pk]
    )
    follow_up_record(
        actor=cast.rev,
        problem_id=relapsed.pk,
        result="relapsed",
        review_date=REVIEWED,
        findings="反弹",
        new_due_date=NEW_DUE,
        confirm_earlier=True,
    )
    summary = stats_summary(visible_problems(cast.admin_a))
    assert (summary["completed"], summary["in_progress"], summary["reopened"]) == (1, 1, 1)
    assert summary["regulations"] == 1
    assert stats_summary(visible_problems(cast.admin_b))["regulations"] == 0
    assert Problem.objects.get(pk=relapsed.pk).status == "in_progress"
