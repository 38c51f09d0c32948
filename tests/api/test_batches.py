"""Batches and campaigns."""

import datetime as dt

from issues.models import Batch, Campaign
from tests.api.conftest import assert_error

BATCH = {
    "name": "2024年审计发现问题",
    "source": "audit",
    "issuer": "县审计局",
    "doc_no": "审计〔2024〕3号",
    "received_date": "2024-03-01",
    "default_due_date": "2026-12-31",
    "code_prefix": "2024-SJ",
    "needs_list_review": True,
    "closeout_chain": ["unit_head", "office", "leader"],
    "extension_chain": ["office"],
    "yellow_days": 10,
    "remind_days_before": [7, 3, 1],
    "overdue_repeat_days": 2,
    "escalate_after_days": 5,
}


def test_it_lets_anyone_signed_in_read_batches(cast, api):
    r = api(cast.outsider).get("/api/v1/batches/")
    assert r.status_code == 200
    assert {row["id"] for row in r.json()["results"]} == {cast.batch.pk, cast.reviewed_batch.pk}
    detail = api(cast.viewer_a).get(f"/api/v1/batches/{cast.reviewed_batch.pk}/").json()
    assert detail["closeout_chain"] == ["unit_head", "office", "leader"]
    assert detail["needs_list_review"] is True


def test_it_creates_a_batch_with_all_its_rules(cast, api):
    r = api(cast.oa).post("/api/v1/batches/", BATCH, format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    for name, value in BATCH.items():
        assert body[name] == value, name
    assert body["max_extension_days"] is None
    assert body["review_pending_days"] == 5
    batch = Batch.objects.get(pk=body["id"])
    assert batch.default_due_date == dt.date(2026, 12, 31)
    assert batch.closeout_chain == ["unit_head", "office", "leader"]


def test_it_applies_the_default_rules(cast, api):
    r = api(cast.oa).post(
        "/api/v1/batches/", {"name": "简单批次", "code_prefix": "JD"}, format="json"
    )
    assert r.status_code == 201, r.json()
    assert r.json()["closeout_chain"] == ["unit_head", "office"]
    assert r.json()["yellow_days"] == 7


def test_it_validates_the_review_chains(cast, api):
    for chain in ([], ["office", "office"], ["boss"]):
        r = api(cast.oa).post("/api/v1/batches/", {**BATCH, "closeout_chain": chain}, format="json")
        assert_error(r, 400, "validation_error", "closeout_chain")
    r = api(cast.oa).patch(
        f"/api/v1/batches/{cast.batch.pk}/", {"extension_chain": "office"}, format="json"
    )
    assert_error(r, 400, "validation_error", "extension_chain")
    assert not Batch.objects.filter(code_prefix="2024-SJ").exists()


def test_it_refuses_a_taken_code_prefix(cast, api):
    r = api(cast.oa).post("/api/v1/batches/", {**BATCH, "code_prefix": "2024-XC3"}, format="json")
    assert_error(r, 400, "validation_error", "code_prefix")


def test_it_edits_a_batch(cast, api):
    r = api(cast.oa).patch(
        f"/api/v1/batches/{cast.batch.pk}/",
        {"yellow_days": 3, "closeout_chain": ["office"], "max_extension_days": 90},
        format="json",
    )
    assert r.status_code == 200, r.json()
    cast.batch.refresh_from_db()
    assert (cast.batch.yellow_days, cast.batch.closeout_chain) == (3, ["office"])
    assert cast.batch.max_extension_days == 90


def test_it_refuses_batch_writes_to_non_office_admins(cast, api):
    for user in (cast.rev, cast.admin_a):
        assert_error(
            api(user).post("/api/v1/batches/", BATCH, format="json"), 403, "permission_denied"
        )
        r = api(user).patch(f"/api/v1/batches/{cast.batch.pk}/", {"name": "x"}, format="json")
        assert_error(r, 403, "permission_denied")


def test_it_answers_404_for_a_missing_batch(cast, api):
    assert_error(api(cast.oa).get("/api/v1/batches/999/"), 404, "not_found")


# --- campaigns ---------------------------------------------------------------------------


def campaign(cast, lead_unit, owner_unit=None):
    return Campaign.objects.create(
        name=f"{lead_unit.name}专项", lead_unit=lead_unit, owner_unit=owner_unit
    )


def test_it_lists_campaigns_led_in_scope(cast, api):
    mine, theirs = campaign(cast, cast.unit_a), campaign(cast, cast.unit_b)
    r = api(cast.admin_a).get("/api/v1/campaigns/")
    assert [row["id"] for row in r.json()["results"]] == [mine.pk]
    assert len(api(cast.oa).get("/api/v1/campaigns/").json()["results"]) == 2
    assert theirs.pk


def test_it_creates_a_campaign(cast, api):
    r = api(cast.oa).post(
        "/api/v1/campaigns/",
        {
            "name": "群众身边不正之风和腐败问题集中整治",
            "lead_unit": cast.unit_a.pk,
            "leader": cast.leader.pk,
            "start_date": "2026-01-01",
            "end_date": "2026-12-31",
            "goal": "整治到位",
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    # SPEC §9's fields, plus the issuing office (docs/permissions.md): the creator's own.
    assert set(body) == {"id", "name", "lead_unit", "leader", "start_date", "end_date", "goal"} | {
        "owner_unit"
    }
    assert body["owner_unit"] == cast.county.pk
    assert (body["lead_unit"], body["leader"]) == (cast.unit_a.pk, cast.leader.pk)


def test_it_refuses_campaigns_to_non_office_admins(cast, api):
    r = api(cast.admin_a).post(
        "/api/v1/campaigns/", {"name": "x", "lead_unit": cast.unit_a.pk}, format="json"
    )
    assert_error(r, 403, "permission_denied")


def test_it_refuses_a_campaign_unit_outside_scope(cast, api):
    from tests.conftest import make_user

    oa_a = make_user("oa_a", unit=cast.unit_a, role="office_admin")
    r = api(oa_a).post(
        "/api/v1/campaigns/", {"name": "x", "lead_unit": cast.unit_b.pk}, format="json"
    )
    assert_error(r, 400, "validation_error", "lead_unit")


def test_it_refuses_a_campaign_ending_before_it_starts(cast, api):
    r = api(cast.oa).post(
        "/api/v1/campaigns/",
        {
            "name": "x",
            "lead_unit": cast.unit_a.pk,
            "start_date": "2026-05-01",
            "end_date": "2026-04-01",
        },
        format="json",
    )
    assert_error(r, 400, "validation_error", "end_date")


def test_it_edits_a_campaign_within_scope(cast, api):
    from tests.conftest import make_user

    mine = campaign(cast, cast.unit_a, owner_unit=cast.unit_a)  # issued by 教育局's office
    url = f"/api/v1/campaigns/{mine.pk}/"
    r = api(cast.oa).patch(url, {"name": "新名称", "end_date": "2026-12-31"}, format="json")
    assert r.status_code == 200, r.json()
    mine.refresh_from_db()
    assert (mine.name, mine.end_date.isoformat()) == ("新名称", "2026-12-31")

    # An office admin of 教育局 may not hand the campaign to 卫健局 (outside their scope),
    # nor end it before it starts; neither attempt changes anything.
    local = make_user("oa_a", unit=cast.unit_a, role="office_admin")
    r = api(local).patch(url, {"lead_unit": cast.unit_b.pk}, format="json")
    assert_error(r, 400, "validation_error", "lead_unit")
    r = api(local).patch(url, {"start_date": "2027-01-01"}, format="json")
    assert_error(r, 400, "validation_error", "end_date")
    mine.refresh_from_db()
    assert (mine.lead_unit, mine.start_date) == (cast.unit_a, None)


def test_it_refuses_campaign_edits_to_others(cast, api):
    theirs = campaign(cast, cast.unit_b)
    url = f"/api/v1/campaigns/{theirs.pk}/"
    # Out of scope: not found; in scope but not an office admin: forbidden.
    assert_error(api(cast.admin_a).patch(url, {"name": "x"}, format="json"), 404, "not_found")
    assert_error(
        api(cast.admin_b).patch(url, {"name": "x"}, format="json"), 403, "permission_denied"
    )
    assert api(cast.oa).delete(url).status_code == 405
    theirs.refresh_from_db()
    assert theirs.name == "卫健局专项"
