"""Scope (SPEC §1) and the edit rules of SPEC §3 that depend on it: who sees a problem, who
may edit it and its measures, where a problem may be moved, where roles may be granted."""

import datetime as dt

import pytest
from django.db import connection

from issues.exceptions import ActionForbidden, InvalidInput, InvalidTransition
from issues.models import Measure, Membership, Problem, Role
from issues.selectors.scope import (
    access_for,
    scope_units,
    visible_page,
    visible_problem_q,
    visible_problems,
)
from issues.services.org import membership_grant, membership_revoke
from issues.services.problems import (
    measure_create,
    measure_update,
    problem_create,
    problem_update,
)
from tests.conftest import make_user

from .workflow_cases import new_entries, run, snapshot


def visible(user):
    return set(visible_problems(user).values_list("pk", flat=True))


@pytest.fixture
def county_problems(people, make_problem):
    """One problem led by each unit, none cooperating."""
    c = people

    def led_by(unit, title):
        problem = problem_create(
            actor=c.oa,
            batch=c.batch,
            lead_unit=unit,
            title=title,
            description="d",
            source="audit",
            measures=[{"content": "m", "unit": unit}],
        )
        return problem.pk

    return {
        "unit_a": led_by(c.unit_a, "教育局的问题"),
        "school_a": led_by(c.school_a, "实验小学的问题"),
        "unit_b": led_by(c.unit_b, "卫健局的问题"),
        "unit_c": led_by(c.unit_c, "民政局的问题"),
    }


# --- who sees what ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "user, sees",
    [
        # a membership's scope is its unit and everything below it
        ("viewer_a", {"unit_a", "school_a"}),
        ("admin_a", {"unit_a", "school_a"}),
        ("head_a", {"unit_a", "school_a"}),
        ("staff_a", {"unit_a", "school_a"}),
        ("oa_a", {"unit_a", "school_a"}),
        # ... and nothing above or beside it
        ("admin_school", {"school_a"}),
        ("head_school", {"school_a"}),
        ("admin_b", {"unit_b"}),
        ("rev_b", {"unit_b"}),
        ("outsider", {"unit_c"}),
        # memberships on the county root see the whole county
        ("oa", {"unit_a", "school_a", "unit_b", "unit_c"}),
        ("rev", {"unit_a", "school_a", "unit_b", "unit_c"}),
        ("leader", {"unit_a", "school_a", "unit_b", "unit_c"}),
        ("root", {"unit_a", "school_a", "unit_b", "unit_c"}),
    ],
)
def test_it_shows_each_user_the_problems_of_their_units_and_below(
    people, county_problems, user, sees
):
    assert visible(getattr(people, user)) == {county_problems[name] for name in sees}


def test_it_shows_nothing_to_a_user_without_memberships(people, county_problems):
    nobody = make_user("nobody")

    assert visible(nobody) == set()
    assert not scope_units(nobody).exists()


def test_it_shows_everything_to_a_superuser_even_without_memberships(people, county_problems):
    assert visible(people.root) == set(Problem.objects.values_list("pk", flat=True))
    assert visible(people.root) == set(county_problems.values())


def test_a_county_membership_does_not_reach_a_second_root_unit(people, county_problems):
    """Whole-tree scopes skip the filter only when they hold every root unit."""
    from issues.models import Unit, UnitKind

    c = people
    other = Unit.objects.create(name="邻县县委", code="LX", kind=UnitKind.PARTY_DEPT)
    theirs = problem_create(
        actor=c.root,
        batch=c.batch,
        lead_unit=other,
        title="邻县的问题",
        description="d",
        source="audit",
    ).pk

    def fresh(user):  # memberships are read once per user object, as once per request
        return type(user).objects.get(pk=user.pk)

    county = set(county_problems.values())
    assert visible(fresh(c.oa)) == county  # a membership at the county root only
    assert other.pk not in set(scope_units(fresh(c.oa)).values_list("pk", flat=True))
    both = make_user("both_roots", unit=other, role=Role.OFFICE_ADMIN)
    Membership.objects.create(user=both, unit=c.county, role=Role.OFFICE_ADMIN)
    assert visible(fresh(both)) == county | {theirs}
    assert visible(fresh(c.root)) == county | {theirs}


def test_it_shows_a_problem_to_its_cooperating_units_and_their_parents(people, make_problem):
    problem = make_problem("in_progress", cooperating_units=[people.unit_b, people.school_a])

    for name in ("admin_b", "head_b", "staff_b", "rev_b", "admin_school", "viewer_a"):
        assert problem.pk in visible(getattr(people, name)), name
    assert problem.pk not in visible(people.outsider)


def test_it_shows_a_problem_to_the_unit_of_one_of_its_measures(people, make_problem):
    problem = make_problem(
        "in_progress",
        cooperating_units=[people.unit_b],
        measures=[
            {"content": "教育局的措施", "unit": people.unit_a},
            {"content": "卫健局的措施", "unit": people.unit_b},
        ],
    )
    # 卫健局 stops cooperating, but still owns a measure of the problem.
    problem_update(actor=people.oa, problem_id=problem.pk, cooperating_units=[])
    assert not problem.cooperating_units.exists()

    assert problem.pk in visible(people.admin_b)
    assert problem.pk in visible(people.staff_b)
    assert problem.pk not in visible(people.outsider)


PEOPLE = (
    "oa rev leader admin_a head_a staff_a viewer_a admin_b head_b staff_b outsider root "
    "head_a2 admin_a2 rev_b oa_a head_school admin_school dual"
).split()


def test_the_row_by_row_rule_sees_exactly_what_the_set_rule_sees(
    people, county_problems, make_problem
):
    """`visible_problem_q` (a short walk that stops at a LIMIT: a user's latest decisions, the
    measures a user owns) and `visible_problems` (the scope's set) are one rule: by lead
    unit, by cooperating unit, by a measure's unit."""
    cooperating = make_problem("in_progress", cooperating_units=[people.unit_b])
    by_measure = make_problem(
        "in_progress",
        cooperating_units=[people.unit_b],
        measures=[{"content": "卫健局的措施", "unit": people.unit_b}],
    )
    # 卫健局 stops cooperating, but still owns a measure of the problem.
    problem_update(actor=people.oa, problem_id=by_measure.pk, cooperating_units=[])
    seen = set()
    for name in PEOPLE:
        user = getattr(people, name)
        by_rows = Measure.objects.filter(visible_problem_q(user, "problem"))
        by_set = Measure.objects.filter(problem__in=visible_problems(user))
        assert set(by_rows.values_list("pk", flat=True)) == set(
            by_set.values_list("pk", flat=True)
        ), name
        seen |= set(by_rows.values_list("problem_id", flat=True))
    assert {cooperating.pk, by_measure.pk, *county_problems.values()} <= seen
    assert not Measure.objects.filter(visible_problem_q(people.outsider, "problem")).filter(
        problem__in=[cooperating.pk, by_measure.pk]
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the page query is PostgreSQL's")
def test_the_list_page_read_from_the_scope_indexes_is_the_same_set_in_the_same_order(
    people, county_problems, make_problem
):
    """`visible_page` (a scoped user's unfiltered list, read from issues_problemreach) gives
    `visible_problems` newest first, page by page, with its count —
    problems led inside the scope, seen through a cooperating unit, or only through a
    measure, and some seen both ways."""
    both = make_problem("in_progress", cooperating_units=[people.unit_b, people.school_a])
    by_measure = make_problem(
        "in_progress",
        lead_unit=people.unit_b,
        cooperating_units=[people.school_a],
        measures=[{"content": "实验小学的措施", "unit": people.school_a}],
    )
    # 实验小学 stops cooperating, but still owns a measure of the problem.
    problem_update(actor=people.oa, problem_id=by_measure.pk, cooperating_units=[])
    make_problem("assigned", lead_unit=people.unit_c, cooperating_units=[people.unit_b])
    # Two problems created in the same instant: the id breaks the tie.
    Problem.objects.filter(pk__in=[both.pk, by_measure.pk]).update(created_at=both.created_at)
    checked = 0
    for name in PEOPLE:
        user = getattr(people, name)
        if access_for(user).covers_every_unit:
            continue  # the list reads those without a scope filter at all
        expected = list(
            visible_problems(user).order_by("-created_at", "-id").values_list("pk", flat=True)
        )
        for size in (1, 2, 50):
            pages = [visible_page(user, offset, size) for offset in range(0, len(expected), size)]
            assert [pk for page in pages for pk, _ in page] == expected, (name, size)
            assert {count for page in pages for _, count in page} <= {len(expected)}, name
        assert visible_page(user, len(expected), 50) == []
        checked += bool(expected)
    assert checked >= 8
    assert [pk for pk, _ in visible_page(people.admin_school, 0, 50)] == [
        by_measure.pk,
        both.pk,
        county_problems["school_a"],
    ]


def test_it_hides_a_problem_from_a_unit_with_no_part_in_it(people, make_problem):
    problem = make_problem("in_progress", cooperating_units=[people.unit_b])
    problem_update(actor=people.oa, problem_id=problem.pk, cooperating_units=[])

    assert problem.pk not in visible(people.admin_b)


def test_it_shows_the_outsider_nothing_of_other_units(people, make_problem):
    for state in ("draft", "in_progress", "closed"):
        make_problem(state)
        make_problem(state, lead_unit=people.unit_b, cooperating_units=[people.unit_a])

    assert visible(people.outsider) == set()


def test_it_follows_the_unit_tree_when_a_unit_moves(people, county_problems):
    # 实验小学 moves from 教育局 to 卫健局: scope follows the tree, not a copy of it.
    people.school_a.parent = people.unit_b
    people.school_a.save()

    assert county_problems["school_a"] in visible(people.admin_b)
    assert county_problems["school_a"] not in visible(people.admin_a)


# --- moving a problem -------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["draft", "assigned", "in_progress"])
def test_it_refuses_to_move_a_problem_outside_the_editors_scope(people, state):
    # oa_a is an office admin of 教育局: it may edit 实验小学's problem, never hand it to 卫健局.
    problem = problem_create(
        actor=people.oa,
        batch=people.batch,
        lead_unit=people.school_a,
        title="t",
        description="d",
        source="audit",
        measures=[{"content": "m", "unit": people.school_a}],
    )
    if state != "draft":
        run(people.oa, problem, "assign")
    if state == "in_progress":
        run(people.admin_school, problem, "acknowledge")
    before = snapshot(problem)

    with pytest.raises(InvalidInput) as refused:
        problem_update(actor=people.oa_a, problem_id=problem.pk, lead_unit=people.unit_b)

    assert "lead_unit" in refused.value.errors
    assert snapshot(problem) == before

    problem_update(actor=people.oa_a, problem_id=problem.pk, lead_unit=people.unit_a)
    problem.refresh_from_db()
    assert problem.lead_unit == people.unit_a
    (entry,) = new_entries(before)
    assert (entry.action, entry.actor_id, entry.changes["lead_unit"]) == (
        "edit",
        people.oa_a.pk,
        [people.school_a.pk, people.unit_a.pk],
    )


def test_it_refuses_a_unit_admin_moving_a_draft_to_another_unit(people, make_problem):
    problem = make_problem("draft")
    before = snapshot(problem)

    with pytest.raises(InvalidInput) as refused:
        problem_update(actor=people.admin_a, problem_id=problem.pk, lead_unit=people.unit_b)

    assert "lead_unit" in refused.value.errors
    assert snapshot(problem) == before


# --- editing a problem (PATCH) ----------------------------------------------------------------


def test_it_lets_the_lead_units_admin_edit_a_draft(people, make_problem):
    problem = make_problem("draft")
    before = snapshot(problem)

    problem_update(actor=people.admin_a, problem_id=problem.pk, title="新标题")

    problem.refresh_from_db()
    assert problem.title == "新标题"
    (entry,) = new_entries(before)
    assert (entry.action, entry.changes) == ("edit", {"title": ["问题标题", "新标题"]})


@pytest.mark.parametrize("state", ["list_review", "assigned", "in_progress", "long_term"])
def test_it_refuses_the_unit_admin_an_edit_after_draft(people, make_problem, state):
    problem = make_problem(state)
    before = snapshot(problem)

    with pytest.raises(ActionForbidden):
        problem_update(actor=people.admin_a, problem_id=problem.pk, title="新标题")

    assert snapshot(problem) == before


@pytest.mark.parametrize("user", ["staff_a", "head_a", "viewer_a", "rev", "leader", "admin_b"])
def test_it_refuses_an_edit_to_everyone_else(people, make_problem, user):
    problem = make_problem("draft", cooperating_units=[people.unit_b])
    before = snapshot(problem)

    with pytest.raises(ActionForbidden):
        problem_update(actor=getattr(people, user), problem_id=problem.pk, title="新标题")

    assert snapshot(problem) == before


@pytest.mark.parametrize(
    "state", ["draft", "list_review", "assigned", "in_progress", "closeout_review", "long_term"]
)
def test_it_lets_an_office_admin_edit_in_any_open_state(people, make_problem, state):
    problem = make_problem(state)

    problem_update(actor=people.oa, problem_id=problem.pk, title="新标题", remark="备注")

    problem.refresh_from_db()
    assert (problem.title, problem.remark, problem.status) == ("新标题", "备注", state)


@pytest.mark.parametrize("state", ["routine", "withdrawn"])
def test_it_refuses_any_edit_of_a_terminal_problem(people, make_problem, state):
    problem = make_problem(state)
    before = snapshot(problem)

    for user in (people.oa, people.root):
        with pytest.raises(InvalidTransition):
            problem_update(actor=user, problem_id=problem.pk, title="新标题")

    assert snapshot(problem) == before


@pytest.mark.parametrize("state", ["assigned", "in_progress", "closeout_review", "long_term"])
def test_it_never_moves_the_due_date_by_a_plain_edit_once_assigned(people, make_problem, state):
    problem = make_problem(state)
    before = snapshot(problem)

    for user in (people.oa, people.root):
        with pytest.raises(InvalidInput) as refused:
            problem_update(actor=user, problem_id=problem.pk, due_date=dt.date(2026, 12, 31))
        assert "due_date" in refused.value.errors

    assert snapshot(problem) == before


def test_it_never_moves_the_due_date_of_a_closed_problem_by_a_plain_edit(people, make_problem):
    # Whether a closed problem's other fields may be edited is not settled by SPEC §3 (closed
    # is "reopen only", not terminal); its due date certainly may not.
    problem = make_problem("closed")
    before = snapshot(problem)

    with pytest.raises((InvalidInput, InvalidTransition)):
        problem_update(actor=people.oa, problem_id=problem.pk, due_date=dt.date(2026, 12, 31))

    assert snapshot(problem) == before


@pytest.mark.parametrize("state", ["draft", "list_review"])
def test_it_lets_the_due_date_be_edited_before_assignment(people, make_problem, state):
    problem = make_problem(state)

    problem_update(actor=people.oa, problem_id=problem.pk, due_date=dt.date(2026, 12, 31))

    problem.refresh_from_db()
    assert problem.due_date == dt.date(2026, 12, 31)


@pytest.mark.parametrize(
    "field, value",
    [
        ("status", "closed"),
        ("rework_count", 0),
        ("reopen_count", 5),
        ("closed_at", None),
        ("original_due_date", dt.date(2027, 1, 1)),
    ],
)
def test_it_never_sets_workflow_fields_by_a_plain_edit(people, make_problem, field, value):
    problem = make_problem("in_progress")
    before = snapshot(problem)

    with pytest.raises(InvalidInput) as refused:
        problem_update(actor=people.root, problem_id=problem.pk, **{field: value})

    assert field in refused.value.errors
    assert snapshot(problem) == before


# --- measures ---------------------------------------------------------------------------------


@pytest.fixture
def shared_problem(people, make_problem):
    """In progress, led by 教育局 with 卫健局 cooperating; one measure each."""
    problem = make_problem(
        "in_progress",
        cooperating_units=[people.unit_b],
        measures=[
            {"content": "教育局的措施", "unit": people.unit_a},
            {"content": "卫健局的措施", "unit": people.unit_b},
        ],
    )
    problem.measure_a = problem.measures.get(unit=people.unit_a)
    problem.measure_b = problem.measures.get(unit=people.unit_b)
    return problem


def test_it_lets_cooperating_staff_edit_the_measures_of_their_own_unit(people, shared_problem):
    before = snapshot(shared_problem)

    measure_update(actor=people.staff_b, measure_id=shared_problem.measure_b.pk, status="done")
    created = measure_create(
        actor=people.staff_b, problem_id=shared_problem.pk, content="新增措施", unit=people.unit_b
    )

    shared_problem.measure_b.refresh_from_db()
    assert shared_problem.measure_b.status == "done"
    assert (created.unit, created.seq) == (people.unit_b, 3)
    assert [e.action for e in new_entries(before)] == ["measure_update", "measure_add"]


def test_it_refuses_cooperating_staff_the_measures_of_other_units(people, shared_problem):
    before = snapshot(shared_problem)

    with pytest.raises(ActionForbidden):
        measure_update(actor=people.staff_b, measure_id=shared_problem.measure_a.pk, status="done")
    with pytest.raises(ActionForbidden):
        measure_create(
            actor=people.staff_b, problem_id=shared_problem.pk, content="x", unit=people.unit_a
        )
    with pytest.raises(ActionForbidden):  # the lead unit is the default unit
        measure_create(actor=people.staff_b, problem_id=shared_problem.pk, content="x")
    with pytest.raises(ActionForbidden):  # nor hand their own measure to the lead unit
        measure_update(
            actor=people.staff_b, measure_id=shared_problem.measure_b.pk, unit=people.unit_a
        )

    assert snapshot(shared_problem) == before


def test_it_lets_the_lead_unit_edit_every_measure(people, shared_problem):
    measure_update(actor=people.staff_a, measure_id=shared_problem.measure_b.pk, status="done")
    measure_update(
        actor=people.admin_a, measure_id=shared_problem.measure_a.pk, due_date=dt.date(2026, 5, 1)
    )
    measure_create(
        actor=people.staff_a, problem_id=shared_problem.pk, content="x", unit=people.unit_b
    )

    assert Measure.objects.filter(problem=shared_problem).count() == 3
    shared_problem.measure_b.refresh_from_db()
    assert shared_problem.measure_b.status == "done"


@pytest.mark.parametrize(
    "user", ["head_a", "viewer_a", "oa", "rev", "leader", "head_b", "outsider"]
)
def test_it_refuses_measure_edits_to_other_roles(people, shared_problem, user):
    before = snapshot(shared_problem)

    with pytest.raises(ActionForbidden):
        measure_update(
            actor=getattr(people, user), measure_id=shared_problem.measure_a.pk, status="done"
        )
    with pytest.raises(ActionForbidden):
        measure_create(actor=getattr(people, user), problem_id=shared_problem.pk, content="x")

    assert snapshot(shared_problem) == before


def test_it_refuses_a_measure_for_a_unit_that_is_neither_lead_nor_cooperating(
    people, shared_problem
):
    before = snapshot(shared_problem)

    with pytest.raises(InvalidInput) as refused:
        measure_create(
            actor=people.admin_a, problem_id=shared_problem.pk, content="x", unit=people.unit_c
        )

    assert "unit" in refused.value.errors
    assert snapshot(shared_problem) == before


@pytest.mark.parametrize("state", ["closeout_review", "closed", "routine", "withdrawn"])
def test_it_freezes_measures_outside_the_working_states(people, make_problem, state):
    problem = make_problem(state)
    measure = problem.measures.first()
    before = snapshot(problem)

    with pytest.raises(InvalidTransition):
        measure_update(actor=people.admin_a, measure_id=measure.pk, content="改")
    with pytest.raises(InvalidTransition):
        measure_create(actor=people.admin_a, problem_id=problem.pk, content="x")

    assert snapshot(problem) == before


# --- granting roles ---------------------------------------------------------------------------


def test_it_lets_an_office_admin_grant_roles_within_scope(people):
    newcomer = make_user("newcomer")

    membership_grant(actor=people.oa_a, user=newcomer, unit=people.school_a, role=Role.VIEWER)
    membership_grant(actor=people.oa_a, user=newcomer, unit=people.unit_a, role=Role.OFFICE_ADMIN)

    assert set(newcomer.memberships.values_list("unit__code", "role")) == {
        ("SYXX", "viewer"),
        ("JYJ", "office_admin"),
    }


@pytest.mark.parametrize(
    "unit, role",
    [
        ("unit_b", Role.VIEWER),  # beside its scope
        ("county", Role.VIEWER),  # above it
        ("county", Role.OFFICE_ADMIN),  # never office_admin above its own unit
        ("office", Role.OFFICE_REVIEWER),
    ],
)
def test_it_refuses_an_office_admin_granting_outside_scope(people, unit, role):
    newcomer = make_user("newcomer")

    with pytest.raises(InvalidInput) as refused:
        membership_grant(actor=people.oa_a, user=newcomer, unit=getattr(people, unit), role=role)

    assert "unit" in refused.value.errors
    assert not Membership.objects.filter(user=newcomer).exists()


@pytest.mark.parametrize("actor", ["admin_a", "head_a", "rev", "leader", "viewer_a"])
def test_it_refuses_grants_by_anyone_but_office_admins(people, actor):
    newcomer = make_user("newcomer")

    with pytest.raises(ActionForbidden):
        membership_grant(
            actor=getattr(people, actor), user=newcomer, unit=people.unit_a, role=Role.VIEWER
        )

    assert not Membership.objects.filter(user=newcomer).exists()


def test_it_refuses_to_revoke_a_membership_outside_scope(people):
    membership = people.admin_b.memberships.get()

    with pytest.raises(ActionForbidden):
        membership_revoke(actor=people.oa_a, membership=membership)

    assert Membership.objects.filter(pk=membership.pk).exists()
    membership_revoke(actor=people.oa, membership=membership)
    assert not Membership.objects.filter(pk=membership.pk).exists()
