"""审核: the steps a user may decide, with what the decision needs, decided in place."""

import pytest

from issues.models import Problem

pytestmark = pytest.mark.django_db


def test_it_lists_the_steps_each_reviewer_may_decide_now(cast, make_problem, web):
    problem = make_problem("closeout_review", title="食堂问题")
    items = web(cast.head_a).get("/reviews/").context["items"]
    assert [(i["problem"].pk, i["step_label"]) for i in items] == [(problem.pk, "单位负责人审核")]
    assert [f.name for f in items[0]["forms"]] == ["approve_closeout", "reject_closeout"]
    assert items[0]["evidence"] and items[0]["self_check"]
    assert web(cast.rev).get("/reviews/").context["items"] == []
    assert web(cast.head_b).get("/reviews/").context["items"] == []
    assert web(cast.outsider).get("/reviews/").context["items"] == []


def test_it_approves_in_place_and_returns_to_the_inbox(cast, make_problem, web):
    problem = make_problem("closeout_review")
    response = web(cast.head_a).post(
        f"/problems/{problem.pk}/actions/approve_closeout/",
        {"comment": "同意", "from": "reviews", "next": "/reviews/"},
    )
    assert response.status_code == 302 and response["Location"] == "/reviews/"
    items = web(cast.rev).get("/reviews/").context["items"]
    assert [i["problem"].pk for i in items] == [problem.pk]


def test_it_keeps_a_rejection_without_requirement_in_the_inbox_form(cast, make_problem, web):
    problem = make_problem("closeout_review")
    client = web(cast.head_a)
    response = client.post(
        f"/problems/{problem.pk}/actions/reject_closeout/",
        {"comment": "", "from": "reviews", "next": "/reviews/"},
    )
    assert response.status_code == 302 and response["Location"] == "/reviews/"
    response = client.get("/reviews/")
    form = response.context["items"][0]["forms"][1]
    assert form.name == "reject_closeout" and form.open and form.fields[0].errors
    assert Problem.objects.get(pk=problem.pk).status == "closeout_review"


def test_it_says_when_someone_else_was_faster(cast, make_problem, web):
    problem = make_problem("closeout_review")
    web(cast.head_a).post(f"/problems/{problem.pk}/actions/approve_closeout/")
    response = web(cast.head_a).post(
        f"/problems/{problem.pk}/actions/approve_closeout/", {"from": "reviews"}, follow=True
    )
    assert response.redirect_chain == [("/reviews/", 302)]
    assert "未能销号审核通过" in response.content.decode()


def test_it_hides_the_review_link_from_roles_that_never_review(cast, web):
    assert 'href="/reviews/"' not in web(cast.staff_a).get("/").content.decode()
    assert 'href="/reviews/"' in web(cast.leader).get("/").content.decode()
