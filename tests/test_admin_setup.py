"""Issue 10 item 3: the Django admin saves units, batches and campaigns through the services,
so it can create no unit cycle, no undecidable chain, no unscheduled ladder change and no new
code prefix after codes were issued — and it says why, beside the field."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from issues.models import Batch, Campaign, ProblemSchedule, Unit
from tests.conftest import TODAY, next_reminder

pytestmark = pytest.mark.django_db


@pytest.fixture
def root_client(cast):
    client = Client()
    client.force_login(cast.root)
    return client


def change_form_data(response) -> dict:
    """The POST body the admin's page would send back unchanged (JSON fields as JSON text)."""
    form = response.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {name: "" if value is None else value for name, value in data.items()}
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management.initial.get(name, "")
        for inline_form in inline.formset.forms:
            for name in inline_form.fields:
                value = inline_form[name].value()
                data[inline_form.add_prefix(name)] = "" if value is None else value
    return data


def post_change(client, model, obj, **changes):
    url = reverse(f"admin:issues_{model}_change", args=[obj.pk])
    data = change_form_data(client.get(url))
    data.update(changes)
    return client.post(url, data)


def form_errors(response) -> dict:
    return response.context["adminform"].form.errors


def test_it_refuses_a_unit_whose_parent_is_its_own_child(cast, root_client):
    paths = dict(Unit.objects.values_list("pk", "path"))

    response = post_change(root_client, "unit", cast.unit_a, parent=cast.school_a.pk)

    assert response.status_code == 200
    assert "上级单位不能是本单位或其下级单位" in str(form_errors(response))
    assert dict(Unit.objects.values_list("pk", "path")) == paths


def test_it_moves_a_unit_and_its_subtree_through_the_service(cast, root_client):
    response = post_change(root_client, "unit", cast.unit_a, parent=cast.unit_b.pk)

    assert response.status_code == 302
    cast.school_a.refresh_from_db()
    b, a, school = cast.unit_b.pk, cast.unit_a.pk, cast.school_a.pk
    assert cast.school_a.path == f"{cast.county.path}{b}/{a}/{school}/"


@pytest.mark.parametrize(
    "chain, message",
    [('["foo"]', "审核环节只能是"), ("[]", "必填"), ('["office", "office"]', "不能重复")],
)
def test_it_refuses_a_chain_nobody_could_decide(cast, root_client, chain, message):
    response = post_change(root_client, "batch", cast.batch, closeout_chain=chain)

    assert response.status_code == 200
    assert message in str(form_errors(response)["closeout_chain"])
    cast.batch.refresh_from_db()
    assert cast.batch.closeout_chain == ["unit_head", "office"]


def test_it_reschedules_the_batchs_problems_when_the_ladder_changes(
    cast, make_problem, root_client
):
    problem = make_problem("in_progress", due_date=dt.date(2026, 6, 30))
    ProblemSchedule.objects.filter(problem=problem).update(next_reminder_on=dt.date(2026, 6, 23))

    response = post_change(root_client, "batch", cast.batch, remind_days_before="[30, 7]")

    assert response.status_code == 302
    cast.batch.refresh_from_db()
    assert cast.batch.remind_days_before == [30, 7]
    # batch_update's rule, as for the API: the next scan re-derives it from the new ladder.
    assert next_reminder(problem) == TODAY


def test_it_keeps_the_code_prefix_once_codes_were_issued(cast, make_problem, root_client):
    make_problem("draft")
    url = reverse("admin:issues_batch_change", args=[cast.batch.pk])
    assert "code_prefix" not in root_client.get(url).context["adminform"].form.fields

    response = post_change(root_client, "batch", cast.batch, code_prefix="NEW")

    assert response.status_code == 302
    cast.batch.refresh_from_db()
    assert cast.batch.code_prefix == "2024-XC3"


def test_it_adds_a_batch_through_the_service(cast, root_client):
    url = reverse("admin:issues_batch_add")
    data = change_form_data(root_client.get(url))
    data.update(name="审计问题", source="audit", code_prefix="SJ", closeout_chain='["leader"]')

    response = root_client.post(url, data)

    assert response.status_code == 302, form_errors(response)
    batch = Batch.objects.get(code_prefix="SJ")
    assert (batch.closeout_chain, batch.owner_unit) == (["leader"], cast.county)


def test_it_refuses_a_campaign_ending_before_it_starts(cast, root_client):
    campaign = Campaign.objects.create(name="专项", lead_unit=cast.unit_a)

    response = post_change(
        root_client, "campaign", campaign, start_date="2026-05-01", end_date="2026-04-01"
    )

    assert response.status_code == 200
    assert form_errors(response)["end_date"]
    campaign.refresh_from_db()
    assert campaign.start_date is None
