"""Shared material for the workflow tests: SPEC §3 written down independently of the code,
valid inputs for every action, a "nothing changed" snapshot, and one way to take an action
through either the service layer or the HTTP endpoint of SPEC §9.

The table here is copied from SPEC.md, not imported from issues.services.workflow, so that a
change to the code's ACTIONS table that drifts from the specification makes the tests fail.
"""

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import Resolver404, resolve

from issues.exceptions import DomainError
from issues.models import (
    Measure,
    Problem,
    ReviewRequest,
    ReviewStep,
    SupervisionAction,
)
from issues.services.problems import measure_update
from issues.services.reports import evidence_upload
from issues.services.workflow import perform_action
from ledger.models import LedgerEntry

STATES = (
    "draft",
    "list_review",
    "assigned",
    "in_progress",
    "closeout_review",
    "long_term",
    "closed",
    "routine",
    "withdrawn",
)
TERMINAL = frozenset({"routine", "withdrawn"})

# SPEC §3, "from → to". `None` in targets: the action never changes the state.
SPEC_SOURCES = {
    "submit": {"draft"},
    "approve_list": {"list_review"},
    "return_list": {"list_review"},
    "assign": {"draft"},
    "acknowledge": {"assigned"},
    "request_closeout": {"in_progress", "long_term"},
    "approve_closeout": {"closeout_review"},
    "reject_closeout": {"closeout_review"},
    "withdraw_closeout": {"closeout_review"},
    "request_extension": {"in_progress", "assigned"},
    "approve_extension": {"in_progress", "assigned"},
    "reject_extension": {"in_progress", "assigned"},
    "to_routine": {"in_progress", "long_term"},
    "withdraw": {"draft", "list_review", "assigned", "in_progress", "closeout_review", "long_term"},
    "reopen": {"closed"},
    # The table says "no change" and names no states; the team's reading: active problems only
    # (a terminal one accepts nothing, a closed one only reopen, a draft is not yet assigned).
    "supervise": {"assigned", "in_progress", "closeout_review", "long_term"},
}
SPEC_TARGETS = {
    "submit": {"list_review", "assigned"},
    "approve_list": {"assigned"},
    "return_list": {"draft"},
    "assign": {"assigned"},
    "acknowledge": {"in_progress"},
    "request_closeout": {"closeout_review"},
    "approve_closeout": {"closeout_review", "closed"},
    "reject_closeout": {"in_progress"},
    "withdraw_closeout": {"in_progress", "long_term"},  # "previous state"
    "request_extension": set(),
    # SPEC: "in_progress → long_term at the last step of a long_term request" (a request filed
    # while `assigned` is approved from there, too).
    "approve_extension": {"long_term"},
    "reject_extension": set(),
    "to_routine": {"routine"},
    "withdraw": {"withdrawn"},
    "reopen": {"in_progress"},
    "supervise": set(),
}
ACTION_NAMES = tuple(SPEC_SOURCES)
# SPEC §3: the due date changes only through these.
SPEC_DUE_DATE_ACTIONS = frozenset(
    {"submit", "approve_list", "assign", "approve_extension", "reject_closeout", "reopen"}
)

LATER = "2026-09-30"
REOPEN_DUE = "2026-08-31"

# A valid body for each action (SPEC §9 "Action bodies").
VALID = {
    "submit": {},
    "approve_list": {},
    "return_list": {"comment": "描述不具体，请补充"},
    "assign": {},
    "acknowledge": {},
    "request_closeout": {"summary": "措施全部落实", "self_check": {"measures_done": True}},
    "approve_closeout": {"comment": "同意"},
    "reject_closeout": {"comment": "佐证不足，补充照片"},
    "withdraw_closeout": {},
    "request_extension": {"kind": "extend", "requested_due_date": LATER, "reason": "工程量大"},
    "approve_extension": {"comment": "同意延期"},
    "reject_extension": {"comment": "理由不充分"},
    "to_routine": {"comment": "纳入日常管理"},
    "withdraw": {"comment": "重复登记"},
    "reopen": {"comment": "回头看发现反弹", "new_due_date": REOPEN_DUE},
    "supervise": {"kind": "letter", "content": "请加快整改进度"},
}


# --- taking an action through a layer -------------------------------------------------------


@dataclass
class Outcome:
    status: int
    code: str | None = None
    errors: dict = field(default_factory=dict)
    body: dict | None = None


def act_service(user, problem, action, data=None) -> Outcome:
    try:
        perform_action(problem_id=_pk(problem), action=action, actor=user, data=data)
    except DomainError as exc:
        return Outcome(exc.status, exc.code, dict(exc.errors))
    return Outcome(200)


def act_http(client_for, user, problem, action, data=None) -> Outcome:
    response = client_for(user).post(
        f"/api/v1/problems/{_pk(problem)}/actions/{action}/", data or {}, format="json"
    )
    body = response.json()
    if response.status_code >= 400:
        return Outcome(response.status_code, body.get("code"), body.get("errors") or {}, body)
    return Outcome(response.status_code, None, {}, body)


def http_endpoint_exists() -> bool:
    try:
        resolve("/api/v1/problems/1/actions/submit/")
    except Resolver404:
        return False
    return True


def _pk(problem):
    return problem if isinstance(problem, int) else problem.pk


class _Rollback(Exception):
    pass


def would_succeed(user, problem, action, data=None) -> Outcome:
    """Take the action in a savepoint that is always rolled back; report what happened."""
    outcome = None
    try:
        with transaction.atomic():
            outcome = act_service(user, problem, action, data)
            raise _Rollback
    except _Rollback:
        pass
    return outcome


# --- "nothing changed" ----------------------------------------------------------------------


def snapshot(problem) -> dict:
    """Everything an action may touch: the problem row, its requests and steps, measures,
    supervision records, and the whole ledger's length."""
    pk = _pk(problem)
    return {
        "problem": Problem.objects.filter(pk=pk).values().get(),
        "cooperating": sorted(
            Problem.cooperating_units.through.objects.filter(problem_id=pk).values_list(
                "unit_id", flat=True
            )
        ),
        "requests": list(ReviewRequest.objects.filter(problem_id=pk).order_by("pk").values()),
        "steps": list(ReviewStep.objects.filter(request__problem_id=pk).order_by("pk").values()),
        "measures": list(Measure.objects.filter(problem_id=pk).order_by("pk").values()),
        "supervisions": list(
            SupervisionAction.objects.filter(problem_id=pk).order_by("pk").values()
        ),
        "ledger": LedgerEntry.objects.count(),
    }


def new_entries(before: dict):
    return list(LedgerEntry.objects.filter(seq__gt=before["ledger"]).order_by("seq"))


# --- reaching the situations the matrix needs ----------------------------------------------


def finish_measures_and_upload(cast, problem, actor=None):
    """Make request_closeout's preconditions true: every measure done, one evidence file."""
    actor = actor or cast.admin_a
    for measure in Measure.objects.filter(problem_id=_pk(problem)):
        measure_update(actor=actor, measure_id=measure.pk, status="done", done_note="完成")
    evidence_upload(
        actor=actor,
        problem_id=_pk(problem),
        kind="photo",
        description="整改后照片",
        upload=SimpleUploadedFile("after.png", b"\x89PNG\r\n\x1a\n....", content_type="image/png"),
    )


def run(user, problem, action, data=None):
    return perform_action(
        problem_id=_pk(problem), action=action, actor=user, data=data or VALID[action]
    )


def make_situation(cast, make_problem, name, **fields):
    """Named starting points. The problem is led by unit_a (admin_a, head_a) unless a field
    says otherwise; `ready` means request_closeout's preconditions hold."""
    p = make_problem
    if name in STATES:
        return p(name, **fields)
    if name == "draft_reviewed":
        return p("draft", batch=cast.reviewed_batch, **fields)
    if name in ("in_progress_ready", "long_term_ready"):
        problem = p(name.removesuffix("_ready"), **fields)
        finish_measures_and_upload(cast, problem)
        return problem
    if name == "closeout_unit_head_step":
        return p("closeout_review", **fields)
    if name == "closeout_office_step":
        problem = p("closeout_review", **fields)
        run(cast.head_a, problem, "approve_closeout")
        return problem
    if name == "closeout_leader_step":
        fields.setdefault("responsible_leader", cast.leader)
        problem = p("closeout_review", batch=cast.reviewed_batch, **fields)
        run(cast.head_a, problem, "approve_closeout")
        run(cast.rev, problem, "approve_closeout")
        return problem
    if name == "closeout_from_long_term":
        problem = p("long_term", **fields)
        finish_measures_and_upload(cast, problem)
        run(cast.admin_a, problem, "request_closeout")
        return problem
    if name.startswith("extension_"):
        # extension_<kind>_<step>[_assigned]: a pending request at the unit_head or office step.
        _, kind, step, *rest = name.split("_")
        kind = "long_term" if kind == "longterm" else kind
        problem = p("assigned" if rest == ["assigned"] else "in_progress", **fields)
        data = VALID["request_extension"]
        if kind == "long_term":
            data = {
                "kind": "long_term",
                "reason": "需长期坚持",
                "stage_goal": "年内建立长效机制",
                "next_review_date": "2026-12-31",
            }
        run(cast.admin_a, problem, "request_extension", data)
        if step == "office":
            run(cast.head_a, problem, "approve_extension")
        return problem
    raise ValueError(name)


SITUATION_STATE = {
    "draft_reviewed": "draft",
    "in_progress_ready": "in_progress",
    "long_term_ready": "long_term",
    "closeout_unit_head_step": "closeout_review",
    "closeout_office_step": "closeout_review",
    "closeout_leader_step": "closeout_review",
    "closeout_from_long_term": "closeout_review",
    "extension_extend_head": "in_progress",
    "extension_extend_office": "in_progress",
    "extension_extend_head_assigned": "assigned",
    "extension_longterm_head": "in_progress",
    "extension_longterm_office": "in_progress",
    **{s: s for s in STATES},
}


SHANGHAI = ZoneInfo("Asia/Shanghai")


def refused(outcome, status, code):
    return (outcome.status, outcome.code) == (status, code)


def closeout_request(problem):
    return ReviewRequest.objects.filter(problem=problem, request_type="closeout").latest("pk")


def extension_request(problem):
    return ReviewRequest.objects.filter(problem=problem, request_type="extension").latest("pk")


def decisions(request):
    return [(s.step_kind, s.decision, s.reviewer_id) for s in request.steps.order_by("position")]
