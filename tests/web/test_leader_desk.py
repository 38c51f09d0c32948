"""The responsible leader's 待办 on one screen: steps to sign, his or her problems by light with
the overdue ones first, 督办 awaiting a reply, recent escalations (issue 16 item 8)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from issues.models import Membership
from issues.selectors.leader_desk import leader_desk
from issues.services.workflow import perform_action
from tests.conftest import TODAY, make_user

pytestmark = pytest.mark.django_db
QUERIES = 10  # the desk's reads, whatever the number of problems (the inbox's included)


def _section(body: str, key: str) -> str:
    start = body.index(f'id="{key}"')
    return body[start : body.find("</section>", start)]


def _count(body: str, key: str) -> str:
    start = body.index(f'data-testid="desk-count-{key}"')
    start = body.index('class="num">', start) + len('class="num">')
    return body[start : body.index("<", start)]


def _days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


@pytest.fixture
def desk(cast, make_problem):
    return make_desk(cast, make_problem)


def make_desk(cast, make_problem):
    """The leader's problems: two overdue, one due in three days, one far off; one of another
    leader; a close-out request waiting at the leader's step; a letter and an escalation."""
    mine = {"responsible_leader": cast.leader}
    p = {
        "late": make_problem("in_progress", title="逾期较久", due_date=_days_ago(12), **mine),
        "later": make_problem(
            "in_progress", title="刚刚逾期", due_date=_days_ago(2), lead_unit=cast.unit_b, **mine
        ),
        "soon": make_problem(
            "in_progress", title="三天后到期", due_date=TODAY + dt.timedelta(3), **mine
        ),
        "fine": make_problem("in_progress", title="进展正常", **mine),
    }
    other = make_user("leader2", unit=cast.county, role="leader")
    make_problem(
        "in_progress", title="别人负责的逾期问题", due_date=_days_ago(5), responsible_leader=other
    )
    sign = make_problem("closeout_review", batch=cast.reviewed_batch, title="待领导签批", **mine)
    for reviewer in (cast.head_a, cast.rev):
        perform_action(problem_id=sign.pk, action="approve_closeout", actor=reviewer)
    p["sign"] = sign
    perform_action(
        problem_id=p["late"].pk,
        action="supervise",
        actor=cast.rev,
        data={
            "kind": "letter",
            "content": "请于三日内报送整改情况",
            "reply_due_date": "2026-03-05",
        },
    )
    perform_action(
        problem_id=p["later"].pk,
        action="supervise",
        actor=None,
        data={"kind": "listed", "content": "逾期超过规定天数，系统自动挂牌督办。"},
    )
    return p


def test_it_puts_what_needs_the_leader_on_one_screen(cast, web, desk):
    body = web(cast.leader).get("/").content.decode()
    assert 'data-testid="leader-desk"' in body
    # Steps to sign: the leader step of the close-out request, linked to the inbox.
    assert _count(body, "signoff") == "1"
    signoff = _section(body, "signoff")
    assert desk["sign"].code in signoff and "责任领导" in signoff
    assert "销号申请 1 件 · 延期申请 0 件" in signoff
    assert "/reviews/#review-" in signoff
    # His or her problems by light, the other leader's not counted.
    assert (_count(body, "red"), _count(body, "yellow"), _count(body, "green")) == ("2", "1", "2")
    red_link = f"/problems/?responsible_leader={cast.leader.pk}&amp;light=red&amp;ordering=due_date"
    assert red_link in body
    # Overdue first, most days overdue on top, with unit and days; then the yellow one.
    mine = _section(body, "my-problems")
    assert "别人负责的逾期问题" not in mine and "进展正常" not in mine
    assert mine.index("逾期较久") < mine.index("刚刚逾期") < mine.index("三天后到期")
    assert "逾期 12 天" in mine and "逾期 2 天" in mine and "卫健局" in mine
    assert f'href="/problems/{desk["late"].pk}/"' in mine
    # 督办 awaiting a reply, and the system's escalation.
    supervision = _section(body, "desk-supervision")
    assert _count(body, "supervision") == "2"
    assert "督办函" in supervision and "回复期限 2026-03-05" in supervision
    assert "挂牌督办中的问题 1 个" in supervision
    escalations = _section(body, "desk-escalations")
    assert _count(body, "escalations") == "1"
    assert desk["later"].code in escalations and desk["late"].code not in escalations
    # Not the old list of notices: no county-wide overdue list, no second review list.
    assert 'id="overdue"' not in body and 'id="reviews"' not in body


def test_it_links_each_light_to_the_leaders_own_problems(cast, web, desk):
    client = web(cast.leader)
    url = f"/problems/?responsible_leader={cast.leader.pk}&light=red&ordering=due_date"
    page = client.get(url).content.decode()
    assert "逾期较久" in page and "刚刚逾期" in page
    assert "别人负责的逾期问题" not in page and "三天后到期" not in page


def test_it_forgets_escalations_older_than_thirty_days(cast, web, desk, _today):
    _today.shift(dt.timedelta(days=31))
    body = web(cast.leader).get("/").content.decode()
    assert _count(body, "escalations") == "0"
    assert "近期没有逾期升级的问题。" in body


def test_it_keeps_the_home_page_of_other_roles(cast, web, desk):
    body = web(cast.rev).get("/").content.decode()
    assert 'data-testid="leader-desk"' not in body
    assert 'id="overdue"' in body and 'id="reviews"' in body
    # A leader who is also an office reviewer keeps the office's scope-wide overdue list.
    Membership.objects.create(user=cast.leader, unit=cast.county, role="office_reviewer")
    body = web(cast.leader).get("/").content.decode()
    assert 'data-testid="leader-desk"' in body
    assert "别人负责的逾期问题" in _section(body, "overdue")


def test_it_reads_the_desk_in_the_same_number_of_queries_for_many_problems(
    cast, make_problem, web, django_assert_max_num_queries
):
    client = web(cast.leader)

    def add_problems(n):
        for _ in range(n):
            problem = make_problem("in_progress", due_date=_days_ago(3), **mine)
            perform_action(
                problem_id=problem.pk,
                action="supervise",
                actor=None,
                data={"kind": "listed", "content": "系统自动挂牌督办。"},
            )

    mine = {"responsible_leader": cast.leader}
    add_problems(1)
    with CaptureQueriesContext(connection) as one:
        client.get("/")
    with django_assert_max_num_queries(QUERIES):
        leader_desk(cast.leader, TODAY)
    add_problems(12)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get("/").status_code == 200
    with django_assert_max_num_queries(QUERIES):
        desk = leader_desk(cast.leader, TODAY)
    assert desk.lights["red"] == 13 and len(desk.attention) == 5
    assert desk.escalation_count == 13 and len(desk.escalations) == 5
