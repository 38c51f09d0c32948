"""GET, POST /api/v1/ledger/checkpoints/ and GET /api/v1/ledger/verify/?checkpoint=CODE (SPEC
§12): office roles read, superusers and office admins at a root unit take one; a garbled code
is a 400 validation_error, a well-formed one that does not hold answers checkpoint_ok false."""

import pytest

from issues.models import Membership, Role
from ledger.checkpoints import ledger_checkpoint_take
from ledger.models import LedgerCheckpoint
from tests.api.conftest import assert_error
from tests.conftest import make_user
from tests.ledger.dba import behind_the_triggers_back
from tests.ledger.test_checkpoints import append_note, rewrite_and_recompute

URL = "/api/v1/ledger/checkpoints/"
VERIFY = "/api/v1/ledger/verify/"


@pytest.fixture
def history(make_problem):
    make_problem("in_progress")


@pytest.fixture
def township_oa(cast):
    """An office admin whose only membership is below the root (a township's office)."""
    return make_user("township_oa", unit=cast.unit_a, role=Role.OFFICE_ADMIN)


def test_it_lists_checkpoints_newest_first_and_paginated(cast, api, history, _today):
    first = ledger_checkpoint_take()
    append_note()
    _today.shift(60)
    second = ledger_checkpoint_take()

    body = api(cast.rev).get(URL, {"page_size": 1}).json()

    assert body["count"] == 2 and body["next"] and body["previous"] is None
    assert body["results"] == [
        {
            "seq": second.seq,
            "head_hash": second.head_hash,
            "created_at": body["results"][0]["created_at"],
            "code": second.code,
        }
    ]
    assert body["results"][0]["created_at"].startswith("2026-03-02T10:01:00")
    rest = api(cast.rev).get(URL, {"page_size": 1, "page": 2}).json()["results"]
    assert [c["code"] for c in rest] == [first.code]


@pytest.mark.parametrize("who", ["oa", "root"])
def test_it_takes_a_checkpoint_for_a_root_office_admin_or_superuser(cast, api, history, who):
    r = api(getattr(cast, who)).post(URL)

    assert r.status_code == 201, r.json()
    checkpoint = LedgerCheckpoint.objects.get()
    assert r.json()["code"] == checkpoint.code
    assert set(r.json()) == {"seq", "head_hash", "created_at", "code"}


def test_it_refuses_a_checkpoint_to_everyone_else(cast, api, history, township_oa):
    for user in (cast.rev, township_oa):  # office roles that may read
        assert api(user).get(URL).status_code == 200
        assert_error(api(user).post(URL), 403, "permission_denied")
    for user in (cast.admin_a, cast.head_a, cast.staff_a, cast.viewer_a, cast.leader):
        assert_error(api(user).get(URL), 403, "permission_denied")
        assert_error(api(user).post(URL), 403, "permission_denied")
    assert_error(api(None).get(URL), 401, "not_authenticated")
    assert_error(api(None).post(URL), 401, "not_authenticated")
    assert not LedgerCheckpoint.objects.exists()


def test_a_second_membership_at_the_root_makes_the_township_admin_a_county_admin(
    cast, api, history, township_oa
):
    Membership.objects.create(user=township_oa, unit=cast.county, role=Role.OFFICE_ADMIN)
    assert api(township_oa).post(URL).status_code == 201


def test_it_answers_409_and_takes_nothing_when_the_chain_is_broken(cast, api, history):
    with behind_the_triggers_back() as cursor:
        cursor.execute("UPDATE ledger_ledgerentry SET comment = 'x' WHERE seq = 2")

    assert_error(api(cast.oa).post(URL), 409, "invalid_transition")
    assert not LedgerCheckpoint.objects.exists()


def test_it_verifies_a_checkpoint_code_over_http(cast, api, history):
    code = api(cast.oa).post(URL).json()["code"]
    append_note()

    assert api(cast.rev).get(VERIFY, {"checkpoint": code}).json() == {
        "ok": True,
        "entries": 4,
        "first_bad_seq": None,
        "checkpoint_ok": True,
    }
    rewrite_and_recompute(2)
    assert api(cast.rev).get(VERIFY, {"checkpoint": code}).json() == {
        "ok": True,  # the recomputed chain holds together ...
        "entries": 4,
        "first_bad_seq": None,
        "checkpoint_ok": False,  # ... but not the head that was signed
    }


def test_it_rejects_a_garbled_code_with_a_validation_error(cast, api, history):
    body = assert_error(
        api(cast.rev).get(VERIFY, {"checkpoint": "不是校验码"}),
        400,
        "validation_error",
        "checkpoint",
    )
    assert "格式不正确" in body["errors"]["checkpoint"][0]


def test_it_keeps_checkpoint_verification_to_office_roles(cast, api, history):
    code = ledger_checkpoint_take().code
    assert_error(api(cast.admin_a).get(VERIFY, {"checkpoint": code}), 403, "permission_denied")
