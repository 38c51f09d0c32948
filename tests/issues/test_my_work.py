"""my_work(user): the home page's sections, read by one selector."""

import pytest

from issues.selectors.my_work import my_work

pytestmark = pytest.mark.django_db


def _keys(work):
    return [s.key for s in work.sections]


def test_it_gives_a_unit_admin_the_problems_to_acknowledge(cast, make_problem):
    problem = make_problem("assigned")
    work = my_work(cast.admin_a)
    acknowledge = work.sections[_keys(work).index("acknowledge")]
    assert [p.pk for p in acknowledge.items] == [problem.pk]
    assert acknowledge.count == 1 and work.desk is None
    assert [p.pk for p in my_work(cast.admin_b).sections[0].items] == []


def test_it_gives_a_leader_the_desk_instead_of_the_review_and_overdue_lists(cast, make_problem):
    make_problem("in_progress")
    leader = my_work(cast.leader)
    assert leader.desk is not None
    assert "reviews" not in _keys(leader) and "overdue" not in _keys(leader)
    office = my_work(cast.oa)
    assert office.desk is None and {"assign", "overdue"} <= set(_keys(office))


def test_it_reverses_the_links_to_the_rest(cast):
    more = {s.key: s.more_url for s in my_work(cast.oa).sections}
    assert more["assign"] == "/problems/?status=draft"
    assert more["overdue"] == "/problems/?overdue=true&ordering=due_date"


def test_it_sums_the_sections_and_the_desk(cast, make_problem):
    make_problem("assigned")
    make_problem("draft")
    work = my_work(cast.oa)
    assert work.total == sum(s.count for s in work.sections) >= 1
