"""Progress reports and evidence uploads."""

import hashlib
import re

from django.conf import settings
from django.db import transaction

from issues.exceptions import ActionForbidden, DomainError, InvalidInput, InvalidTransition
from issues.models import ACTIVE_STATES, Evidence, Measure, Problem, ProgressReport
from issues.services.problems import may_report
from ledger.services import ledger_append


class FileTooLarge(DomainError):
    code = "file_too_large"
    status = 413


class UnsupportedFileType(DomainError):
    code = "unsupported_file_type"
    status = 415


def _zip_container(head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06")


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc / .xls compound file

# extension → (content type, check of the first bytes). docx/xlsx/ofd are zip containers.
ALLOWED_TYPES = {
    "pdf": ("application/pdf", lambda h: h.startswith(b"%PDF-")),
    "jpg": ("image/jpeg", lambda h: h.startswith(b"\xff\xd8\xff")),
    "jpeg": ("image/jpeg", lambda h: h.startswith(b"\xff\xd8\xff")),
    "png": ("image/png", lambda h: h.startswith(b"\x89PNG\r\n\x1a\n")),
    "doc": ("application/msword", lambda h: h.startswith(OLE2)),
    "xls": ("application/vnd.ms-excel", lambda h: h.startswith(OLE2)),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _zip_container,
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _zip_container),
    "ofd": ("application/ofd", _zip_container),
    "zip": ("application/zip", _zip_container),
}


def clean_file_name(name: str) -> str:
    """The original name for display only: no directories, no control characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().lstrip(".")
    return name[:200] or "file"


def check_upload(upload) -> tuple[str, str]:
    """Return (clean name, content type) or raise 413/415. Checks extension and magic bytes."""
    if upload.size > settings.UPLOAD_MAX_BYTES:
        limit = settings.UPLOAD_MAX_BYTES // (1024 * 1024)
        raise FileTooLarge(f"文件超过大小限制（{limit} MiB）。", {"file": ["文件过大。"]})
    name = clean_file_name(upload.name or "")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED_TYPES:
        raise UnsupportedFileType(
            "不支持的文件类型；允许 pdf、jpg、png、doc、docx、xls、xlsx、ofd、zip。",
            {"file": ["不支持的文件类型。"]},
        )
    content_type, looks_right = ALLOWED_TYPES[ext]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not looks_right(head):
        raise UnsupportedFileType("文件内容与扩展名不符。", {"file": ["文件内容与扩展名不符。"]})
    return name, content_type


def _locked_problem(problem_id) -> Problem:
    return (
        Problem.objects.select_for_update(of=("self",))
        .select_related("lead_unit")
        .get(pk=problem_id)
    )


def _guard(actor, problem):
    if problem.status not in ACTIVE_STATES:
        raise InvalidTransition("当前状态下不能报送进展或上传材料。")
    if not may_report(actor, problem):
        raise ActionForbidden("您无权为该问题报送进展或上传材料。")


def _measure_of(problem, measure) -> Measure | None:
    if measure is not None and measure.problem_id != problem.pk:
        raise InvalidInput("措施不属于该问题。", {"measure": ["措施不属于该问题。"]})
    return measure


@transaction.atomic
def evidence_upload(
    *,
    actor,
    problem_id: int,
    upload,
    kind: str = "other",
    description: str = "",
    stage: str = "",
    measure=None,
    progress_report=None,
    ledger: bool = True,
) -> Evidence:
    """One file on a problem. `ledger=False` when the caller records the fact itself
    (a replacement is one entry naming both files)."""
    name, content_type = check_upload(upload)
    problem = _locked_problem(problem_id)
    _guard(actor, problem)
    measure = _measure_of(problem, measure)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    evidence = Evidence(
        problem=problem,
        measure=measure,
        progress_report=progress_report,
        kind=kind,
        stage=stage,
        description=description,
        file_name=name,
        size=upload.size,
        content_type=content_type,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    evidence.file.save(name, upload, save=False)
    evidence.save()
    if not ledger:
        return evidence
    ledger_append(
        problem=problem,
        actor=actor,
        action="evidence_add",
        from_state=problem.status,
        to_state=problem.status,
        changes={"evidence": [None, name]},
        comment=description,
    )
    return evidence


# A weekly (ISO week, 2024-W05), monthly (2024-03) or ten-day (2024-03上旬) reporting
# period: the stored form (§2).
PERIOD_RE = re.compile(r"\d{4}-(W(0[1-9]|[1-4]\d|5[0-3])|(0[1-9]|1[0-2])(上旬|中旬|下旬)?)")
# How offices write them: 2026年第10周, 2026年10周, 2026-w10, 2026年3月, 2026-3, 2026/03.
WEEK_WRITTEN = re.compile(r"(\d{4})\s*(?:年\s*第?\s*|[-/.]?\s*[Ww])(\d{1,2})\s*周?")
MONTH_WRITTEN = re.compile(r"(\d{4})\s*(?:年|[-/.])\s*(\d{1,2})\s*月?(?:份)?")


def normalize_period(period: str) -> str:
    """A period as offices write it → the stored form; unrecognised text is returned as is
    (and then refused by the check below). The pages translate with it; the API takes the
    stored form only (SPEC §2)."""
    text = (period or "").strip()
    week = WEEK_WRITTEN.fullmatch(text)
    if week and ("周" in text or "W" in text.upper()):
        return f"{week[1]}-W{int(week[2]):02d}"
    month = MONTH_WRITTEN.fullmatch(text)
    if month:
        return f"{month[1]}-{int(month[2]):02d}"
    return text


def _validate_report(period: str, percent: int):
    errors = {}
    if not PERIOD_RE.fullmatch(period or ""):
        errors["period"] = [
            "报送期次应为周或月，如 2026年第10周、2026-W10、2026年3月、2026-03 或旬 2026-03上旬。"
        ]
    if not isinstance(percent, int) or not 0 <= percent <= 100:
        errors["percent"] = ["完成百分比须在 0 到 100 之间。"]
    if errors:
        raise InvalidInput("进展报送有误。", errors)


@transaction.atomic
def progress_report_create(
    *,
    actor,
    problem_id: int,
    period: str,
    content: str,
    difficulties: str = "",
    next_steps: str = "",
    percent: int = 0,
    measure=None,
) -> ProgressReport:
    _validate_report(period, percent)
    problem = _locked_problem(problem_id)
    _guard(actor, problem)
    report = ProgressReport.objects.create(
        problem=problem,
        measure=_measure_of(problem, measure),
        period=period,
        content=content,
        difficulties=difficulties,
        next_steps=next_steps,
        percent=percent,
        reporter=actor,
    )
    problem.latest_progress = f"{period}：{content}"
    problem.save(update_fields=["latest_progress", "updated_at"])
    ledger_append(
        problem=problem,
        actor=actor,
        action="report_progress",
        from_state=problem.status,
        to_state=problem.status,
        changes={"percent": [None, percent]},
        comment=content,
    )
    return report
