"""Evidence as offices keep it: several files in one upload, delete or replace a wrong file
before the close-out request that relies on it is filed.

Who may delete or replace a file (issue 16 item 3): its uploader, while they may still report
on the problem; the lead unit's unit_admin (the liaison answers for the unit's file); an
office_admin over the lead unit. Nobody may once the file is under review or decided: the
problem is in closeout_review (the reviewers look at all of its evidence), closed or otherwise
inactive, or the file is attached to a pending or approved close-out request. A file of a
rejected or withdrawn request may be replaced — that is what the rework is for.
Every deletion and replacement is a ledger entry naming the file.
"""

from django.db import transaction

from issues.exceptions import ActionForbidden, InvalidInput, InvalidTransition
from issues.models import (
    ACTIVE_STATES,
    Evidence,
    Problem,
    RequestStatus,
    RequestType,
    Role,
    Status,
)
from issues.selectors.scope import access_for, visible_problems
from issues.services.problems import may_report
from issues.services.reports import check_upload, evidence_upload
from ledger.services import ledger_append

LOCKING_REQUEST_STATES = frozenset({RequestStatus.PENDING, RequestStatus.APPROVED})
# Files one upload may carry (the form's `multiple`); each is still checked on its own.
MAX_FILES_PER_UPLOAD = 20
# What the preview shows inline; every other type is only ever downloaded as an attachment.
PDF_TYPE = "application/pdf"
PREVIEW_TYPES = frozenset({"image/png", "image/jpeg", PDF_TYPE})


def is_previewable(evidence: Evidence) -> bool:
    return evidence.content_type in PREVIEW_TYPES


def lock_reason(evidence: Evidence, problem: Problem) -> str:
    """Why the file can no longer change, or "" when it still can."""
    if problem.status == Status.CLOSEOUT_REVIEW:
        return "问题正在销号审核，佐证材料不能删除或替换。"
    if problem.status not in ACTIVE_STATES:
        return "当前状态下不能删除或替换佐证材料。"
    request = evidence.request
    if (
        request is not None
        and request.request_type == RequestType.CLOSEOUT
        and request.status in LOCKING_REQUEST_STATES
    ):
        return "该材料已随销号申请提交，不能删除或替换。"
    return ""


def may_remove_evidence(actor, evidence: Evidence, problem: Problem) -> bool:
    """The uploader, the lead unit's unit_admin or an office_admin over the lead unit."""
    access = access_for(actor)
    if access.has_role_over({Role.OFFICE_ADMIN}, problem.lead_unit):
        return True
    if access.has_role_at({Role.UNIT_ADMIN}, problem.lead_unit):
        return True
    return evidence.uploaded_by_id == actor.pk and may_report(actor, problem)


def _locked(actor, evidence_id: int) -> tuple[Evidence, Problem]:
    """The evidence and its problem (row locked), within the actor's scope, checked."""
    evidence = (
        Evidence.objects.select_related("request")
        .filter(problem__in=visible_problems(actor))
        .get(pk=evidence_id)
    )
    problem = (
        Problem.objects.select_for_update(of=("self",))
        .select_related("lead_unit")
        .get(pk=evidence.problem_id)
    )
    evidence = Evidence.objects.select_related("request").get(pk=evidence.pk)  # after the lock
    reason = lock_reason(evidence, problem)
    if reason:
        raise InvalidTransition(reason)
    if not may_remove_evidence(actor, evidence, problem):
        raise ActionForbidden("只有上传人、牵头单位联络员或整改办管理员可以删除或替换该材料。")
    return evidence, problem


def _drop_file(evidence: Evidence):
    """The stored file goes once the deletion has committed (a rollback keeps it)."""
    storage, name = evidence.file.storage, evidence.file.name
    if name:  # the file field is required; an empty name has nothing to delete
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def evidence_upload_many(*, actor, problem_id: int, uploads, **fields) -> list[Evidence]:
    """Several files with the same kind, stage, measure and description: all or none."""
    uploads = list(uploads)
    if not uploads:
        raise InvalidInput("请选择要上传的文件。", {"file": ["请选择文件。"]})
    if len(uploads) > MAX_FILES_PER_UPLOAD:
        message = f"一次最多上传 {MAX_FILES_PER_UPLOAD} 个文件。"
        raise InvalidInput(message, {"file": [message]})
    for upload in uploads:  # every file is checked before any is stored
        check_upload(upload)
    return [
        evidence_upload(actor=actor, problem_id=problem_id, upload=upload, **fields)
        for upload in uploads
    ]


@transaction.atomic
def evidence_delete(*, actor, evidence_id: int) -> None:
    evidence, problem = _locked(actor, evidence_id)
    ledger_append(
        problem=problem,
        actor=actor,
        action="evidence_delete",
        from_state=problem.status,
        to_state=problem.status,
        changes={"evidence": [evidence.file_name, None]},
        comment=evidence.description,
    )
    _drop_file(evidence)
    evidence.delete()


@transaction.atomic
def evidence_replace(*, actor, evidence_id: int, upload) -> Evidence:
    """A new file in the old one's place: same kind, stage, measure and description."""
    check_upload(upload)
    evidence, problem = _locked(actor, evidence_id)
    new = evidence_upload(
        actor=actor,
        problem_id=problem.pk,
        upload=upload,
        kind=evidence.kind,
        stage=evidence.stage,
        description=evidence.description,
        measure=evidence.measure,
        progress_report=evidence.progress_report,
        ledger=False,
    )
    ledger_append(
        problem=problem,
        actor=actor,
        action="evidence_replace",
        from_state=problem.status,
        to_state=problem.status,
        changes={"evidence": [evidence.file_name, new.file_name]},
        comment=evidence.description,
    )
    _drop_file(evidence)
    evidence.delete()
    return new
