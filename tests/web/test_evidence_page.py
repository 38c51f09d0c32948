"""Evidence on the page: several files per upload, the sandboxed inline preview, delete and
replace, 整改前/整改后 side by side (issue 16 item 3)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from issues.models import Evidence
from issues.services.reports import evidence_upload
from ledger.models import LedgerEntry

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
DOCX = b"PK\x03\x04" + b"\x00" * 32


def _upload(user, problem, name, content, **fields):
    return evidence_upload(
        actor=user, problem_id=problem.pk, upload=SimpleUploadedFile(name, content), **fields
    )


@pytest.fixture
def problem(make_problem):
    return make_problem("in_progress")


def test_it_uploads_several_files_at_once(cast, web, problem):
    files = [SimpleUploadedFile("前.png", PNG), SimpleUploadedFile("后.pdf", PDF)]
    r = web(cast.staff_a).post(
        f"/problems/{problem.pk}/evidence/", {"file": files, "kind": "photo", "stage": "after"}
    )
    assert r.status_code == 302
    stored = Evidence.objects.filter(problem=problem).order_by("file_name")
    assert [(e.file_name, e.stage) for e in stored] == [("前.png", "after"), ("后.pdf", "after")]
    actions = LedgerEntry.objects.filter(problem_id=problem.pk, action="evidence_add")
    assert actions.count() == 2


def test_it_stores_none_when_one_of_several_files_is_refused(cast, web, problem):
    files = [SimpleUploadedFile("好.png", PNG), SimpleUploadedFile("坏.exe", b"MZ")]
    r = web(cast.staff_a).post(
        f"/problems/{problem.pk}/evidence/", {"file": files, "kind": "photo"}
    )
    assert r.status_code == 415
    assert not Evidence.objects.filter(problem=problem).exists()


def test_it_replaces_a_file_in_place_and_records_both_names(cast, web, problem):
    old = _upload(cast.staff_a, problem, "旧.png", PNG, kind="photo", stage="before")
    r = web(cast.staff_a).post(
        f"/evidence/{old.pk}/replace/", {f"r{old.pk}-file": SimpleUploadedFile("新.png", PNG)}
    )
    assert r.status_code == 302
    new = Evidence.objects.get(problem=problem)
    assert (new.file_name, new.kind, new.stage) == ("新.png", "photo", "before")
    entry = LedgerEntry.objects.filter(problem_id=problem.pk).order_by("-seq").first()
    assert (entry.action, entry.changes) == ("evidence_replace", {"evidence": ["旧.png", "新.png"]})


def test_it_refuses_delete_on_the_page_once_a_close_out_request_is_filed(cast, web, make_problem):
    problem = make_problem("closeout_review")
    evidence = problem.evidence.get()
    page = web(cast.admin_a).get(f"/problems/{problem.pk}/").content.decode()
    assert f"evidence-delete-{evidence.pk}" not in page
    r = web(cast.admin_a).post(f"/evidence/{evidence.pk}/delete/")
    assert r.status_code == 409
    assert Evidence.objects.filter(pk=evidence.pk).exists()


def test_it_shows_before_and_after_photos_side_by_side(cast, web, problem):
    before = _upload(cast.staff_a, problem, "前.png", PNG, kind="photo", stage="before")
    after = _upload(cast.staff_a, problem, "后.png", PNG, kind="photo", stage="after")
    page = web(cast.viewer_a).get(f"/problems/{problem.pk}/").content.decode()
    block = page[page.index('data-testid="before-after"') :]
    assert block.index(f"/evidence/{before.pk}/preview/") < block.index("整改后")
    assert block.index("整改后") < block.index(f"/evidence/{after.pk}/preview/")


def test_it_previews_images_inline_in_a_sandbox(cast, web, problem):
    image = _upload(cast.staff_a, problem, "现场.png", PNG)
    client = web(cast.viewer_a)
    r = client.get(f"/evidence/{image.pk}/preview/")
    assert r.status_code == 200
    assert r["Content-Type"] == "image/png"
    assert r["Content-Disposition"].startswith("inline")
    assert r["Content-Security-Policy"] == "sandbox"
    assert r["X-Content-Type-Options"] == "nosniff"
    # The download stays an attachment.
    r = client.get(f"/api/v1/evidence/{image.pk}/download/")
    assert r["Content-Disposition"].startswith("attachment")


def test_it_has_no_preview_for_other_types_or_outside_scope(cast, web, problem):
    docx = _upload(cast.staff_a, problem, "方案.docx", DOCX)
    image = _upload(cast.staff_a, problem, "现场.png", PNG)
    assert web(cast.staff_a).get(f"/evidence/{docx.pk}/preview/").status_code == 404
    assert web(cast.outsider).get(f"/evidence/{image.pk}/preview/").status_code == 404
    assert web(None).get(f"/evidence/{image.pk}/preview/").status_code == 302  # to log in
