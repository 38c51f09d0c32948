"""管理 (/manage/…): units, users and roles, batches, campaigns — for office admins only,
through the same services as the API, within the admin's scope."""

import pytest
from django.contrib.auth import get_user_model

from issues.models import Batch, Campaign, Membership, Role, Unit
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

PAGES = [
    "/manage/units/",
    "/manage/units/new/",
    "/manage/users/",
    "/manage/users/new/",
    "/manage/batches/",
    "/manage/batches/new/",
    "/manage/campaigns/",
    "/manage/webhooks/",
]


@pytest.fixture
def local_admin(cast):
    """An office admin of 教育局 only: 实验小学 is theirs, 卫健局 is not."""
    return make_user("oa_a", unit=cast.unit_a, role=Role.OFFICE_ADMIN)


def test_it_serves_every_page_to_an_office_admin_and_a_superuser(cast, web):
    for user in (cast.oa, cast.root):
        client = web(user)
        for path in PAGES:
            assert client.get(path).status_code == 200, path
    assert web(cast.oa).get("/manage/")["Location"] == "/manage/units/"


def test_it_refuses_everybody_else(cast, web):
    for user in (cast.rev, cast.leader, cast.admin_a, cast.head_a, cast.viewer_a):
        client = web(user)
        for path in PAGES:
            response = client.get(path)
            assert response.status_code == 403, (user.username, path)
        assert "只有整改办管理员可以使用管理功能" in response.content.decode()
    response = web().get("/manage/units/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_it_shows_the_menu_entry_to_office_admins_only(cast, web):
    assert 'href="/manage/"' in web(cast.oa).get("/").content.decode()
    assert 'href="/manage/"' not in web(cast.admin_a).get("/").content.decode()


def test_it_lists_the_unit_tree_within_the_admins_scope(cast, local_admin, web):
    body = web(cast.oa).get("/manage/units/").content.decode()
    assert body.index("县委") < body.index("教育局") < body.index("实验小学") < body.index("卫健局")
    response = web(local_admin).get("/manage/units/")
    names = [u.name for u in response.context["units"]]
    assert names == ["教育局", "实验小学"]
    assert [u.depth for u in response.context["units"]] == [0, 1]
    assert web(local_admin).get(f"/manage/units/{cast.unit_b.pk}/").status_code == 404


def test_it_adds_and_edits_a_unit_through_the_service(cast, local_admin, web):
    client = web(local_admin)
    data = {"name": "第二小学", "code": "DEXX", "kind": "institution", "sort": 2}
    response = client.post("/manage/units/new/", {**data, "parent": cast.unit_a.pk})
    assert response.status_code == 302
    unit = Unit.objects.get(code="DEXX")
    assert unit.parent == cast.unit_a and unit.path.startswith(cast.unit_a.path)

    response = client.post("/manage/units/new/", {**data, "parent": cast.unit_a.pk})
    assert response.status_code == 400
    assert "单位代码已存在" in response.content.decode()
    # A unit outside the admin's scope is no choice at all.
    response = client.post("/manage/units/new/", {**data, "code": "X", "parent": cast.unit_b.pk})
    assert response.status_code == 400 and not Unit.objects.filter(code="X").exists()

    edit = {**data, "name": "县第二小学", "parent": cast.unit_a.pk, "is_active": "on"}
    assert client.post(f"/manage/units/{unit.pk}/", edit).status_code == 302
    unit.refresh_from_db()
    assert unit.name == "县第二小学" and unit.is_active


def test_it_creates_a_user_with_a_first_role(cast, local_admin, web):
    client = web(local_admin)
    data = {
        "username": "new_staff",
        "display_name": "新同事",
        "password": "long-enough-1",
        "unit": cast.school_a.pk,
        "role": Role.UNIT_STAFF,
    }
    response = client.post("/manage/users/new/", data)
    user = get_user_model().objects.get(username="new_staff")
    assert response["Location"] == f"/manage/users/{user.pk}/"
    assert user.first_name == "新同事" and user.check_password("long-enough-1")
    assert list(user.memberships.values_list("unit__name", "role")) == [("实验小学", "unit_staff")]
    assert "新同事" in client.get("/manage/users/").content.decode()

    response = client.post("/manage/users/new/", {**data, "username": "short", "password": "1"})
    assert response.status_code == 400
    assert not get_user_model().objects.filter(username="short").exists()
    response = client.post("/manage/users/new/", {**data, "username": "new_staff"})
    assert response.status_code == 400 and "用户名已存在" in response.content.decode()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("12345678", "这个密码太常见了。"),
        ("password123", "这个密码太常见了。"),
        ("new_staff1", "密码跟 用户名 太相似了。"),
        ("short", "密码长度太短。密码必须包含至少 8 个字符。"),
    ],
)
def test_it_refuses_a_weak_first_password_in_chinese(cast, local_admin, web, password, message):
    data = {
        "username": "new_staff1",
        "display_name": "新同事",
        "password": password,
        "unit": cast.school_a.pk,
        "role": Role.UNIT_STAFF,
    }
    response = web(local_admin).post("/manage/users/new/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not get_user_model().objects.filter(username="new_staff1").exists()


def test_it_grants_and_revokes_roles_within_scope(cast, local_admin, web):
    client = web(local_admin)
    page = f"/manage/users/{cast.staff_a.pk}/"
    response = client.post(page, {"unit": cast.school_a.pk, "role": Role.UNIT_ADMIN})
    assert response.status_code == 302
    granted = Membership.objects.get(user=cast.staff_a, unit=cast.school_a)
    response = client.post(page, {"unit": cast.school_a.pk, "role": Role.UNIT_ADMIN})
    assert response.status_code == 400 and "该任职已存在" in response.content.decode()
    response = client.post(f"/manage/memberships/{granted.pk}/revoke/", {"next": page})
    assert response["Location"] == page
    assert not Membership.objects.filter(pk=granted.pk).exists()
    # 卫健局's people are outside this admin's scope.
    assert client.get(f"/manage/users/{cast.staff_b.pk}/").status_code == 404
    theirs = Membership.objects.get(user=cast.staff_b)
    assert client.post(f"/manage/memberships/{theirs.pk}/revoke/").status_code == 404
    assert Membership.objects.filter(pk=theirs.pk).exists()


def _batch(**extra):
    data = {
        "name": "2024年审计发现问题",
        "source": "audit",
        "code_prefix": "2024-SJ",
        "yellow_days": 5,
        "remind_days_before": "7，3",
        "overdue_repeat_days": 3,
        "escalate_after_days": 10,
        "review_pending_days": 5,
        "closeout_chain_1": "unit_head",
        "closeout_chain_2": "office",
        "closeout_chain_3": "leader",
        "extension_chain_1": "office",
    }
    return {**data, **extra}


def test_it_sets_up_a_batch_with_its_chains_and_thresholds(cast, web):
    client = web(cast.oa)
    assert client.post("/manage/batches/new/", _batch()).status_code == 302
    batch = Batch.objects.get(code_prefix="2024-SJ")
    assert batch.closeout_chain == ["unit_head", "office", "leader"]
    assert batch.extension_chain == ["office"]
    assert (batch.yellow_days, batch.remind_days_before, batch.escalate_after_days) == (
        5,
        [7, 3],
        10,
    )
    body = client.get("/manage/batches/").content.decode()
    assert "单位负责人审核 → 整改办审核 → 责任领导审批" in body

    response = client.post(
        f"/manage/batches/{batch.pk}/", _batch(closeout_chain_2="unit_head", closeout_chain_3="")
    )
    assert response.status_code == 400 and "不能重复" in response.content.decode()
    response = client.post("/manage/batches/new/", _batch(name="另一个"))
    assert response.status_code == 400 and "编号前缀已被其他批次使用" in response.content.decode()


def test_it_keeps_issued_codes_prefix(cast, make_problem, web):
    make_problem("draft")  # takes a code from cast.batch
    batch = cast.batch
    response = web(cast.oa).post(
        f"/manage/batches/{batch.pk}/", _batch(name=batch.name, code_prefix="NEW")
    )
    assert response.status_code == 400
    assert "不能修改" in response.content.decode()
    batch.refresh_from_db()
    assert batch.code_prefix == "2024-XC3"


def test_it_sets_up_a_campaign_led_by_a_unit_in_scope(cast, local_admin, web):
    client = web(local_admin)
    data = {"name": "校园食品安全专项整治", "lead_unit": cast.unit_a.pk, "goal": "守住底线"}
    assert client.post("/manage/campaigns/", data).status_code == 302
    assert Campaign.objects.get().lead_unit == cast.unit_a
    response = client.post(
        "/manage/campaigns/", {**data, "start_date": "2026-05-01", "end_date": "2026-04-01"}
    )
    assert response.status_code == 400 and "不能早于开始日期" in response.content.decode()
    response = client.post("/manage/campaigns/", {**data, "lead_unit": cast.unit_b.pk})
    assert response.status_code == 400 and Campaign.objects.count() == 1


def test_it_edits_a_campaign_from_its_page(cast, local_admin, web):
    campaign = Campaign.objects.create(
        name="校园食品安全专项整治", lead_unit=cast.unit_a, owner_unit=cast.unit_a
    )
    client = web(local_admin)
    listing = client.get("/manage/campaigns/").content.decode()
    assert f'href="/manage/campaigns/{campaign.pk}/"' in listing
    page = client.get(f"/manage/campaigns/{campaign.pk}/")
    assert page.status_code == 200 and "校园食品安全专项整治" in page.content.decode()
    data = {"name": "校园食品安全和膳食经费管理专项整治", "lead_unit": cast.unit_a.pk}
    response = client.post(f"/manage/campaigns/{campaign.pk}/", {**data, "goal": "守住底线"})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.name, campaign.goal) == (data["name"], "守住底线")
    # Handing it to a unit outside the admin's scope is refused in place; nothing changes.
    response = client.post(
        f"/manage/campaigns/{campaign.pk}/", {**data, "lead_unit": cast.unit_b.pk}
    )
    assert response.status_code == 400
    campaign.refresh_from_db()
    assert campaign.lead_unit == cast.unit_a
    # Another unit's campaign is not found for this admin.
    other = Campaign.objects.create(name="卫健专项", lead_unit=cast.unit_b)
    assert client.get(f"/manage/campaigns/{other.pk}/").status_code == 404
