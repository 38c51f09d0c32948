"""Issue 10 item 1: the responsible leader (责任领导) must hold a `leader` membership whose scope
covers the lead unit — at every door that sets it (API create and PATCH, Excel import, Django
admin), again when the `leader` step is decided, and frozen while a request is pending."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from issues.models import Membership, Problem, Role
from issues.selectors.leaders import LEADER_RULE, is_eligible_leader, leaders_eligible_for
from ledger.models import LedgerEntry
from tests.api.conftest import assert_error
from tests.conftest import make_user

from .workflow_cases import make_situation, run, snapshot


@pytest.fixture
def leaders(people):
    """A leader of 教育局 only (covers 实验小学 below it, not 卫健局)."""
    people.leader_a = make_user("leader_a", unit=people.unit_a, role=Role.LEADER)
    return people


def create_body(c, **fields):
    return {
        "batch": c.batch.pk,
        "title": "问题",
        "description": "具体表现",
        "lead_unit": c.unit_a.pk,
        "source": "audit",
        "due_date": "2026-06-30",
        **fields,
    }


# --- who is eligible ---------------------------------------------------------------------------


def test_it_lists_only_leaders_whose_scope_covers_the_lead_unit(leaders):
    c = leaders

    assert set(leaders_eligible_for(c.unit_a)) == {c.leader, c.leader2, c.leader_a}
    assert set(leaders_eligible_for(c.school_a)) == {c.leader, c.leader2, c.leader_a}
    assert set(leaders_eligible_for(c.unit_b)) == {c.leader, c.leader2}
    for person in (c.staff_a, c.head_a, c.admin_a, c.oa, c.rev, c.root):
        assert not is_eligible_leader(person, c.unit_a)


def test_it_drops_a_leader_who_was_deactivated(leaders):
    leaders.leader_a.is_active = False
    leaders.leader_a.save()

    assert leaders.leader_a not in leaders_eligible_for(leaders.unit_a)


# --- API create and PATCH ----------------------------------------------------------------------


def test_it_refuses_a_staffer_as_leader_on_create(leaders, api):
    c = leaders
    before = Problem.objects.count()

    response = api(c.admin_a).post(
        "/api/v1/problems/", create_body(c, responsible_leader=c.staff_a.pk), format="json"
    )

    body = assert_error(response, 400, "validation_error", "responsible_leader")
    assert body["errors"]["responsible_leader"] == [LEADER_RULE]
    assert Problem.objects.count() == before


def test_it_refuses_a_leader_of_another_unit_on_create(leaders, api):
    c = leaders
    response = api(c.oa).post(
        "/api/v1/problems/",
        create_body(c, lead_unit=c.unit_b.pk, responsible_leader=c.leader_a.pk),
        format="json",
    )
    assert_error(response, 400, "validation_error", "responsible_leader")


def test_it_accepts_an_eligible_leader_on_create(leaders, api):
    c = leaders
    response = api(c.admin_a).post(
        "/api/v1/problems/", create_body(c, responsible_leader=c.leader_a.pk), format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["responsible_leader"] == c.leader_a.pk


def test_it_refuses_an_office_admin_patching_themselves_in_as_leader(leaders, make_problem, api):
    c = leaders
    problem = make_problem("in_progress", responsible_leader=c.leader)
    before = snapshot(problem)

    for person in (c.oa, c.staff_a):
        response = api(c.oa).patch(
            f"/api/v1/problems/{problem.pk}/", {"responsible_leader": person.pk}, format="json"
        )
        assert_error(response, 400, "validation_error", "responsible_leader")
    assert snapshot(problem) == before


def test_it_refuses_moving_the_lead_unit_beyond_the_leaders_scope(leaders, make_problem, api):
    c = leaders
    problem = make_problem("draft", responsible_leader=c.leader_a)

    response = api(c.oa).patch(
        f"/api/v1/problems/{problem.pk}/", {"lead_unit": c.unit_b.pk}, format="json"
    )

    assert_error(response, 400, "validation_error", "responsible_leader")
    problem.refresh_from_db()
    assert problem.lead_unit == c.unit_a


@pytest.mark.parametrize("situation", ["closeout_office_step", "extension_extend_head"])
def test_it_freezes_leader_and_lead_unit_while_a_request_is_pending(
    leaders, make_problem, api, situation
):
    c = leaders
    problem = make_situation(c, make_problem, situation, responsible_leader=c.leader)
    before = snapshot(problem)

    for body in ({"responsible_leader": c.leader2.pk}, {"lead_unit": c.unit_b.pk}):
        response = api(c.oa).patch(f"/api/v1/problems/{problem.pk}/", body, format="json")
        payload = assert_error(response, 400, "validation_error", *body)
        assert "待审核" in payload["detail"]
    assert snapshot(problem) == before


def test_it_lets_a_leader_who_lost_the_role_be_replaced_while_pending(leaders, make_problem, api):
    c = leaders
    problem = make_situation(c, make_problem, "closeout_leader_step", responsible_leader=c.leader2)
    Membership.objects.filter(user=c.leader2, role=Role.LEADER).update(role=Role.VIEWER)

    staffer = api(c.oa).patch(
        f"/api/v1/problems/{problem.pk}/", {"responsible_leader": c.staff_a.pk}, format="json"
    )
    assert_error(staffer, 400, "validation_error", "responsible_leader")
    response = api(c.oa).patch(
        f"/api/v1/problems/{problem.pk}/", {"responsible_leader": c.leader.pk}, format="json"
    )

    assert response.status_code == 200, response.json()
    run(c.leader, problem, "approve_closeout")
    problem.refresh_from_db()
    assert problem.status == "closed"


# --- the leader step ---------------------------------------------------------------------------


def test_it_refuses_the_leader_step_to_a_stored_leader_who_became_ineligible(
    leaders, make_problem, act, api
):
    c = leaders
    problem = make_situation(c, make_problem, "closeout_leader_step", responsible_leader=c.leader2)
    Membership.objects.filter(user=c.leader2, role=Role.LEADER).update(role=Role.VIEWER)
    before = snapshot(problem)

    outcome = act(c.leader2, problem, "approve_closeout", {"comment": "同意"})

    assert (outcome.status, outcome.code) == (403, "permission_denied")
    assert "责任领导" in outcome.body["detail"]
    assert snapshot(problem) == before
    assert api(c.leader2).get("/api/v1/reviews/pending/").json()["results"] == []


def test_it_refuses_a_leader_step_named_before_the_rule(leaders, make_problem, act):
    """A staffer stored as leader by an old version (or by a raw write): cannot sign."""
    c = leaders
    problem = make_situation(
        c, make_problem, "closeout_office_step", batch=c.reviewed_batch, responsible_leader=c.leader
    )
    Problem.objects.filter(pk=problem.pk).update(responsible_leader=c.staff_a)
    run(c.rev, problem, "approve_closeout")  # → the leader step
    before = snapshot(problem)

    outcome = act(c.staff_a, problem, "approve_closeout", {"comment": "同意"})

    assert (outcome.status, outcome.code) == (403, "permission_denied")
    assert snapshot(problem) == before


def test_it_refuses_to_file_a_leader_chain_request_with_an_ineligible_leader(
    leaders, make_problem, act
):
    c = leaders
    problem = make_situation(
        c, make_problem, "in_progress_ready", batch=c.reviewed_batch, responsible_leader=c.leader
    )
    Problem.objects.filter(pk=problem.pk).update(responsible_leader=c.staff_a)
    before = snapshot(problem)

    outcome = act(c.admin_a, problem, "request_closeout", {"summary": "完成"})

    assert (outcome.status, outcome.code) == (400, "validation_error")
    assert "responsible_leader" in outcome.errors
    assert snapshot(problem) == before


# --- Excel import ------------------------------------------------------------------------------


def sheet(rows):
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("清单.xlsx", out.getvalue())


@pytest.mark.parametrize("dry_run", ["true", "false"])
def test_it_reports_an_ineligible_leader_as_a_row_error_on_import(leaders, api, dry_run):
    c = leaders
    rows = [
        ["问题描述", "牵头单位", "整改时限", "责任领导"],
        ["甲", "教育局", "2026-06-30", "leader_a"],
        ["乙", "卫健局", "2026-06-30", "leader_a"],
        ["丙", "教育局", "2026-06-30", "staff_a"],
    ]
    response = api(c.oa).post(
        "/api/v1/imports/problems/",
        {"file": sheet(rows), "batch": c.batch.pk, "dry_run": dry_run},
        format="multipart",
    )

    body = assert_error(response, 400, "validation_error", "rows")
    assert [(e["row"], e["column"], e["message"]) for e in body["errors"]["rows"]] == [
        (3, "责任领导", LEADER_RULE),
        (4, "责任领导", LEADER_RULE),
    ]
    assert not Problem.objects.filter(batch=c.batch).exists()


# --- Django admin ------------------------------------------------------------------------------


def test_it_refuses_a_staffer_as_leader_in_the_admin(leaders, make_problem):
    from tests.test_admin import change_form_data

    c = leaders
    problem = make_problem("in_progress", responsible_leader=c.leader)
    client = Client()
    client.force_login(c.root)
    url = reverse("admin:issues_problem_change", args=[problem.pk])
    page = client.get(url)
    choices = set(page.context["adminform"].form.fields["responsible_leader"].queryset)
    assert choices == {c.leader, c.leader2, c.leader_a}
    entries = LedgerEntry.objects.count()

    data = change_form_data(page)
    data["responsible_leader"] = c.staff_a.pk
    response = client.post(url, data)

    assert response.status_code == 200  # the form again, with the reason
    assert response.context["adminform"].form.errors["responsible_leader"]
    problem.refresh_from_db()
    assert problem.responsible_leader == c.leader
    assert LedgerEntry.objects.count() == entries


def test_it_refuses_changing_the_leader_in_the_admin_while_pending(leaders, make_problem):
    from tests.test_admin import change_form_data

    c = leaders
    problem = make_situation(c, make_problem, "closeout_office_step", responsible_leader=c.leader)
    client = Client()
    client.force_login(c.root)
    url = reverse("admin:issues_problem_change", args=[problem.pk])
    data = change_form_data(client.get(url))
    data["responsible_leader"] = c.leader2.pk

    response = client.post(url, data)

    assert response.status_code == 200
    assert "待审核" in str(response.context["adminform"].form.errors)
    problem.refresh_from_db()
    assert problem.responsible_leader == c.leader


def test_it_checks_the_leaders_of_a_sheet_in_a_constant_number_of_queries(leaders, api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from books.services.importer import import_check

    c = leaders

    def queries_for(n):
        rows = [["问题描述", "牵头单位", "整改时限", "责任领导"]]
        rows += [[f"问题{i}", "教育局", "2026-06-30", "leader_a"] for i in range(n)]
        with CaptureQueriesContext(connection) as captured:
            parsed, errors = import_check(actor=c.oa, batch=c.batch, upload=sheet(rows))
        assert (len(parsed), errors) == (n, [])
        return len(captured)

    queries_for(1)  # warm: the actor's memberships are read once and cached
    assert queries_for(40) == queries_for(4)
