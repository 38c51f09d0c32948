"""Issue 10 item 2, rules belong to their office: the role matrix of docs/permissions.md for
batches and campaigns, through the API of SPEC §9 (plus the extra `owner_unit` field).

    县委 (county)          oa (office_admin), rev, leader — the cast
    ├── 青石镇 (town)       oa_town (office_admin), admin_town (unit_admin)
    │   └── 石桥村 (village)
    └── 河口乡 (town2)      oa_town2 (office_admin)
"""

from types import SimpleNamespace

import pytest

from issues.models import Batch, Campaign, Role, Unit, UnitKind
from tests.conftest import make_user

from .conftest import assert_error


@pytest.fixture
def towns(cast):
    town = Unit.objects.create(
        name="青石镇", code="QSZ", kind=UnitKind.TOWNSHIP, parent=cast.county
    )
    village = Unit.objects.create(name="石桥村", code="SQC", kind=UnitKind.VILLAGE, parent=town)
    town2 = Unit.objects.create(
        name="河口乡", code="HKX", kind=UnitKind.TOWNSHIP, parent=cast.county
    )
    people = SimpleNamespace(
        **vars(cast),
        town=town,
        village=village,
        town2=town2,
        oa_town=make_user("oa_town", unit=town, role=Role.OFFICE_ADMIN),
        admin_town=make_user("admin_town", unit=town, role=Role.UNIT_ADMIN),
        oa_town2=make_user("oa_town2", unit=town2, role=Role.OFFICE_ADMIN),
    )
    people.county_batch = Batch.objects.create(
        name="县委巡察", code_prefix="XC", owner_unit=cast.county
    )
    people.town_batch = Batch.objects.create(name="镇自查", code_prefix="QSZ-ZC", owner_unit=town)
    people.county_campaign = Campaign.objects.create(
        name="县专项", lead_unit=town, owner_unit=cast.county
    )
    people.town_campaign = Campaign.objects.create(
        name="镇专项", lead_unit=village, owner_unit=town
    )
    return people


def batch_body(prefix, **fields):
    return {"name": "新批次", "source": "audit", "code_prefix": prefix, **fields}


# --- changing a batch's rules ------------------------------------------------------------------

PATCH_BATCH = [
    # who, which batch, status
    ("root", "county_batch", 200),
    ("oa", "county_batch", 200),
    ("oa_town", "county_batch", 403),  # the issue's township office admin on a county batch
    ("rev", "county_batch", 403),
    ("leader", "county_batch", 403),
    ("admin_a", "county_batch", 403),
    ("admin_town", "county_batch", 403),
    ("oa", "town_batch", 200),  # the county office's scope holds the township
    ("oa_town", "town_batch", 200),
    ("oa_town2", "town_batch", 403),
    ("admin_town", "town_batch", 403),
    ("oa_town", "batch", 403),  # no owner: installation-wide, the root unit's office
    ("oa", "batch", 200),
]


@pytest.mark.parametrize("who, which, status", PATCH_BATCH)
def test_it_lets_only_the_owning_office_change_a_batchs_rules(towns, api, who, which, status):
    batch = getattr(towns, which)
    before = Batch.objects.filter(pk=batch.pk).values().get()

    response = api(getattr(towns, who)).patch(
        f"/api/v1/batches/{batch.pk}/", {"closeout_chain": ["unit_head"]}, format="json"
    )

    if status == 200:
        assert response.status_code == 200, response.json()
        assert Batch.objects.get(pk=batch.pk).closeout_chain == ["unit_head"]
    else:
        assert_error(response, status, "permission_denied")
        assert Batch.objects.filter(pk=batch.pk).values().get() == before


def test_it_answers_403_before_looking_at_a_bad_body(towns, api):
    response = api(towns.oa_town).patch(
        f"/api/v1/batches/{towns.county_batch.pk}/", {"closeout_chain": "x"}, format="json"
    )
    assert_error(response, 403, "permission_denied")


def test_it_shows_every_batch_to_every_signed_in_user(towns, api):
    for who in ("oa_town", "admin_town", "oa_town2", "staff_a"):
        response = api(getattr(towns, who)).get(f"/api/v1/batches/{towns.county_batch.pk}/")
        assert response.status_code == 200
        assert response.json()["owner_unit"] == towns.county.pk


# --- creating batches --------------------------------------------------------------------------

CREATE_BATCH = [
    # who, owner given (None: default), status, owner afterwards
    ("root", "county", 201, "county"),
    ("oa", "county", 201, "county"),
    ("oa", "town", 201, "town"),
    ("oa", None, 201, "county"),  # the creator's own office
    ("oa_town", None, 201, "town"),
    ("oa_town", "village", 201, "village"),
    ("oa_town", "county", 400, None),  # outside its subtree
    ("oa_town", "town2", 400, None),
    ("rev", None, 403, None),
    ("admin_town", None, 403, None),
    ("leader", None, 403, None),
]


@pytest.mark.parametrize("who, owner, status, expected", CREATE_BATCH)
def test_it_lets_an_office_create_batches_only_in_its_subtree(
    towns, api, who, owner, status, expected
):
    body = batch_body("NEW-1")
    if owner is not None:
        body["owner_unit"] = getattr(towns, owner).pk

    response = api(getattr(towns, who)).post("/api/v1/batches/", body, format="json")

    if status == 201:
        assert response.status_code == 201, response.json()
        assert response.json()["owner_unit"] == getattr(towns, expected).pk
        # §9's fields are all there, the owner is an extra one.
        assert {"id", "name", "code_prefix", "closeout_chain", "escalate_after_days"} <= set(
            response.json()
        )
    else:
        code = "permission_denied" if status == 403 else "validation_error"
        fields = ("owner_unit",) if status == 400 else ()
        assert_error(response, status, code, *fields)
        assert not Batch.objects.filter(code_prefix="NEW-1").exists()


def test_it_refuses_handing_a_batch_to_an_office_outside_the_editors_scope(towns, api):
    response = api(towns.oa_town).patch(
        f"/api/v1/batches/{towns.town_batch.pk}/",
        {"owner_unit": towns.county.pk},
        format="json",
    )
    assert_error(response, 400, "validation_error", "owner_unit")
    assert Batch.objects.get(pk=towns.town_batch.pk).owner_unit == towns.town


def test_it_keeps_the_code_prefix_once_a_code_was_issued(towns, api, make_problem):
    make_problem("draft", batch=towns.county_batch)
    response = api(towns.oa).patch(
        f"/api/v1/batches/{towns.county_batch.pk}/", {"code_prefix": "XC-NEW"}, format="json"
    )
    assert_error(response, 400, "validation_error", "code_prefix")
    assert Batch.objects.get(pk=towns.county_batch.pk).code_prefix == "XC"


# --- campaigns ---------------------------------------------------------------------------------

PATCH_CAMPAIGN = [
    ("root", "county_campaign", 200),
    ("oa", "county_campaign", 200),
    ("oa_town", "county_campaign", 403),  # led by its township, issued by the county
    ("admin_town", "county_campaign", 403),
    ("oa_town", "town_campaign", 200),
    ("oa", "town_campaign", 200),
    ("oa_town2", "county_campaign", 404),  # led outside its scope: it does not see it
]


@pytest.mark.parametrize("who, which, status", PATCH_CAMPAIGN)
def test_it_lets_only_the_owning_office_change_a_campaign(towns, api, who, which, status):
    campaign = getattr(towns, which)

    response = api(getattr(towns, who)).patch(
        f"/api/v1/campaigns/{campaign.pk}/", {"goal": "改写"}, format="json"
    )

    if status == 200:
        assert response.status_code == 200, response.json()
    else:
        assert_error(response, status, "permission_denied" if status == 403 else "not_found")
    assert (Campaign.objects.get(pk=campaign.pk).goal == "改写") == (status == 200)


def test_it_lets_a_township_office_create_campaigns_only_in_its_subtree(towns, api):
    client = api(towns.oa_town)
    body = {"name": "村级专项", "lead_unit": towns.village.pk}

    mine = client.post("/api/v1/campaigns/", body, format="json")
    county = client.post(
        "/api/v1/campaigns/", {**body, "owner_unit": towns.county.pk}, format="json"
    )

    assert mine.status_code == 201 and mine.json()["owner_unit"] == towns.town.pk
    assert_error(county, 400, "validation_error", "owner_unit")
