"""The smaller frictions of issue 16 that the pages fix: what is offered and pre-filled."""

import pytest

pytestmark = pytest.mark.django_db


def _forms(response):
    return {f.name: f for f in response.context["action_forms"]}


def test_it_prefills_the_assign_due_date_from_the_batch(cast, make_problem, web):
    problem = make_problem("draft", due_date=None)  # registered without one: the batch's
    form = _forms(web(cast.oa).get(f"/problems/{problem.pk}/"))["assign"]
    assert {f.name: f.value for f in form.fields}["due_date"] == "2026-06-30"


def test_it_offers_only_assign_to_the_office_where_the_batch_needs_no_list_review(
    cast, make_problem, web
):
    plain = make_problem("draft")
    reviewed = make_problem("draft", batch=cast.reviewed_batch)
    assert "submit" not in _forms(web(cast.oa).get(f"/problems/{plain.pk}/"))
    assert "assign" in _forms(web(cast.oa).get(f"/problems/{plain.pk}/"))
    assert {"submit", "assign"} <= set(_forms(web(cast.oa).get(f"/problems/{reviewed.pk}/")))
    # The liaison may not 交办: 提交 is their one way forward.
    forms = _forms(web(cast.admin_a).get(f"/problems/{plain.pk}/"))
    assert "submit" in forms and "assign" not in forms


@pytest.mark.parametrize("who", ["admin_a", "staff_a", "head_a", "oa", "leader"])
def test_it_links_the_dashboard_for_every_unit_role(cast, web, who):
    client = web(getattr(cast, who))
    assert 'href="/dashboard/"' in client.get("/").content.decode()
    assert client.get("/dashboard/").status_code == 200


def test_it_groups_measure_owners_by_unit_in_tree_order(cast, make_problem, web):
    problem = make_problem("assigned", cooperating_units=[cast.unit_b])
    form = web(cast.root).get(f"/problems/{problem.pk}/").context["measure_form"]
    groups = [name for name, _people in form.fields["owner"].choices[1:]]
    assert groups == ["教育局", "卫健局"]  # the problem's units only, in tree order
    units = [label for _value, label in form.fields["unit"].choices]
    assert units == ["教育局", "卫健局"]


def test_it_opens_the_action_a_card_links_to(cast, make_problem, web):
    problem = make_problem("assigned")
    client = web(cast.admin_a)
    rows = client.get("/problems/").context["rows"]
    assert rows[0].next_action.name == "acknowledge"
    forms = _forms(client.get(f"/problems/{problem.pk}/?open=acknowledge"))
    assert forms["acknowledge"].open
    assert client.get(f"/problems/{problem.pk}/?open=progress").context["progress_form_open"]


def test_it_assigns_from_the_page_with_the_working_days_box_left_blank(cast, make_problem, web):
    problem = make_problem("draft")
    response = web(cast.oa).post(
        f"/problems/{problem.pk}/actions/assign/",
        {"due_date": "2026-07-31", "due_in_working_days": "", "comment": ""},
    )
    assert response.status_code == 302 and response["Location"] == f"/problems/{problem.pk}/"
    problem.refresh_from_db()
    assert (problem.status, problem.due_date.isoformat()) == ("assigned", "2026-07-31")
