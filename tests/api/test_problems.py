"""GET/POST /api/v1/problems/, GET/PATCH /api/v1/problems/{id}/."""

import datetime as dt

import pytest
from django.db.models import Q

from issues.models import Campaign, Category, Problem
from issues.selectors.problem_filter import text_q
from tests.api.conftest import assert_error

PROBLEM_FIELDS = {
    "id", "code", "batch", "campaign", "source", "origin", "category", "title", "description",
    "target", "severity", "amount", "rectify_type", "due_date", "original_due_date",
    "responsible_leader", "lead_unit", "cooperating_units", "owner", "supervision_level",
    "status", "light", "is_overdue", "reopen_count", "rework_count", "latest_progress",
    "next_review_date", "measures", "allowed_actions", "created_at", "closed_at",
}  # fmt: skip
MEASURE_FIELDS = {
    "id", "problem", "seq", "content", "unit", "owner", "due_date", "status", "done_at",
    "done_note", "is_overdue",
}  # fmt: skip


def codes(response):
    assert response.status_code == 200, response.json()
    return [row["code"] for row in response.json()["results"]]


def new_problem(cast, **fields):
    return {
        "batch": cast.batch.pk,
        "title": "学校食堂管理不规范",
        "description": "食材采购台账缺失",
        "lead_unit": cast.unit_a.pk,
        "source": "circuit_inspection",
        **fields,
    }


# --- reading -----------------------------------------------------------------------------


def test_it_shows_a_problem_as_the_contract_says(cast, api, make_problem):
    problem = make_problem("in_progress", cooperating_units=[cast.unit_b], amount="12.50")
    r = api(cast.admin_a).get(f"/api/v1/problems/{problem.pk}/")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == PROBLEM_FIELDS
    assert body["code"] == "2024-XC3-001"
    assert (body["batch"], body["lead_unit"]) == (cast.batch.pk, cast.unit_a.pk)
    assert body["cooperating_units"] == [cast.unit_b.pk]
    assert body["amount"] == 12.5
    assert (body["status"], body["light"], body["is_overdue"]) == ("in_progress", "green", False)
    assert body["due_date"] == "2026-06-30"
    assert body["created_at"] == "2026-03-02T10:00:00+08:00"
    assert body["allowed_actions"] == ["request_closeout", "request_extension"]
    assert len(body["measures"]) == 1
    assert set(body["measures"][0]) == MEASURE_FIELDS


def test_it_lists_only_problems_in_scope(cast, api, make_problem):
    mine = make_problem("in_progress")
    make_problem("in_progress", lead_unit=cast.unit_b)
    shared = make_problem("in_progress", lead_unit=cast.unit_b, cooperating_units=[cast.unit_a])
    assert set(codes(api(cast.admin_a).get("/api/v1/problems/"))) == {mine.code, shared.code}
    assert codes(api(cast.outsider).get("/api/v1/problems/")) == []
    assert len(codes(api(cast.oa).get("/api/v1/problems/"))) == 3


def test_it_answers_404_for_a_problem_outside_scope(cast, api, make_problem):
    problem = make_problem("in_progress")
    assert_error(api(cast.outsider).get(f"/api/v1/problems/{problem.pk}/"), 404, "not_found")
    r = api(cast.outsider).patch(f"/api/v1/problems/{problem.pk}/", {"title": "x"}, format="json")
    assert_error(r, 404, "not_found")
    assert_error(api(cast.oa).get("/api/v1/problems/999999/"), 404, "not_found")


def test_it_paginates(cast, api, make_problem):
    for _ in range(3):
        make_problem("draft")
    body = api(cast.oa).get("/api/v1/problems/?page_size=2").json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"].endswith("page=2&page_size=2")
    assert body["previous"] is None
    assert len(api(cast.oa).get("/api/v1/problems/?page=2&page_size=2").json()["results"]) == 1
    assert_error(api(cast.oa).get("/api/v1/problems/?page=9"), 404, "not_found")


def test_pages_read_in_order_hold_every_row_once_in_the_lists_order(cast, api, make_problem):
    """Pages pick their ids from the filtered, ordered list, then read those rows by id."""
    import datetime as dt

    for i in range(7):
        make_problem("in_progress", due_date=dt.date(2026, 4, 1) + dt.timedelta(days=(i * 5) % 7))
    make_problem("draft", lead_unit=cast.unit_b)
    for user, ordering in ((cast.oa, "due_date"), (cast.admin_a, "-due_date"), (cast.oa, "light")):
        everything = api(user).get(f"/api/v1/problems/?ordering={ordering}&page_size=200")
        expected = [row["id"] for row in everything.json()["results"]]
        seen, page = [], 1
        while True:
            body = api(user).get(f"/api/v1/problems/?ordering={ordering}&page_size=3&page={page}")
            seen += [row["id"] for row in body.json()["results"]]
            if body.json()["next"] is None:
                break
            page += 1
        assert seen == expected and len(set(seen)) == len(seen) == everything.json()["count"]
    dues = [
        r["due_date"]
        for r in api(cast.oa).get("/api/v1/problems/?ordering=due_date").json()["results"]
    ]
    assert dues == sorted(dues)


def test_it_caps_the_page_size(cast, api, make_problem):
    """SPEC §9: at most 200 a page; a larger page_size is served as 200 (README), not refused."""
    cap = 200
    first = make_problem("draft", measures=[])
    # The other 200 as copies of the first, in one INSERT: the list only needs rows.
    fields = {f.attname: getattr(first, f.attname) for f in Problem._meta.concrete_fields}
    del fields["id"]
    Problem.objects.bulk_create(
        Problem(**{**fields, "code": f"{first.code}-{n}"}) for n in range(1, cap + 1)
    )
    for size in (cap, cap + 1, 100_000):
        response = api(cast.oa).get(f"/api/v1/problems/?page_size={size}")
        assert response.status_code == 200, size
        body = response.json()
        assert (body["count"], len(body["results"])) == (cap + 1, cap), size
        assert "page_size=" in body["next"] and "page=2" in body["next"]
        last = api(cast.oa).get(body["next"]).json()["results"]
        assert len(last) == 1, size


# --- filters -----------------------------------------------------------------------------


@pytest.fixture
def ledger_rows(cast, make_problem):
    category = Category.objects.get(name="工作作风")
    campaign = Campaign.objects.create(name="专项", lead_unit=cast.unit_a)
    return {
        "draft": make_problem("draft", title="草稿问题", origin="legacy"),
        "overdue": make_problem(
            "in_progress", title="逾期问题", due_date=dt.date(2026, 2, 1), category=category
        ),
        "soon": make_problem("assigned", title="临期问题", due_date=dt.date(2026, 3, 5)),
        "school": make_problem(
            "in_progress",
            lead_unit=cast.unit_b,
            cooperating_units=[cast.school_a],
            source="audit",
            campaign=campaign,
            description="审计发现食堂问题",
        ),
        "closed": make_problem("closed", lead_unit=cast.unit_b, title="已销号问题"),
        "category": category,
        "campaign": campaign,
    }


@pytest.mark.parametrize(
    "query, expected",
    [
        ("status=draft", {"draft"}),
        ("status=in_progress,closed", {"overdue", "school", "closed"}),
        ("source=audit", {"school"}),
        ("origin=legacy", {"draft"}),
        ("light=red", {"overdue"}),
        ("light=yellow", {"soon"}),
        ("light=blue", {"closed"}),
        ("light=grey", {"draft"}),
        ("overdue=true", {"overdue"}),
        ("overdue=false", {"draft", "soon", "school", "closed"}),
        ("due_before=2026-03-05", {"overdue", "soon"}),
        ("due_after=2026-03-05", {"draft", "soon", "school", "closed"}),
        ("q=食堂", {"school"}),
        ("q=逾期", {"overdue"}),
        ("q=2024-XC3-001", {"draft"}),
    ],
)
def test_it_filters_the_list(cast, api, ledger_rows, query, expected):
    found = set(codes(api(cast.oa).get(f"/api/v1/problems/?{query}&page_size=200")))
    assert found == {ledger_rows[name].code for name in expected}


SEARCHES = [
    "食堂",  # Chinese: no case; two characters, so the pairs index on PostgreSQL
    "台账",  # in no text, though a title ends with 台 and the next column starts with 账
    "食",  # one character
    "2024",  # digits
    "24",
    "2024-xc3",  # a code typed in lower case
    "XC3-001",
    "xc",  # two cased characters
    "σοφία",  # Greek: cased beyond ASCII
    "ΣΟΦΊΑ",
    "ｓｃｈｏｏｌ",  # fullwidth letters are cased too
    "ＳＣＨＯＯＬ",
    "ß",
    "%",  # LIKE's wildcards are text here
    "_",
    "%_",
]


@pytest.mark.parametrize("every_problem", [False, True])
@pytest.mark.parametrize("value", SEARCHES)
def test_it_searches_text_with_the_same_rule_whatever_the_value(
    cast, make_problem, value, every_problem
):
    """`q` finds what a case-insensitive contains finds, in each database; a value without cased
    letters is also tested against the text as it is first, and for a user who sees every
    problem a two-character one against the text's pairs (issues.selectors.problem_filter.
    text_q) — neither may change what is found."""
    make_problem("in_progress", title="ΣΟΦΊΑ 学校食堂 ＳＣＨＯＯＬ")
    make_problem("assigned", description="σοφία 100% 的 ｓｃｈｏｏｌ_menu ß")
    make_problem("draft", title="其他", description="%_")
    make_problem("draft", title="检查台", description="账目清楚")
    reference = Problem.objects.filter(
        Q(code__icontains=value) | Q(title__icontains=value) | Q(description__icontains=value)
    )
    found = Problem.objects.filter(text_q(value, every_problem=every_problem))
    expected = set(reference.values_list("pk", flat=True))
    assert set(found.values_list("pk", flat=True)) == expected
    # A page (a LIMIT) may be written differently for the planner: still the same rows.
    assert set(found.order_by("-created_at").values_list("pk", flat=True)[:10]) == expected


def test_it_finds_a_code_or_title_whatever_its_case_for_a_unit_user(cast, api, make_problem):
    """The unit's search reads its scope (on PostgreSQL from issues_problemreach) and ignores
    case; a problem of another unit is never found."""
    mine = make_problem("in_progress", title="Wi-Fi 台账缺失")
    theirs = make_problem("in_progress", lead_unit=cast.unit_b, title="Wi-Fi 台账缺失")
    get = api(cast.admin_a).get
    for query in ("q=wi-fi", "q=WI-FI", "q=台账", f"q={mine.code.lower()}"):
        assert codes(get(f"/api/v1/problems/?{query}")) == [mine.code], query
    assert codes(get(f"/api/v1/problems/?q={theirs.code}")) == []


def test_it_checks_every_filter_given_beside_the_search(cast, api, ledger_rows):
    """The API's FilterSet holds only the filters a request names; each one named is still
    checked, and the others still narrow the list."""
    get = api(cast.oa).get
    assert codes(get("/api/v1/problems/?q=问题&status=in_progress&source=audit")) == [
        ledger_rows["school"].code
    ]
    assert_error(get("/api/v1/problems/?q=问题&unit=abc"), 400, "validation_error", "unit")
    assert_error(get("/api/v1/problems/?q=问题&overdue=maybe"), 400, "validation_error", "overdue")
    assert_error(get("/api/v1/problems/?q=问题&due_before="), 400, "validation_error", "due_before")
    assert sorted(codes(get("/api/v1/problems/?ordering=code&q=问题"))) == codes(
        get("/api/v1/problems/?ordering=code&q=问题")
    )


def test_it_filters_by_ids(cast, api, ledger_rows):
    rows = ledger_rows
    get = api(cast.oa).get
    assert codes(get(f"/api/v1/problems/?category={rows['category'].pk}")) == [rows["overdue"].code]
    assert codes(get(f"/api/v1/problems/?campaign={rows['campaign'].pk}")) == [rows["school"].code]
    assert codes(get(f"/api/v1/problems/?batch={cast.reviewed_batch.pk}")) == []
    assert len(codes(get(f"/api/v1/problems/?batch={cast.batch.pk}"))) == 5
    led_by_b = set(codes(get(f"/api/v1/problems/?lead_unit={cast.unit_b.pk}")))
    assert led_by_b == {rows["school"].code, rows["closed"].code}


def test_it_filters_by_unit_subtree_lead_or_cooperating(cast, api, ledger_rows):
    rows = ledger_rows
    get = api(cast.oa).get
    # 教育局's subtree holds 实验小学, a cooperating unit of the 卫健局 problem.
    subtree = set(codes(get(f"/api/v1/problems/?unit={cast.unit_a.pk}")))
    assert subtree == {rows[name].code for name in ("draft", "overdue", "soon", "school")}
    assert codes(get(f"/api/v1/problems/?unit={cast.school_a.pk}")) == [rows["school"].code]
    assert codes(get("/api/v1/problems/?unit=999999")) == []


def test_it_orders_the_list(cast, api, ledger_rows):
    rows = ledger_rows
    get = api(cast.oa).get
    by_due = codes(get("/api/v1/problems/?ordering=due_date"))
    assert by_due[:2] == [rows["overdue"].code, rows["soon"].code]
    assert codes(get("/api/v1/problems/?ordering=-due_date"))[-2:] == by_due[:2][::-1]
    by_code = codes(get("/api/v1/problems/?ordering=code"))
    assert by_code == sorted(by_code)
    newest_first = codes(get("/api/v1/problems/?ordering=-created_at"))
    assert newest_first == codes(get("/api/v1/problems/"))
    assert newest_first[0] == rows["closed"].code


@pytest.mark.parametrize("query", ["status=bogus", "light=purple", "ordering=title", "overdue=x"])
def test_it_refuses_bad_filter_values(cast, api, query):
    r = api(cast.oa).get(f"/api/v1/problems/?{query}")
    assert_error(r, 400, "validation_error", query.split("=")[0])


# --- creating ----------------------------------------------------------------------------


def test_it_creates_a_problem_with_inline_measures(cast, api):
    category = Category.objects.get(name="廉洁自律")
    payload = new_problem(
        cast,
        due_date="2026-05-31",
        category="廉洁自律",
        cooperating_units=[cast.school_a.pk],
        responsible_leader=cast.leader.pk,
        amount=3.5,
        measures=[
            {"content": "建立采购台账", "due_date": "2026-04-30"},
            {"content": "学校自查", "unit": cast.school_a.pk},
        ],
    )
    r = api(cast.oa).post("/api/v1/problems/", payload, format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert set(body) == PROBLEM_FIELDS
    assert (body["status"], body["light"], body["code"]) == ("draft", "grey", "2024-XC3-001")
    assert body["category"] == category.pk
    assert body["amount"] == 3.5
    assert [(m["seq"], m["unit"], m["due_date"]) for m in body["measures"]] == [
        (1, cast.unit_a.pk, "2026-04-30"),
        (2, cast.school_a.pk, "2026-05-31"),
    ]
    assert "submit" in body["allowed_actions"]
    problem = Problem.objects.get(pk=body["id"])
    assert problem.ledger_entries.get().action == "create"


def test_it_accepts_a_category_id(cast, api):
    category = Category.objects.get(name="工作作风")
    r = api(cast.oa).post(
        "/api/v1/problems/", new_problem(cast, category=category.pk), format="json"
    )
    assert r.status_code == 201 and r.json()["category"] == category.pk


def test_it_takes_the_batch_default_due_date(cast, api):
    r = api(cast.admin_a).post("/api/v1/problems/", new_problem(cast), format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["due_date"] == "2026-06-30"


def test_it_lets_long_term_problems_go_without_a_due_date(cast, api):
    payload = new_problem(cast, batch=cast.reviewed_batch.pk, rectify_type="long_term")
    r = api(cast.oa).post("/api/v1/problems/", payload, format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["due_date"] is None
    payload["rectify_type"] = "time_bound"
    r = api(cast.oa).post("/api/v1/problems/", payload, format="json")
    assert_error(r, 400, "validation_error", "due_date")


@pytest.mark.parametrize(
    "field, value",
    [
        ("batch", 999999),
        ("lead_unit", 999999),
        ("category", "不存在的类别"),
        ("category", 999999),
        ("campaign", 999999),
        ("responsible_leader", 999999),
        ("source", "rumour"),
        ("due_date", "2026-13-45"),
    ],
)
def test_it_answers_400_for_bad_references(cast, api, field, value):
    r = api(cast.oa).post("/api/v1/problems/", new_problem(cast, **{field: value}), format="json")
    assert_error(r, 400, "validation_error", field)
    assert not Problem.objects.exists()


def test_it_answers_400_for_references_outside_scope(cast, api):
    other_campaign = Campaign.objects.create(name="卫健专项", lead_unit=cast.unit_b)
    admin = api(cast.admin_a)
    for field, value in [
        ("lead_unit", cast.unit_b.pk),
        ("cooperating_units", [cast.unit_b.pk]),
        ("campaign", other_campaign.pk),
        ("owner", cast.staff_b.pk),
    ]:
        r = admin.post("/api/v1/problems/", new_problem(cast, **{field: value}), format="json")
        assert_error(r, 400, "validation_error", field)
    assert not Problem.objects.exists()


def test_it_refuses_a_measure_unit_that_is_neither_lead_nor_cooperating(cast, api):
    payload = new_problem(cast, measures=[{"content": "x", "unit": cast.unit_c.pk}])
    r = api(cast.oa).post("/api/v1/problems/", payload, format="json")
    assert_error(r, 400, "validation_error", "measures")
    assert not Problem.objects.exists()


def test_it_refuses_creation_to_roles_that_may_not_register(cast, api):
    for user in (cast.viewer_a, cast.staff_a, cast.head_a):
        r = api(user).post("/api/v1/problems/", new_problem(cast), format="json")
        assert_error(r, 403, "permission_denied")
    assert not Problem.objects.exists()


# --- editing -----------------------------------------------------------------------------


def test_it_edits_a_draft(cast, api, make_problem):
    problem = make_problem("draft")
    r = api(cast.admin_a).patch(
        f"/api/v1/problems/{problem.pk}/",
        {"title": "新标题", "due_date": "2026-09-30", "cooperating_units": [cast.school_a.pk]},
        format="json",
    )
    assert r.status_code == 200, r.json()
    body = r.json()
    assert (body["title"], body["due_date"]) == ("新标题", "2026-09-30")
    assert body["cooperating_units"] == [cast.school_a.pk]
    assert problem.ledger_entries.last().action == "edit"


def test_it_refuses_a_due_date_edit_once_assigned(cast, api, make_problem):
    problem = make_problem("in_progress")
    r = api(cast.oa).patch(
        f"/api/v1/problems/{problem.pk}/", {"due_date": "2026-12-31"}, format="json"
    )
    assert_error(r, 400, "validation_error", "due_date")
    r = api(cast.oa).patch(f"/api/v1/problems/{problem.pk}/", {"target": "见成效"}, format="json")
    assert r.status_code == 200 and r.json()["target"] == "见成效"


def test_it_refuses_edits_by_the_unit_once_assigned(cast, api, make_problem):
    problem = make_problem("in_progress")
    r = api(cast.admin_a).patch(f"/api/v1/problems/{problem.pk}/", {"title": "x"}, format="json")
    assert_error(r, 403, "permission_denied")


def test_it_refuses_edits_of_a_finished_problem(cast, api, make_problem):
    problem = make_problem("withdrawn")
    r = api(cast.oa).patch(f"/api/v1/problems/{problem.pk}/", {"title": "x"}, format="json")
    assert_error(r, 409, "invalid_transition")


def test_it_refuses_fields_a_plain_edit_may_not_change(cast, api, make_problem):
    problem = make_problem("draft")
    r = api(cast.oa).patch(
        f"/api/v1/problems/{problem.pk}/", {"batch": cast.reviewed_batch.pk}, format="json"
    )
    assert_error(r, 400, "validation_error", "batch")


def test_it_ignores_read_only_fields(cast, api, make_problem):
    problem = make_problem("draft")
    r = api(cast.oa).patch(
        f"/api/v1/problems/{problem.pk}/", {"status": "closed", "code": "X"}, format="json"
    )
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["code"]) == ("draft", problem.code)


def test_it_refuses_moving_a_problem_outside_the_editors_scope(cast, api, make_problem):
    problem = make_problem("draft")
    r = api(cast.admin_a).patch(
        f"/api/v1/problems/{problem.pk}/", {"lead_unit": cast.unit_b.pk}, format="json"
    )
    assert_error(r, 400, "validation_error", "lead_unit")
    problem.refresh_from_db()
    assert problem.lead_unit == cast.unit_a
