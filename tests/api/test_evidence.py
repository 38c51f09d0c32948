"""Evidence: upload (type, content and size checks), list and download."""

import os
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from issues.models import Evidence
from tests.api.conftest import assert_error

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n"


def upload(api, user, problem, name, content, **fields):
    return api(user).post(
        f"/api/v1/problems/{problem.pk}/evidence/",
        {"file": SimpleUploadedFile(name, content), "kind": "minutes", **fields},
        format="multipart",
    )


@pytest.fixture
def problem(make_problem):
    return make_problem("in_progress")


def test_it_uploads_evidence(cast, api, problem, _media_root):
    measure = problem.measures.get()
    r = upload(
        api, cast.staff_a, problem, "会议纪要.pdf", PDF,
        description="专题会议", measure=measure.pk, stage="after",
    )  # fmt: skip
    assert r.status_code == 201, r.json()
    body = r.json()
    evidence = Evidence.objects.get(pk=body["id"])
    assert body == {
        "id": evidence.pk,
        "file_name": "会议纪要.pdf",
        "size": len(PDF),
        "content_type": "application/pdf",
        "kind": "minutes",
        "description": "专题会议",
        "uploaded_by": cast.staff_a.pk,
        "uploaded_at": "2026-03-02T10:00:00+08:00",
        "download_url": f"http://testserver/api/v1/evidence/{evidence.pk}/download/",
    }
    assert (evidence.measure, evidence.stage) == (measure, "after")
    # Stored under a generated name inside MEDIA_ROOT, never under the uploader's name.
    stored = os.path.realpath(evidence.file.path)
    assert stored.startswith(os.path.realpath(_media_root) + os.sep)
    assert "会议纪要" not in stored


def test_it_lists_a_problems_evidence(cast, api, problem):
    upload(api, cast.admin_a, problem, "a.pdf", PDF)
    upload(api, cast.admin_a, problem, "b.png", b"\x89PNG\r\n\x1a\n" + b"0" * 16)
    r = api(cast.viewer_a).get(f"/api/v1/problems/{problem.pk}/evidence/")
    assert r.status_code == 200
    assert {row["file_name"] for row in r.json()["results"]} == {"a.pdf", "b.png"}
    assert_error(
        api(cast.outsider).get(f"/api/v1/problems/{problem.pk}/evidence/"), 404, "not_found"
    )


@pytest.mark.parametrize(
    "name, content",
    [
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 60),
        ("noextension", PDF),
        ("page.html", b"<html><script>alert(1)</script></html>"),
        ("invoice.pdf", b"MZ\x90\x00" + b"\x00" * 60),  # an executable renamed .pdf
        ("report.pdf", b"<html><script>alert(1)</script></html>"),  # HTML renamed .pdf
        ("photo.jpg", PDF),
        ("sheet.xlsx", b"not a zip at all"),
    ],
)
def test_it_refuses_unsupported_or_disguised_files(cast, api, problem, name, content):
    r = upload(api, cast.admin_a, problem, name, content)
    assert_error(r, 415, "unsupported_file_type", "file")
    assert not Evidence.objects.exists()


def test_it_refuses_a_file_over_the_limit_with_413(cast, api, problem):
    """A real 21 MiB multipart upload answers 413, not Django's 400 RequestDataTooBig."""
    content = PDF + b"0" * (21 * 1024 * 1024)
    r = upload(api, cast.admin_a, problem, "big.pdf", content)
    assert_error(r, 413, "file_too_large", "file")
    assert not Evidence.objects.exists()


def test_it_measures_the_file_against_the_setting(cast, api, problem, settings):
    """Just over the limit: parsed into a temporary file, measured by the service."""
    settings.UPLOAD_MAX_BYTES = 1024
    assert upload(api, cast.admin_a, problem, "ok.pdf", PDF + b"0" * 900).status_code == 201
    r = upload(api, cast.admin_a, problem, "big.pdf", PDF + b"0" * 1100)
    assert_error(r, 413, "file_too_large")


def test_it_cleans_a_path_traversal_name(cast, api, problem, _media_root):
    r = upload(api, cast.admin_a, problem, "../../etc/passwd.pdf", PDF)
    assert r.status_code == 201, r.json()
    assert r.json()["file_name"] == "passwd.pdf"
    evidence = Evidence.objects.get()
    assert os.path.realpath(evidence.file.path).startswith(os.path.realpath(_media_root) + os.sep)
    assert ".." not in evidence.file.name


def test_it_requires_a_file_and_a_known_kind(cast, api, problem):
    r = api(cast.admin_a).post(
        f"/api/v1/problems/{problem.pk}/evidence/", {"kind": "minutes"}, format="multipart"
    )
    assert_error(r, 400, "validation_error", "file")
    r = upload(api, cast.admin_a, problem, "a.pdf", PDF, kind="selfie")
    assert_error(r, 400, "validation_error", "kind")


def test_it_refuses_uploads_by_outsiders_and_readers(cast, api, problem):
    assert_error(upload(api, cast.outsider, problem, "a.pdf", PDF), 404, "not_found")
    assert_error(upload(api, cast.viewer_a, problem, "a.pdf", PDF), 403, "permission_denied")
    assert not Evidence.objects.exists()


def test_it_downloads_a_file_as_an_attachment(cast, api, problem):
    evidence_id = upload(api, cast.admin_a, problem, "整改报告.pdf", PDF).json()["id"]
    r = api(cast.viewer_a).get(f"/api/v1/evidence/{evidence_id}/download/", HTTP_ACCEPT="*/*")
    assert r.status_code == 200
    assert b"".join(r.streaming_content) == PDF
    assert r["Content-Type"] == "application/pdf"
    assert r["X-Content-Type-Options"] == "nosniff"
    disposition = r["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert f"filename*=utf-8''{quote('整改报告.pdf')}" in disposition


def test_it_downloads_whatever_the_client_accepts(cast, api, problem):
    evidence_id = upload(api, cast.admin_a, problem, "a.pdf", PDF).json()["id"]
    r = api(cast.admin_a).get(
        f"/api/v1/evidence/{evidence_id}/download/", HTTP_ACCEPT="application/pdf"
    )
    assert r.status_code == 200


def test_it_hides_downloads_outside_scope(cast, api, problem):
    evidence_id = upload(api, cast.admin_a, problem, "a.pdf", PDF).json()["id"]
    r = api(cast.outsider).get(f"/api/v1/evidence/{evidence_id}/download/")
    assert_error(r, 404, "not_found")
    assert_error(api(cast.oa).get("/api/v1/evidence/999999/download/"), 404, "not_found")
