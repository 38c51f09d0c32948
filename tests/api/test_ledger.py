"""GET /api/v1/problems/{id}/ledger/ and GET /api/v1/ledger/verify/."""

from django.db import connection

from tests.api.conftest import assert_error

ENTRY_FIELDS = {
    "seq", "action", "from_state", "to_state", "changes", "comment", "actor", "created_at",
    "hash", "prev_hash",
}  # fmt: skip


def test_it_shows_a_problems_ledger_oldest_first(cast, api, make_problem):
    make_problem("draft")  # another problem's entries stay out
    problem = make_problem("in_progress")
    r = api(cast.viewer_a).get(f"/api/v1/problems/{problem.pk}/ledger/")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 3
    entries = body["results"]
    assert set(entries[0]) == ENTRY_FIELDS
    assert [e["action"] for e in entries] == ["create", "assign", "acknowledge"]
    assert [e["seq"] for e in entries] == sorted(e["seq"] for e in entries)
    assert (entries[2]["from_state"], entries[2]["to_state"]) == ("assigned", "in_progress")
    assert entries[2]["actor"] == cast.admin_a.pk
    assert entries[1]["changes"] == {"original_due_date": [None, "2026-06-30"]}
    assert entries[1]["prev_hash"] == entries[0]["hash"]


def test_it_hides_the_ledger_of_a_problem_outside_scope(cast, api, make_problem):
    problem = make_problem("in_progress")
    assert_error(api(cast.outsider).get(f"/api/v1/problems/{problem.pk}/ledger/"), 404, "not_found")
    assert_error(api(cast.oa).get("/api/v1/problems/999999/ledger/"), 404, "not_found")


def test_it_verifies_the_chain_for_office_roles(cast, api, make_problem):
    make_problem("in_progress")
    for user in (cast.oa, cast.rev, cast.root):
        r = api(user).get("/api/v1/ledger/verify/")
        assert r.status_code == 200
        assert r.json() == {"ok": True, "entries": 3, "first_bad_seq": None, "checkpoint_ok": None}


def test_it_reports_the_first_bad_entry(cast, api, make_problem):
    make_problem("in_progress")
    with connection.cursor() as cursor:
        # Behind the ORM's back (and the trigger's, dropped for the test): tamper with seq 2.
        on_table = " ON ledger_ledgerentry" if connection.vendor == "postgresql" else ""
        cursor.execute(f"DROP TRIGGER IF EXISTS ledger_entry_no_update{on_table}")
        cursor.execute("UPDATE ledger_ledgerentry SET comment = 'forged' WHERE seq = 2")
    r = api(cast.oa).get("/api/v1/ledger/verify/")
    assert r.json() == {"ok": False, "entries": 2, "first_bad_seq": 2, "checkpoint_ok": None}


def test_it_refuses_verification_to_other_roles(cast, api):
    for user in (cast.admin_a, cast.leader, cast.viewer_a, cast.outsider):
        assert_error(api(user).get("/api/v1/ledger/verify/"), 403, "permission_denied")
    assert_error(api(None).get("/api/v1/ledger/verify/"), 401, "not_authenticated")
