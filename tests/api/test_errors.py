"""The error shape of SPEC §9 on answers that no view writes itself, and the schema."""

from tests.api.conftest import assert_error


def test_it_answers_an_unknown_api_path_with_the_error_shape(cast, api):
    r = api(cast.oa).get("/api/v1/nonexistent/")
    assert r["Content-Type"] == "application/json"
    assert_error(r, 404, "not_found")


def test_it_answers_an_unknown_path_even_anonymously(client, db):
    assert_error(client.get("/api/v1/nonexistent/"), 404, "not_found")


def test_it_answers_405_for_a_method_not_allowed(cast, api):
    r = api(cast.oa).delete("/api/v1/problems/")
    assert_error(r, 405, "method_not_allowed")


def test_it_answers_400_for_malformed_json(cast, api):
    r = api(cast.oa).generic(
        "POST", "/api/v1/problems/", '{"title": "oops', content_type="application/json"
    )
    assert_error(r, 400, "validation_error")


def test_it_answers_415_for_an_unsupported_media_type(cast, api, make_problem):
    problem = make_problem("in_progress")
    r = api(cast.admin_a).generic(
        "POST", f"/api/v1/problems/{problem.pk}/evidence/", "{}", content_type="application/json"
    )
    assert_error(r, 415, "unsupported_file_type")


def test_it_collects_field_errors(cast, api):
    r = api(cast.oa).post("/api/v1/problems/", {}, format="json")
    body = assert_error(r, 400, "validation_error", "batch", "title", "lead_unit", "source")
    assert all(isinstance(m, str) for m in body["errors"]["title"])


def test_it_serves_the_openapi_schema(cast, client):
    r = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for path in [
        "/api/v1/auth/token/",
        "/api/v1/me/",
        "/api/v1/units/",
        "/api/v1/units/{id}/",
        "/api/v1/users/",
        "/api/v1/memberships/",
        "/api/v1/memberships/{id}/",
        "/api/v1/batches/",
        "/api/v1/batches/{id}/",
        "/api/v1/campaigns/",
        "/api/v1/problems/",
        "/api/v1/problems/{id}/",
        "/api/v1/problems/{id}/actions/{action}/",
        "/api/v1/problems/{id}/measures/",
        "/api/v1/measures/{id}/",
        "/api/v1/problems/{id}/progress/",
        "/api/v1/problems/{id}/evidence/",
        "/api/v1/evidence/{id}/download/",
        "/api/v1/problems/{id}/requests/",
        "/api/v1/reviews/pending/",
        "/api/v1/problems/{id}/ledger/",
        "/api/v1/ledger/verify/",
    ]:
        assert path in paths, path
    assert "put" not in paths["/api/v1/problems/{id}/"]


def test_it_serves_the_api_docs(client, db):
    r = client.get("/api/docs/")
    assert r.status_code == 200
    assert b"swagger" in r.content.lower()
