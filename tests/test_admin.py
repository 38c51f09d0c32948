"""The Django admin: superusers only; the ledger and the workflow's fields are read-only."""

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from issues.models import Problem
from ledger.models import LedgerEntry
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(cast, make_problem):
    """A few problems in different states, so every list and page has rows to render."""
    cast.open_problem = make_problem("in_progress", cooperating_units=[cast.unit_b])
    cast.closed_problem = make_problem("closed")
    make_problem("long_term")
    return cast


@pytest.fixture
def root_client(cast):
    client = Client()
    client.force_login(cast.root)
    return client


def change_form_data(response) -> dict:
    """The POST body the admin's change page would send back unchanged."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        data[name] = "" if value is None else value
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management.initial.get(name, "")
    return data


def test_it_registers_every_model_of_the_domain():
    from django.apps import apps

    for app in ("issues", "ledger"):
        for model in apps.get_app_config(app).get_models():
            # The chain's tip and the list's read model (kept by triggers): bookkeeping.
            if model.__name__ not in ("LedgerHead", "ProblemReach"):
                assert admin.site.is_registered(model), model.__name__


def test_it_opens_every_changelist_and_change_page_for_a_superuser(county, root_client):
    failures = []
    for model in admin.site._registry:
        opts = model._meta
        urls = [reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")]
        obj = model._default_manager.first()
        if obj is not None:
            urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
        for url in urls:
            status = root_client.get(url).status_code
            if status != 200:
                failures.append((url, status))

    assert failures == []


def test_a_password_set_in_the_admin_revokes_the_users_api_tokens(cast, root_client):
    from knox.models import AuthToken

    AuthToken.objects.create(user=cast.admin_a)
    AuthToken.objects.create(user=cast.head_a)
    url = reverse("admin:auth_user_password_change", args=[cast.admin_a.pk])
    weak = root_client.post(url, {"password1": "12345678", "password2": "12345678"})
    assert weak.status_code == 200 and "这个密码太常见了。" in weak.content.decode()
    assert AuthToken.objects.filter(user=cast.admin_a).exists()
    response = root_client.post(url, {"password1": "n3w-pass-987", "password2": "n3w-pass-987"})
    assert response.status_code == 302
    assert list(AuthToken.objects.values_list("user__username", flat=True)) == ["head_a"]


def test_it_shows_the_site_in_chinese(cast, root_client):
    response = root_client.get(reverse("admin:index"))

    assert "整改台账 管理后台" in response.content.decode()


def test_it_keeps_staff_who_are_not_superusers_out(cast):
    staff = make_user("clerk")
    staff.is_staff = True
    staff.save()
    client = Client()
    client.force_login(staff)

    for url in (reverse("admin:index"), reverse("admin:issues_problem_changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


def test_it_refuses_to_add_change_or_delete_ledger_entries(county, root_client):
    entry = LedgerEntry.objects.order_by("seq").first()
    change = reverse("admin:ledger_ledgerentry_change", args=[entry.seq])
    delete = reverse("admin:ledger_ledgerentry_delete", args=[entry.seq])

    assert root_client.get(reverse("admin:ledger_ledgerentry_add")).status_code == 403
    assert root_client.post(change, {"action": "forged", "comment": "x"}).status_code == 403
    assert root_client.get(delete).status_code == 403
    assert root_client.post(delete, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:ledger_ledgerentry_changelist")
    response = root_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [entry.seq], "post": "yes"}
    )
    assert response.status_code in (200, 302)  # the action does not exist: nothing happens
    assert LedgerEntry.objects.filter(seq=entry.seq, action=entry.action).exists()
    assert LedgerEntry.objects.count() == LedgerEntry.objects.order_by("-seq").first().seq


def test_it_offers_no_way_to_add_or_delete_problems(county, root_client):
    problem = county.open_problem

    assert root_client.get(reverse("admin:issues_problem_add")).status_code == 403
    delete = reverse("admin:issues_problem_delete", args=[problem.pk])
    assert root_client.post(delete, {"post": "yes"}).status_code == 403
    assert Problem.objects.filter(pk=problem.pk).exists()


def test_it_keeps_status_and_counters_read_only(county, root_client):
    problem = county.open_problem
    url = reverse("admin:issues_problem_change", args=[problem.pk])
    page = root_client.get(url)
    form_fields = page.context["adminform"].form.fields
    for name in ("status", "reopen_count", "rework_count", "due_date", "lead_unit"):
        assert name not in form_fields

    data = change_form_data(page)
    data.update(status="closed", reopen_count=5, rework_count=5, due_date="2030-01-01")
    response = root_client.post(url, data)

    assert response.status_code == 302
    problem.refresh_from_db()
    assert (problem.status, problem.reopen_count, problem.rework_count) == ("in_progress", 0, 0)
    assert problem.due_date.isoformat() == "2026-06-30"


def test_an_edit_in_the_admin_goes_through_the_service_into_the_ledger(county, root_client):
    problem = county.open_problem
    url = reverse("admin:issues_problem_change", args=[problem.pk])
    data = change_form_data(root_client.get(url))
    data["title"] = "调查研究不深入（已细化）"

    response = root_client.post(url, data)

    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.title == "调查研究不深入（已细化）"
    entry = problem.ledger_entries.order_by("-seq").first()
    assert entry.action == "edit"
    assert entry.actor == county.root
    assert entry.changes == {"title": ["问题标题", "调查研究不深入（已细化）"]}
    assert list(problem.cooperating_units.all()) == [county.unit_b]


def test_a_closed_problem_is_shown_read_only(county, root_client):
    url = reverse("admin:issues_problem_change", args=[county.closed_problem.pk])

    assert root_client.get(url).status_code == 200
    assert root_client.post(url, {"title": "改名"}).status_code == 403


@pytest.mark.parametrize(
    "model_name",
    ["measure", "evidence", "reviewrequest", "reviewstep", "supervisionaction", "followupreview"],
)
def test_workflow_records_cannot_be_added_through_the_admin(county, root_client, model_name):
    assert root_client.get(reverse(f"admin:issues_{model_name}_add")).status_code == 403
