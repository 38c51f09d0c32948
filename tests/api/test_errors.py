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


def test_it_serves_the_api_docs(client, db, settings):
    # The page links Swagger UI from our static files; the manifest exists only after
    # collectstatic, which a test run need not have done.
    storages = {**settings.STORAGES}
    storages["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    settings.STORAGES = storages
    r = client.get("/api/docs/")
    assert r.status_code == 200
    assert b"swagger" in r.content.lower()


def test_it_flattens_nested_field_errors_to_lists_of_strings(cast, api):
    payload = {
        "batch": cast.batch.pk,
        "title": "t",
        "description": "d",
        "lead_unit": cast.unit_a.pk,
        "source": "audit",
        "measures": [{"content": "ok"}, {"due_date": "someday"}],
    }
    body = assert_error(
        api(cast.oa).post("/api/v1/problems/", payload, format="json"),
        400,
        "validation_error",
        "measures",
    )
    messages = body["errors"]["measures"]
    assert all(isinstance(m, str) for m in messages)
    assert any(m.startswith("[2] content：") for m in messages), messages
    assert any(m.startswith("[2] due_date：") for m in messages), messages


def test_it_flattens_nested_action_input_errors(cast, api, make_problem):
    problem = make_problem("in_progress")
    r = api(cast.admin_a).post(
        f"/api/v1/problems/{problem.pk}/actions/request_closeout/",
        {"summary": "完成", "self_check": {"effective": "maybe"}},
        format="json",
    )
    body = assert_error(r, 400, "validation_error", "self_check")
    assert body["errors"]["self_check"][0].startswith("effective：")


def test_it_answers_413_for_oversized_form_fields(cast, api, make_problem, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    problem = make_problem("in_progress")
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = api(cast.admin_a).post(
        f"/api/v1/problems/{problem.pk}/evidence/",
        {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4"), "description": "长" * 2000},
        format="multipart",
    )
    assert_error(r, 413, "file_too_large")


def test_it_generates_the_schema_without_warnings(db, tmp_path):
    from django.core.management import call_command

    # --fail-on-warn turns any warning (an unresolvable serializer, a name clash) into an error.
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "s.yml"))
    assert (tmp_path / "s.yml").read_text().startswith("openapi: 3")
