"""What the printable forms show: `*_data` gathers it, already worded and scope-checked
(outside scope: NotFound); the HTML pages, the .xlsx workbooks (xlsx.py) and the Word
documents render the same data."""

from django.utils import timezone

from books.services.export import due_text, status_text
from issues.exceptions import NotFound
from issues.models import Evidence, Measure, RequestType, ReviewRequest
from issues.selectors.books import unit_problems, visible_regulations, visible_unit
from issues.selectors.deadlines import Light, annotate_deadlines
from issues.selectors.scope import visible_problems
from issues.selectors.stats import (
    COMPLETED,
    COUNTED,
    IN_PROGRESS,
    LONG_TERM,
    STATS_BASIS,
    stats_summary,
)
from issues.services.org import display_name
from ledger.checkpoints import print_verification

SELF_CHECK_LABELS = {
    "measures_done": "措施全部落实",
    "effective": "成效明显",
    "generalized": "举一反三",
    "mechanism": "建章立制",
}
SIGNATURES = ("整改单位负责人（签字）", "主管部门负责人（签字）")


def _date(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "tzinfo"):
        value = timezone.localdate(value)
    return value.isoformat()


def _person(user) -> str:
    return display_name(user) if user is not None else ""


def _verification() -> dict:
    """The 台账校验码 every printed form carries (ledger.checkpoints): the code, and its line."""
    code, line = print_verification()
    return {"verification_code": code, "verification": line}


# --- 销号申请单 ----------------------------------------------------------------------------------


def closeout_form_data(*, user, problem_id: int) -> dict:
    problem = (
        visible_problems(user)
        .select_related("batch", "category", "lead_unit", "responsible_leader", "owner")
        .filter(pk=problem_id)
        .first()
    )
    if problem is None:
        raise NotFound("问题不存在。")
    measures = Measure.objects.filter(problem=problem).select_related("unit").order_by("seq")
    evidence = Evidence.objects.filter(problem=problem).order_by("uploaded_at", "id")
    request = (
        ReviewRequest.objects.filter(problem=problem, request_type=RequestType.CLOSEOUT)
        .select_related("applicant")
        .prefetch_related("steps__reviewer")
        .order_by("-created_at", "-id")
        .first()
    )
    cooperating = "、".join(u.name for u in problem.cooperating_units.order_by("sort", "id"))
    fields = [
        ("问题编号", problem.code),
        ("整改批次", problem.batch.name),
        ("问题来源", problem.get_source_display()),
        ("问题类别", problem.category.name if problem.category is not None else ""),
        ("牵头单位", problem.lead_unit.name),
        ("配合单位", cooperating),
        ("责任领导", _person(problem.responsible_leader)),
        ("责任人", _person(problem.owner)),
        ("整改类型", problem.get_rectify_type_display()),
        ("整改时限", due_text(problem.due_date, problem.rectify_type)),
        ("原定时限", _date(problem.original_due_date)),
        ("整改状态", status_text(problem.status)),
    ]
    data = {
        "problem": problem,
        "title": "问题整改销号申请单",
        "fields": fields,
        "field_pairs": [fields[i : i + 2] for i in range(0, len(fields), 2)],
        "texts": [
            ("问题标题", problem.title),
            ("问题描述", problem.description),
            ("整改目标", problem.target),
        ],
        "measures": [
            {
                "seq": m.seq,
                "content": m.content,
                "unit": m.unit.name,
                "due_date": _date(m.due_date),
                "status": m.get_status_display(),
                "done_at": _date(m.done_at),
                "done_note": m.done_note,
            }
            for m in measures
        ],
        "evidence": [
            {
                "file_name": e.file_name,
                "kind": e.get_kind_display(),
                "description": e.description,
                "uploaded_at": _date(e.uploaded_at),
            }
            for e in evidence
        ],
        "request": None,
        "steps": [],
        "signatures": SIGNATURES,
        "generated_at": timezone.localtime(),
        **_verification(),
    }
    if request is not None:
        data["request"] = {
            "status": request.get_status_display(),
            "applicant": _person(request.applicant),
            "created_at": _date(request.created_at),
            "summary": request.summary,
            "self_check": [
                (label, bool((request.self_check or {}).get(key)))
                for key, label in SELF_CHECK_LABELS.items()
            ],
            "rework_requirement": request.rework_requirement,
        }
        data["steps"] = [
            {
                "kind": step.get_step_kind_display(),
                "decision": step.get_decision_display() if step.decision else "待审核",
                "opinion": step.opinion,
                "reviewer": _person(step.reviewer),
                "decided_at": _date(step.decided_at),
            }
            for step in request.steps.all()
        ]
    return data


# --- 整改情况报告 ------------------------------------------------------------------------------

BUCKETS = (("已完成", COMPLETED), ("正在整改", IN_PROGRESS), ("长期坚持", LONG_TERM))


def unit_report_data(*, user, unit_id: int) -> dict:
    unit = visible_unit(user, unit_id)
    if unit is None:
        raise NotFound("单位不存在。")
    problems = unit_problems(user, unit)  # led by the unit or below: the one 统计口径
    summary = stats_summary(problems)
    cooperating = (
        visible_problems(user)
        .filter(status__in=COUNTED, cooperating_units__path__startswith=unit.path)
        .exclude(lead_unit__path__startswith=unit.path)
        .distinct()
        .count()
    )
    rows = (
        annotate_deadlines(problems)
        .filter(status__in=COUNTED)
        .select_related("lead_unit")
        .order_by("batch_id", "id")
    )
    buckets: dict[str, list[dict]] = {label: [] for label, _ in BUCKETS}
    overdue = []
    for p in rows:
        row = {
            "code": p.code,
            "title": p.title,
            "lead_unit": p.lead_unit.name,
            "due": due_text(p.due_date, p.rectify_type),
            "status": p.get_status_display(),
            "light": Light.LABELS.get(p.light, ""),
            "closed_at": _date(p.closed_at),
            "latest_progress": p.latest_progress,
        }
        for label, states in BUCKETS:
            if p.status in states:
                buckets[label].append(row)
        if p.is_overdue:
            overdue.append(row)
    regulations = (
        visible_regulations(user)
        .filter(unit__path__startswith=unit.path)
        .select_related("unit")
        .order_by("issued_on", "id")
    )
    return {
        "unit": unit,
        "title": f"{unit.name}整改情况报告",
        "summary": summary,
        "stats_basis": STATS_BASIS,
        "cooperating": cooperating,
        "buckets": [(label, buckets[label]) for label, _ in BUCKETS],
        "overdue": overdue,
        "regulations": [
            {
                "name": r.name,
                "doc_no": r.doc_no,
                "kind": r.get_kind_display(),
                "issued_on": _date(r.issued_on),
                "unit": r.unit.name,
            }
            for r in regulations
        ],
        "generated_at": timezone.localtime(),
        **_verification(),
    }
