"""登记问题 and 编辑问题: who may use the pages, and that they keep the API's rules (SPEC §3)."""

import datetime as dt

import pytest

from issues.models import Problem
from ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db


def _form(cast, **changes):
    data = {
        "batch": cast.batch.pk,
        "title": "村级财务公开不及时",
        "description": "部分村财务公开滞后两个季度。",
        "target": "按季度公开",
        "lead_unit": cast.unit_a.pk,
        "cooperating_units": [cast.unit_b.pk],
        "source": "circuit_inspection",
        "origin": "new",
        "severity": "normal",
        "rectify_type": "time_bound",
        "due_date": "2026-05-31",
        "generalization_note": "举一反三排查全部学校",
        "mechanism_note": "建立季度公开制度",
        "measures-TOTAL_FORMS": "3",
        "measures-INITIAL_FORMS": "0",
        "measures-MIN_NUM_FORMS": "0",
        "measures-MAX_NUM_FORMS": "50",
        "measures-0-content": "制定公开清单",
        "measures-0-unit": "",
        "measures-0-due_date": "2026-04-15",
        "measures-1-content": "卫健局配合核查",
        "measures-1-unit": cast.unit_b.pk,
        "measures-1-owner": cast.staff_b.pk,
        "measures-1-due_date": "",
        "measures-2-content": "",
    }
    data.update(changes)
    return data


def _edit_form(problem, **changes):
    data = {
        "title": problem.title,
        "description": problem.description,
        "target": problem.target,
        "lead_unit": problem.lead_unit_id,
        "cooperating_units": [u.pk for u in problem.cooperating_units.all()],
        "source": problem.source,
        "origin": problem.origin,
        "severity": problem.severity,
        "rectify_type": problem.rectify_type,
        "due_date": problem.due_date.isoformat() if problem.due_date else "",
    }
    data.update(changes)
    return data


def test_it_registers_a_problem_with_its_measures_through_the_service(cast, web):
    response = web(cast.oa).post("/problems/new/", _form(cast))
    problem = Problem.objects.get(title="村级财务公开不及时")
    assert response.status_code == 302
    assert response["Location"] == f"/problems/{problem.pk}/"
    assert problem.status == "draft"
    assert problem.code == "2024-XC3-001"
    assert problem.generalization_note == "举一反三排查全部学校"
    assert problem.mechanism_note == "建立季度公开制度"
    assert list(problem.cooperating_units.all()) == [cast.unit_b]
    measures = list(
        problem.measures.order_by("seq").values_list("seq", "unit", "owner", "due_date")
    )
    assert measures == [
        (1, cast.unit_a.pk, None, dt.date(2026, 4, 15)),
        (2, cast.unit_b.pk, cast.staff_b.pk, dt.date(2026, 5, 31)),
    ]
    assert LedgerEntry.objects.filter(problem_id=problem.pk, action="create").count() == 1


def test_it_lets_the_lead_units_liaison_register_for_their_own_unit_only(cast, web):
    client = web(cast.admin_a)
    own = {
        "cooperating_units": [cast.school_a.pk],
        "measures-1-unit": cast.school_a.pk,
        "measures-1-owner": cast.staff_a.pk,
    }
    assert client.get("/problems/new/").status_code == 200
    assert client.post("/problems/new/", _form(cast, **own)).status_code == 302
    assert Problem.objects.get().measures.count() == 2
    response = client.post(
        "/problems/new/", _form(cast, title="别的单位", lead_unit=cast.unit_b.pk, **own)
    )
    assert response.status_code == 400
    assert "lead_unit" in response.context["form"].errors
    assert not Problem.objects.filter(title="别的单位").exists()


@pytest.mark.parametrize("who", ["rev", "leader", "head_a", "staff_a", "viewer_a"])
def test_it_refuses_the_register_page_to_roles_that_may_not_register(cast, web, who):
    client = web(getattr(cast, who))
    assert client.get("/problems/new/").status_code == 403
    assert client.post("/problems/new/", _form(cast)).status_code == 403
    assert not Problem.objects.exists()
    assert "登记问题" not in client.get("/problems/").content.decode()


def test_it_keeps_the_entered_values_when_a_measure_unit_is_neither_lead_nor_cooperating(cast, web):
    data = _form(cast, **{"measures-0-unit": cast.unit_c.pk})
    response = web(cast.oa).post("/problems/new/", data)
    assert response.status_code == 400
    assert "第1条措施的责任单位须为牵头单位或配合单位。" in response.content.decode()
    assert 'value="村级财务公开不及时"' in response.content.decode()
    assert not Problem.objects.exists()


def test_it_offers_the_register_button_to_office_admins_and_liaisons(cast, web):
    for user in (cast.oa, cast.admin_a):
        assert 'href="/problems/new/"' in web(user).get("/problems/").content.decode()


def test_it_edits_a_draft_with_the_notes_and_records_only_what_changed(cast, make_problem, web):
    problem = make_problem("draft")
    data = _edit_form(problem, title="改正后的标题", mechanism_note="建立长效机制")
    response = web(cast.admin_a).post(f"/problems/{problem.pk}/edit/", data)
    assert response.status_code == 302
    problem.refresh_from_db()
    assert (problem.title, problem.mechanism_note) == ("改正后的标题", "建立长效机制")
    entry = LedgerEntry.objects.filter(problem_id=problem.pk, action="edit").get()
    assert set(entry.changes) == {"title", "mechanism_note"}


def test_it_refuses_the_unit_liaison_once_the_problem_left_draft(cast, make_problem, web):
    problem = make_problem("assigned")
    client = web(cast.admin_a)
    assert client.get(f"/problems/{problem.pk}/edit/").status_code == 403
    response = client.post(f"/problems/{problem.pk}/edit/", _edit_form(problem, title="改"))
    assert response.status_code == 403
    assert Problem.objects.get(pk=problem.pk).title == "问题标题"


@pytest.mark.parametrize("who", ["rev", "leader", "head_a", "staff_a", "viewer_a", "admin_b"])
def test_it_refuses_the_edit_page_to_other_roles(cast, make_problem, web, who):
    problem = make_problem("draft", cooperating_units=[cast.unit_b])
    client = web(getattr(cast, who))
    assert client.get(f"/problems/{problem.pk}/edit/").status_code == 403
    assert client.post(f"/problems/{problem.pk}/edit/", _edit_form(problem)).status_code == 403


def test_it_answers_404_outside_scope(cast, make_problem, web):
    problem = make_problem("draft")
    client = web(cast.outsider)
    assert client.get(f"/problems/{problem.pk}/edit/").status_code == 404
    assert client.post(f"/problems/{problem.pk}/edit/", _edit_form(problem)).status_code == 404


def test_it_refuses_edits_of_a_closed_or_withdrawn_problem(cast, make_problem, web):
    for state in ("closed", "withdrawn"):
        problem = make_problem(state)
        assert web(cast.oa).get(f"/problems/{problem.pk}/edit/").status_code == 403


def test_it_never_changes_the_due_date_by_a_plain_edit_once_assigned(cast, make_problem, web):
    problem = make_problem("in_progress")
    client = web(cast.oa)
    page = client.get(f"/problems/{problem.pk}/edit/").content.decode()
    assert 'name="due_date" value="2026-06-30"' in page and "readonly" in page
    data = _edit_form(problem, due_date="2026-12-31", title="新标题")
    response = client.post(f"/problems/{problem.pk}/edit/", data)
    assert response.status_code == 400
    assert "交办后不能直接修改整改时限。" in response.content.decode()
    problem.refresh_from_db()
    assert (problem.due_date, problem.title) == (dt.date(2026, 6, 30), "问题标题")


def test_it_lets_the_office_admin_edit_an_assigned_problem(cast, make_problem, web):
    problem = make_problem("in_progress")
    response = web(cast.oa).post(
        f"/problems/{problem.pk}/edit/", _edit_form(problem, title="新标题")
    )
    assert response.status_code == 302
    assert Problem.objects.get(pk=problem.pk).title == "新标题"


def test_it_refuses_to_move_a_problem_outside_the_editors_scope(cast, make_problem, web):
    problem = make_problem("draft")
    response = web(cast.admin_a).post(
        f"/problems/{problem.pk}/edit/", _edit_form(problem, lead_unit=cast.unit_c.pk)
    )
    assert response.status_code == 400
    assert Problem.objects.get(pk=problem.pk).lead_unit_id == cast.unit_a.pk


def test_it_lists_units_in_tree_order_and_people_under_their_unit(cast, web):
    form = web(cast.oa).get("/problems/new/").context["form"]
    units = [label for _value, label in form.fields["cooperating_units"].choices]
    assert units.index("县委") < units.index("\u3000教育局") < units.index("\u3000\u3000实验小学")
    groups = dict(form.fields["owner"].choices[1:])
    assert (cast.staff_b.pk, "staff_b") in groups["卫健局"]
    assert (cast.staff_b.pk, "staff_b") not in groups["教育局"]


def test_it_offers_the_eligible_leaders_and_the_service_refuses_others(cast, web):
    client = web(cast.admin_a)
    form = client.get("/problems/new/").context["form"]
    offered = [
        pk for _unit, people in form.fields["responsible_leader"].choices[1:] for pk, _n in people
    ]
    assert offered == [cast.leader.pk]  # the county's leader, though outside 教育局's scope
    own = {"cooperating_units": [], "measures-1-unit": "", "measures-1-owner": ""}
    response = client.post("/problems/new/", _form(cast, responsible_leader=cast.leader.pk, **own))
    assert response.status_code == 302
    assert Problem.objects.get().responsible_leader == cast.leader
    response = client.post(
        "/problems/new/", _form(cast, title="x", responsible_leader=cast.head_a.pk, **own)
    )
    assert response.status_code == 400
    assert not Problem.objects.filter(title="x").exists()
