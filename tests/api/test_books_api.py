"""The books over HTTP (SPEC §9): statistics within scope and with the problem filters,
回头看, 建章立制, imports and their error shape, and the OpenAPI schema."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from issues.models import Batch, Category, Problem, Regulation, Unit
from issues.services.workflow import perform_action
from ledger.models import LedgerEntry
from tests.api.conftest import assert_error

SHANGHAI = ZoneInfo("Asia/Shanghai")
SUMMARY_FIELDS = {
    "total",
    "completed",
    "in_progress",
    "long_term",
    "overdue",
    "completion_rate",
    "on_time_rate",
}


@pytest.fixture
def county(cast, make_problem, _today):
    """Hand-counted. 教育局: closed on time, closed late, routine, in_progress overdue,
    assigned, long_term, closeout_review, draft, withdrawn (source audit for two of them).
    卫健局: closed, in_progress. One regulation linked to the late one."""
    category = Category.objects.get(name="工作作风")
    late = make_problem("in_progress", due_date=dt.date(2026, 3, 5), category=category)
    make_problem("closed", source="audit", category=category)
    make_problem("routine")
    make_problem("in_progress", due_date=dt.date(2026, 3, 5), source="audit")
    make_problem("assigned")
    make_problem("long_term")
    make_problem("closeout_review")
    make_problem("draft")
    make_problem("withdrawn")
    make_problem("closed", lead_unit=cast.unit_b)
    make_problem("in_progress", lead_unit=cast.unit_b)
    _today.move_to(dt.datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI))
    from tests.conftest import _finish_measures_and_upload

    _finish_measures_and_upload(cast, late, cast.admin_a)
    perform_action(
        problem_id=late.pk, action="request_closeout", actor=cast.admin_a, data={"summary": "完成"}
    )
    for reviewer in (cast.head_a, cast.rev):
        perform_action(problem_id=late.pk, action="approve_closeout", actor=reviewer)
    Regulation.objects.create(
        name="制度一", issued_on=dt.date(2026, 3, 1), unit=cast.unit_a
    ).problems.add(late)
    cast.category = category
    return cast


def get(api, user, url, status=200):
    response = api(user).get(url)
    assert response.status_code == status, response.content
    return response.json()


# --- statistics --------------------------------------------------------------------------------


def test_the_summary_matches_the_hand_count(county, api):
    body = get(api, county.oa, "/api/v1/stats/summary/")
    assert SUMMARY_FIELDS <= set(body)
    assert body == {
        "total": 9,
        "completed": 4,
        "in_progress": 4,
        "long_term": 1,
        "overdue": 1,
        "completion_rate": 44.4,
        "on_time_rate": 50.0,
        "reopened": 0,
        # Every problem shares one title: the 5 counted 教育局 and 1 卫健局 problems made
        # after their unit's first close-out are 重复发生.
        "repeat_count": 6,
        "regulations": 1,
        "on_time_report_rate": None,  # no batch has a reporting rhythm here
    }


def test_the_summary_respects_scope_and_filters(county, api):
    assert get(api, county.admin_b, "/api/v1/stats/summary/")["total"] == 2
    assert get(api, county.outsider, "/api/v1/stats/summary/")["total"] == 0
    assert get(api, county.admin_a, "/api/v1/stats/summary/")["total"] == 7
    audit = get(api, county.oa, "/api/v1/stats/summary/?source=audit")
    assert (audit["total"], audit["completed"], audit["overdue"]) == (2, 1, 1)
    assert get(api, county.oa, "/api/v1/stats/summary/?overdue=true")["total"] == 1
    assert get(api, county.oa, f"/api/v1/stats/summary/?lead_unit={county.unit_b.pk}")["total"] == 2
    assert_error(api(county.oa).get("/api/v1/stats/summary/?status=nope"), 400, "validation_error")
    assert_error(api(None).get("/api/v1/stats/summary/"), 401, "not_authenticated")


def test_units_give_one_row_per_unit_in_scope(county, api):
    rows = get(api, county.admin_a, "/api/v1/stats/units/")
    assert [r["unit"] for r in rows] == [
        {"id": county.unit_a.pk, "name": "教育局"},
        {"id": county.school_a.pk, "name": "实验小学"},
    ]
    a = rows[0]
    assert SUMMARY_FIELDS <= set(a)
    assert (a["total"], a["completed"], a["in_progress"], a["long_term"], a["overdue"]) == (
        7,
        3,
        3,
        1,
        1,
    )
    assert a["regulations"] == 1
    everyone = get(api, county.oa, "/api/v1/stats/units/")
    assert len(everyone) == Unit.objects.count()
    assert sum(r["total"] for r in everyone) == 9
    assert get(api, county.outsider, "/api/v1/stats/units/")[0]["unit"]["name"] == "民政局"


def test_units_cost_a_constant_number_of_queries(county, api):
    def count():
        user = get_user_model().objects.get(pk=county.oa.pk)
        with CaptureQueriesContext(connection) as ctx:
            assert api(user).get("/api/v1/stats/units/").status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for i in range(5):
        Unit.objects.create(name=f"新单位{i}", code=f"NEW{i}", parent=county.county)
    assert count() == before


def test_breakdowns_by_source_category_and_batch(county, api):
    by_source = {r["key"]: r for r in get(api, county.oa, "/api/v1/stats/by/source/")}
    assert (by_source["audit"]["total"], by_source["audit"]["label"]) == (2, "审计监督")
    assert by_source["circuit_inspection"]["total"] == 7
    by_category = {r["label"]: r for r in get(api, county.oa, "/api/v1/stats/by/category/")}
    assert by_category["工作作风"]["total"] == 2
    assert by_category["工作作风"]["regulations"] == 1
    assert by_category["未分类"]["total"] == 7
    (batch,) = get(api, county.oa, "/api/v1/stats/by/batch/")
    assert (batch["label"], batch["total"]) == ("县委第三轮巡察反馈问题", 9)
    assert get(api, county.admin_b, "/api/v1/stats/by/source/")[0]["total"] == 2
    assert_error(api(county.oa).get("/api/v1/stats/by/colour/"), 404, "not_found")


def test_the_trend_and_the_ranking(county, api):
    trend = get(api, county.oa, "/api/v1/stats/trend/?months=3")
    assert [m["month"] for m in trend] == ["2026-01", "2026-02", "2026-03"]
    assert trend[-1] == {"month": "2026-03", "created": 9, "closed": 3}
    assert_error(api(county.oa).get("/api/v1/stats/trend/?months=0"), 400, "validation_error")
    ranking = get(api, county.oa, "/api/v1/stats/ranking/")
    assert [(r["rank"], r["unit"]["name"]) for r in ranking] == [(1, "卫健局"), (2, "教育局")]
    assert [r["unit"]["name"] for r in get(api, county.admin_a, "/api/v1/stats/ranking/")] == [
        "教育局"
    ]


# --- 回头看 -------------------------------------------------------------------------------------


def test_a_relapsed_follow_up_reopens_the_problem(cast, make_problem, api):
    problem = make_problem("closed")
    url = f"/api/v1/problems/{problem.pk}/follow-ups/"
    response = api(cast.rev).post(
        url,
        {
            "result": "relapsed",
            "findings": "又反弹了",
            "review_date": "2026-03-01",
            "new_due_date": "2026-05-31",
            "confirm_earlier": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["result"], body["reviewer"], body["problem_status"]) == (
        "relapsed",
        cast.rev.pk,
        "in_progress",
    )
    actions = list(
        LedgerEntry.objects.filter(problem=problem).order_by("seq").values_list("action", flat=True)
    )
    assert actions[-2:] == ["follow_up", "reopen"]
    listed = get(api, cast.admin_a, url)
    assert listed["count"] == 1 and listed["results"][0]["findings"] == "又反弹了"


def test_follow_up_errors(cast, make_problem, api):
    closed = make_problem("closed")
    url = f"/api/v1/problems/{closed.pk}/follow-ups/"
    body = {"result": "not_effective", "findings": "不到位", "review_date": "2026-03-01"}
    assert_error(
        api(cast.rev).post(url, body, format="json"), 400, "validation_error", "new_due_date"
    )
    assert_error(
        api(cast.admin_a).post(url, {**body, "new_due_date": "2026-05-31"}, format="json"),
        403,
        "permission_denied",
    )
    assert_error(api(cast.outsider).post(url, body, format="json"), 404, "not_found")
    assert_error(api(cast.outsider).get(url), 404, "not_found")
    assert_error(
        api(cast.rev).post(url, {"result": "meh", "review_date": "2026-03-01"}, format="json"),
        400,
        "validation_error",
        "result",
    )
    open_problem = make_problem("in_progress")
    assert_error(
        api(cast.rev).post(
            f"/api/v1/problems/{open_problem.pk}/follow-ups/",
            {"result": "consolidated", "review_date": "2026-03-01"},
            format="json",
        ),
        409,
        "invalid_transition",
    )


# --- 建章立制 ----------------------------------------------------------------------------------


def test_regulations_over_the_api(cast, make_problem, api):
    mine = make_problem("closed")
    theirs = make_problem("closed", lead_unit=cast.unit_b)
    response = api(cast.admin_a).post(
        "/api/v1/regulations/",
        {
            "name": "村务公开制度",
            "doc_no": "教发〔2026〕1号",
            "kind": "new",
            "issued_on": "2026-03-01",
            "unit": cast.unit_a.pk,
            "problems": [mine.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    assert {k: created[k] for k in ("name", "doc_no", "kind", "issued_on", "unit", "problems")} == {
        "name": "村务公开制度",
        "doc_no": "教发〔2026〕1号",
        "kind": "new",
        "issued_on": "2026-03-01",
        "unit": cast.unit_a.pk,
        "problems": [mine.pk],
    }
    url = f"/api/v1/regulations/{created['id']}/"
    patched = api(cast.admin_a).patch(url, {"kind": "revised"}, format="json").json()
    assert (patched["kind"], patched["problems"]) == ("revised", [mine.pk])
    # The office links another unit's problem; 教育局 sees the regulation but not that problem.
    api(cast.oa).patch(url, {"problems": [mine.pk, theirs.pk]}, format="json")
    assert get(api, cast.admin_a, url)["problems"] == [mine.pk]
    assert sorted(get(api, cast.oa, url)["problems"]) == sorted([mine.pk, theirs.pk])

    assert_error(api(cast.admin_b).get(url), 404, "not_found")
    assert_error(
        api(cast.admin_a).post(
            "/api/v1/regulations/",
            {"name": "x", "issued_on": "2026-03-01", "unit": cast.unit_b.pk},
            format="json",
        ),
        400,
        "validation_error",
        "unit",
    )
    assert_error(
        api(cast.admin_a).post(
            "/api/v1/regulations/",
            {
                "name": "x",
                "issued_on": "2026-03-01",
                "unit": cast.unit_a.pk,
                "problems": [theirs.pk],
            },
            format="json",
        ),
        400,
        "validation_error",
        "problems",
    )
    assert_error(
        api(cast.staff_a).post(
            "/api/v1/regulations/",
            {"name": "x", "issued_on": "2026-03-01", "unit": cast.unit_a.pk},
            format="json",
        ),
        403,
        "permission_denied",
    )
    assert get(api, cast.admin_b, "/api/v1/regulations/")["count"] == 0
    assert get(api, cast.oa, f"/api/v1/regulations/?problem={theirs.pk}")["count"] == 1


# --- imports -----------------------------------------------------------------------------------


def upload(rows):
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("清单.xlsx", out.getvalue())


def test_the_import_api_answers_with_counts_or_every_bad_row(cast, api):
    batch = Batch.objects.create(name="新批次", code_prefix="NEW", source="audit")
    good = [
        ["问题描述", "牵头单位", "整改时限"],
        ["甲", "教育局", "2026-06-30"],
        ["乙", "卫健局", "长期坚持"],
    ]
    client = api(cast.oa)
    dry = client.post(
        "/api/v1/imports/problems/",
        {"file": upload(good), "batch": batch.pk, "dry_run": "true"},
        format="multipart",
    )
    assert dry.status_code == 200 and dry.json() == {"created": 2, "dry_run": True, "errors": []}
    assert Problem.objects.count() == 0
    real = client.post(
        "/api/v1/imports/problems/",
        {"file": upload(good), "batch": batch.pk, "dry_run": "false"},
        format="multipart",
    )
    assert real.json() == {"created": 2, "dry_run": False, "errors": []}
    assert Problem.objects.filter(batch=batch).count() == 2

    bad = [
        ["问题描述", "牵头单位", "整改时限"],
        ["甲", "教育局", "哪天"],
        ["", "火星局", "2026-06-30"],
    ]
    response = client.post(
        "/api/v1/imports/problems/",
        {"file": upload(bad), "batch": batch.pk, "dry_run": "false"},
        format="multipart",
    )
    body = assert_error(response, 400, "validation_error", "rows")
    assert [(e["row"], e["column"]) for e in body["errors"]["rows"]] == [
        (2, "整改时限"),
        (3, "问题描述"),
        (3, "牵头单位"),
    ]
    assert all(set(e) == {"row", "column", "message"} for e in body["errors"]["rows"])
    assert Problem.objects.filter(batch=batch).count() == 2

    assert_error(
        api(cast.admin_a).post(
            "/api/v1/imports/problems/",
            {"file": upload(good), "batch": batch.pk},
            format="multipart",
        ),
        403,
        "permission_denied",
    )
    assert_error(
        client.post("/api/v1/imports/problems/", {"batch": batch.pk}, format="multipart"),
        400,
        "validation_error",
        "file",
    )
    assert_error(
        client.post(
            "/api/v1/imports/problems/",
            {"file": SimpleUploadedFile("a.txt", b"x"), "batch": batch.pk},
            format="multipart",
        ),
        415,
        "unsupported_file_type",
    )


def test_the_schema_documents_the_books(cast, client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/v1/exports/ledger.xlsx",
        "/api/v1/exports/ledger.csv",
        "/api/v1/imports/template.xlsx",
        "/api/v1/imports/problems/",
        "/api/v1/problems/{id}/closeout-form.xlsx",
        "/api/v1/units/{id}/report.xlsx",
        "/api/v1/stats/summary/",
        "/api/v1/stats/units/",
        "/api/v1/stats/by/{dimension}/",
        "/api/v1/stats/trend/",
        "/api/v1/stats/ranking/",
        "/api/v1/problems/{id}/follow-ups/",
        "/api/v1/regulations/",
        "/api/v1/regulations/{id}/",
    ]:
        assert path in paths, path
    summary_params = {p["name"] for p in paths["/api/v1/stats/summary/"]["get"]["parameters"]}
    assert {"status", "batch", "unit", "overdue"} <= summary_params
