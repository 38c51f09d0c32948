"""Issue 10 item 6: the problem page says who may sign each open review step, and why the
reader may not sign the current one — not just a refusal."""

import pytest

from issues.models import Membership, Role
from issues.selectors.leaders import LEADER_RULE
from tests.issues.workflow_cases import make_situation, run

pytestmark = pytest.mark.django_db


def page(web, user, problem) -> str:
    response = web(user).get(f"/problems/{problem.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_it_names_who_may_sign_each_open_step(cast, make_problem, web):
    problem = make_situation(
        cast, make_problem, "closeout_unit_head_step", batch=cast.reviewed_batch,
        responsible_leader=cast.leader,
    )  # fmt: skip

    html = page(web, cast.staff_a, problem)

    assert "由牵头单位的单位主要负责人审核：head_a" in html
    assert "由管辖范围含牵头单位的整改办审核员或整改办管理员审核：oa、rev" in html
    assert f"由本问题的责任领导审批（{LEADER_RULE.rstrip('。')}）：leader" in html
    assert "您不能审核当前环节：您不是当前审核环节的审核人。" in html


def test_it_tells_the_applicant_and_an_earlier_signer_why_not(cast, make_problem, web):
    problem = make_situation(cast, make_problem, "closeout_unit_head_step")

    assert "您不能审核当前环节：不能审核本人提交的申请。" in page(web, cast.admin_a, problem)
    run(cast.head_a, problem, "approve_closeout")
    # head_a also holds no office role: the office step is simply not theirs.
    assert "您不能审核当前环节" in page(web, cast.head_a, problem)
    assert "您不能审核当前环节" not in page(web, cast.rev, problem)


def test_it_warns_when_the_named_leader_no_longer_qualifies(cast, make_problem, web):
    problem = make_situation(
        cast, make_problem, "closeout_leader_step", responsible_leader=cast.leader
    )
    Membership.objects.filter(user=cast.leader, role=Role.LEADER).update(role=Role.VIEWER)

    html = page(web, cast.leader, problem)

    assert "当前责任领导leader已不符合条件" in html
    assert "请整改办管理员更换责任领导" in html
    assert "您已不符合责任领导条件" in html
