"""The texts of the export's cells, from the plain values of one row: labels, dates, people,
numbered measures, the state in the words of SPEC §4, and the accessors the profiles name."""

import datetime as dt
import functools
from collections.abc import Callable, Iterable

from django.utils import timezone, translation

from issues.models import (
    Origin,
    RectifyType,
    RequestType,
    Source,
    Status,
)
from issues.selectors.deadlines import Light
from issues.selectors.stats import (
    COMPLETED,
    IN_PROGRESS,
    LONG_TERM,
)

BUCKET_LABELS = {
    **dict.fromkeys(COMPLETED, "已完成"),
    **dict.fromkeys(IN_PROGRESS, "正在整改"),
    **dict.fromkeys(LONG_TERM, "长期坚持"),
}
# 巡察 reports: 已完成 / 基本完成（取得阶段性成果并持续整改）/ 未完成 (domain.md §1.2).
XUNCHA_COMPLETION = {
    **dict.fromkeys(COMPLETED, "已完成"),
    Status.CLOSEOUT_REVIEW: "基本完成",
    Status.LONG_TERM: "基本完成",
    Status.ASSIGNED: "未完成",
    Status.IN_PROGRESS: "未完成",
}


# --- cell texts --------------------------------------------------------------------------------


@functools.cache
def _labels(choices, language) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def label(choices, value, language=None) -> str:
    """A choice's label in `language` (default: the active one); get_FOO_display re-hashes lazy
    labels per call. Rows carry the language, looked up once per export."""
    language = language or translation.get_language()
    return _labels(choices, language).get(value, value or "")


def date_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localdate(value)
    return value.isoformat()


def person_text(row: dict, prefix: str) -> str:
    """issues.services.org.display_name, from the values of a row."""
    first = row[f"{prefix}__first_name"] or ""
    last = row[f"{prefix}__last_name"] or ""
    return first or f"{first} {last}".strip() or row[f"{prefix}__username"] or ""


def numbered(lines: Iterable[str]) -> str:
    """ "1. …\\n2. …" — the form the importer reads back into separate measures."""
    return "\n".join(f"{i}. {text}" for i, text in enumerate(lines, 1))


def due_text(due_date, rectify_type) -> str:
    if due_date is None and rectify_type == RectifyType.LONG_TERM:
        return "长期坚持"
    return date_text(due_date)


def status_text(status, language=None) -> str:
    state = label(Status, status, language).replace("（", "").replace("）", "")
    bucket = BUCKET_LABELS.get(status)
    if bucket is None:
        return f"未计入统计（{state}）"
    return bucket if bucket == state else f"{bucket}（{state}）"


def regulation_text(name: str, doc_no: str) -> str:
    return f"{name}（{doc_no}）" if doc_no else name


def _approved(decided, request_type):
    return [(due, summary) for kind, due, summary in decided if kind == request_type]


def progress_text(row: dict) -> str:
    """整改进展: for a closed problem the approved close-out request's summary (what the
    reviewers accepted), otherwise the latest interim report."""
    if row["status"] == Status.CLOSED:
        closeouts = _approved(row["decided"], RequestType.CLOSEOUT)
        if closeouts:
            return closeouts[-1][1]
    return row["latest_progress"]


def extensions_text(decided) -> str:
    """延期: how many approved `extend` requests, and the dates they granted, in order."""
    dates = [due for due, _ in _approved(decided, RequestType.EXTENSION) if due is not None]
    if not dates:
        return ""
    return f"延期{len(dates)}次：" + "、".join(date_text(d) for d in dates)


Accessor = Callable[[dict], str]

A: dict[str, Accessor] = {
    "row": lambda r: str(r["row"]),
    "code": lambda r: r["code"],
    "source": lambda r: label(Source, r["source"], r["language"]),
    "category": lambda r: r["category__name"] or "",
    "description": lambda r: r["description"],
    "origin": lambda r: label(Origin, r["origin"], r["language"]),
    "target": lambda r: r["target"],
    "measures": lambda r: numbered(r["measures"]),
    "leader": lambda r: person_text(r, "responsible_leader"),
    "lead_unit": lambda r: r["lead_unit__name"],
    "cooperating": lambda r: "、".join(r["cooperating"]),
    "owner": lambda r: person_text(r, "owner"),
    "rectify_type": lambda r: label(RectifyType, r["rectify_type"], r["language"]),
    "due": lambda r: due_text(r["due_date"], r["rectify_type"]),
    "progress": lambda r: progress_text(r),
    "original_due": lambda r: date_text(r["original_due_date"] or r["due_date"]),
    "extensions": lambda r: extensions_text(r["decided"]),
    "status": lambda r: status_text(r["status"], r["language"]),
    "light": lambda r: Light.LABELS.get(r["light"], ""),
    "closed_at": lambda r: date_text(r["closed_at"]),
    "evidence": lambda r: "\n".join(r["evidence"]),
    "regulations": lambda r: "\n".join(regulation_text(*reg) for reg in r["regulations"]),
    "remark": lambda r: r["remark"],
    "campaign": lambda r: r["campaign__name"] or "",
    "batch": lambda r: r["batch__name"],
    "amount": lambda r: "" if r["amount"] is None else f"{r['amount']:f}",
    "xuncha_completion": lambda r: XUNCHA_COMPLETION.get(r["status"], ""),
    "reasons": lambda r: r["latest_difficulties"] or "",
    "next_steps": lambda r: r["latest_next_steps"] or "",
}
