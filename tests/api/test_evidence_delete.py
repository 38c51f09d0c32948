"""Deleting evidence: DELETE /api/v1/evidence/{id}/ (issue 16 item 3)."""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from issues.models import Evidence
from issues.services.reports import evidence_upload
from issues.services.workflow import perform_action
from ledger.models import LedgerEntry
from tests.api.conftest import assert_error

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


def test_it_lets_the_uploader_delete_a_wrong_file_and_records_it(
    cast, api, problem, django_capture_on_commit_callbacks
):
    evidence = _upload(cast.staff_a, problem, "错传的.pdf", PDF)
    path = evidence.file.path
    with django_capture_on_commit_callbacks(execute=True):  # the file goes after the commit
        r = api(cast.staff_a).delete(f"/api/v1/evidence/{evidence.pk}/")
    assert r.status_code == 204
    assert not Evidence.objects.filter(pk=evidence.pk).exists()
    assert not os.path.exists(path)
    entry = LedgerEntry.objects.filter(problem_id=problem.pk).order_by("-seq").first()
    assert (entry.action, entry.actor, entry.changes) == (
        "evidence_delete",
        cast.staff_a,
        {"evidence": ["错传的.pdf", None]},
    )


def test_it_refuses_others_who_are_neither_uploader_liaison_nor_office(cast, api, problem):
    evidence = _upload(cast.admin_a, problem, "纪要.pdf", PDF)
    assert_error(
        api(cast.staff_a).delete(f"/api/v1/evidence/{evidence.pk}/"), 403, "permission_denied"
    )
    assert_error(
        api(cast.head_a).delete(f"/api/v1/evidence/{evidence.pk}/"), 403, "permission_denied"
    )
    assert api(cast.outsider).delete(f"/api/v1/evidence/{evidence.pk}/").status_code == 404
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    # The lead unit's liaison and an office admin may.
    other = _upload(cast.staff_a, problem, "照片.png", PNG)
    assert api(cast.admin_a).delete(f"/api/v1/evidence/{other.pk}/").status_code == 204
    assert api(cast.oa).delete(f"/api/v1/evidence/{evidence.pk}/").status_code == 204


def test_it_refuses_delete_once_a_close_out_request_is_filed(cast, api, make_problem):
    problem = make_problem("closeout_review")
    evidence = problem.evidence.get()
    r = api(cast.admin_a).delete(f"/api/v1/evidence/{evidence.pk}/")
    body = assert_error(r, 409, "invalid_transition")
    assert "销号审核" in body["detail"]
    assert Evidence.objects.filter(pk=evidence.pk).exists()


def test_it_refuses_delete_of_a_file_attached_to_an_approved_request(cast, api, make_problem):
    problem = make_problem("closeout_review")
    evidence = problem.evidence.get()
    perform_action(problem_id=problem.pk, action="withdraw_closeout", actor=cast.admin_a)
    attached = _upload(cast.admin_a, problem, "照片.png", PNG, kind="photo")
    perform_action(
        problem_id=problem.pk,
        action="request_closeout",
        actor=cast.admin_a,
        data={"summary": "已完成", "evidence": [attached.pk]},
    )
    for step_user in (cast.head_a, cast.rev):
        perform_action(problem_id=problem.pk, action="approve_closeout", actor=step_user)
    r = api(cast.oa).delete(f"/api/v1/evidence/{attached.pk}/")
    assert_error(r, 409, "invalid_transition")
    assert Evidence.objects.filter(pk__in=[evidence.pk, attached.pk]).count() == 2


def test_it_allows_delete_again_after_the_request_is_withdrawn(cast, api, make_problem):
    problem = make_problem("closeout_review")
    perform_action(problem_id=problem.pk, action="withdraw_closeout", actor=cast.admin_a)
    evidence = problem.evidence.get()
    assert api(cast.admin_a).delete(f"/api/v1/evidence/{evidence.pk}/").status_code == 204
