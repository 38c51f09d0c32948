"""The problem list's rows (GET /api/v1/problems/) built from plain values.

A page of 50 problems read as model instances with prefetches cost ~15–20 ms of Python
(~280 instances, a related-manager queryset cloned per row and relation) before the serializer
ran (bench/README.md, "Problem list"). Here the same page is four queries of plain tuples —
the rows with their light (the same SQL annotation as everywhere, issues/selectors/deadlines.py),
the measures, the cooperating units, the pending requests joined with their steps, each taking
the page's ids as one array parameter on PostgreSQL (AnyOf: psycopg parses a statement with
more than 50 parameters anew every time), there sent in one round trip (issues.lookups.
rows_together) — written straight into SPEC §9's JSON. `allowed_actions` still runs the
workflow's own rules (issues/services/workflow), over small stand-ins that carry only what
those rules read of a problem — status, due date, responsible leader, lead unit (id and
path), pending requests with their steps — because building ~60 model instances (35 field
defaults each) was the largest Python cost left on a page.

ProblemSerializer stays the schema and the single-problem representation;
tests/api/test_problem_rows.py checks that both give the same bytes for problems of every kind,
every user and every review situation.
"""

from django.db.models import F
from django.utils import timezone

from issues.api.problem_serializers import _AMOUNT, _date, datetime_writer
from issues.lookups import AnyOf, CompiledByIds, rows_together
from issues.models import Measure, Problem, RequestStatus, ReviewRequest
from issues.selectors.deadlines import annotate_deadlines, batch_thresholds, measure_values_overdue
from issues.selectors.scope import access_for
from issues.services.workflow import allowed_actions


class _Unit:
    __slots__ = ("path", "pk")

    def __init__(self, pk, path):
        self.pk, self.path = pk, path


class _Problem:
    """What allowed_actions reads of a problem (its state and actor rules, the filing check)."""

    __slots__ = (
        "due_date",
        "lead_unit",
        "pending_requests",
        "pk",
        "responsible_leader_id",
        "status",
    )

    def __init__(self, pk, status, due_date, leader, lead_unit, pending_requests):
        self.pk, self.status, self.due_date = pk, status, due_date
        self.responsible_leader_id, self.lead_unit = leader, lead_unit
        self.pending_requests = pending_requests


class _Request:
    """A pending request as rules.pending_request and rules.step_check read it."""

    __slots__ = ("applicant_id", "pk", "request_type", "status", "step_list")

    def __init__(self, pk, request_type, applicant_id):
        self.pk, self.request_type, self.applicant_id = pk, request_type, applicant_id
        self.status = RequestStatus.PENDING
        self.step_list = []


class _Step:
    __slots__ = ("decision", "reviewer_id", "step_kind")

    def __init__(self, step_kind, decision, reviewer_id):
        self.step_kind, self.decision, self.reviewer_id = step_kind, decision, reviewer_id


# The row's columns, in the order the JSON shows them (ProblemSerializer.Meta.fields) up to
# `cooperating_units`, which the rows do not carry.
_COLUMNS = (
    "id",
    "code",
    "batch_id",
    "campaign_id",
    "source",
    "origin",
    "category_id",
    "title",
    "description",
    "target",
    "severity",
    "amount",
    "rectify_type",
    "due_date",
    "original_due_date",
    "responsible_leader_id",
    "lead_unit_id",
    "owner_id",
    "supervision_level",
    "status",
    "light",
    "is_overdue",
    "reopen_count",
    "rework_count",
    "latest_progress",
    "next_review_date",
    "created_at",
    "closed_at",
    "lead_unit__path",
)
_MEASURE_COLUMNS = (
    "id",
    "problem_id",
    "seq",
    "content",
    "unit_id",
    "owner_id",
    "due_date",
    "status",
    "done_at",
    "done_note",
)
_REQUEST_COLUMNS = (
    "id",
    "problem_id",
    "request_type",
    "applicant_id",
    "steps__id",
    "steps__step_kind",
    "steps__decision",
    "steps__reviewer_id",
)


# The four statements, each compiled once (per day and batch thresholds for the light) and
# then run with the page's ids (issues.lookups.CompiledByIds: compiling the light's CASE cost
# more than running it), all four in one round trip (rows_together).
_ROWS = CompiledByIds(
    lambda ids, today, thresholds: (
        annotate_deadlines(Problem.objects.filter(AnyOf(F("pk"), ids)), today, thresholds)
        .order_by()
        .values_list(*_COLUMNS)
    )
)
_MEASURES = CompiledByIds(
    lambda ids: (
        Measure.objects.filter(AnyOf(F("problem_id"), ids))
        .order_by("problem_id", "seq", "id")
        .values_list(*_MEASURE_COLUMNS)
    )
)
_COOPERATING = CompiledByIds(
    lambda ids: (
        Problem.cooperating_units.through.objects.filter(AnyOf(F("problem_id"), ids))
        .order_by("unit__sort", "unit_id")
        .values_list("problem_id", "unit_id")
    )
)
_PENDING = CompiledByIds(
    lambda ids: (
        ReviewRequest.objects.filter(AnyOf(F("problem_id"), ids), status=RequestStatus.PENDING)
        .order_by("-created_at", "-id", "steps__position")
        .values_list(*_REQUEST_COLUMNS)
    )
)


# allowed_actions by (user, situation), across requests: ~40 distinct situations on a unit
# admin's page of 50 cost ~2 ms of Python each time (bench/README.md). Bounded; a changed
# membership, role flag or unit path is a new key, and the rules themselves are code.
_ALLOWED: dict[tuple, list[str]] = {}
_ALLOWED_MAX = 10_000


def problem_rows_json(ids: list[int], user) -> list[dict]:
    """The rows of `ids` (already in scope, filtered and ordered by the list) as JSON-ready
    dicts, in the order of `ids`. Four statements, whatever the number of rows, sent in one
    round trip on PostgreSQL."""
    if not ids:
        return []
    today = timezone.localdate()
    rows, measure_rows, cooperating_rows, pending_rows = rows_together(
        ids,
        (_ROWS, (today, batch_thresholds())),
        (_MEASURES, ()),
        (_COOPERATING, ()),
        (_PENDING, ()),
    )
    by_id = {row[0]: row for row in rows}
    measures = _measures(measure_rows)
    cooperating = _cooperating(cooperating_rows)
    pending = _pending_requests(pending_rows)
    units: dict[int, _Unit] = {}
    access = access_for(user)
    actor = (user.pk, user.is_active, access.is_superuser, access.grants)
    when = datetime_writer()
    result = []
    for pk in ids:
        row = by_id.get(pk)
        if row is None:  # deleted between the ids and the rows: left out, as the paginator does
            continue
        (
            _,
            code,
            batch,
            campaign,
            source,
            origin,
            category,
            title,
            description,
            target,
            severity,
            amount,
            rectify_type,
            due_date,
            original_due_date,
            leader,
            lead_unit,
            owner,
            supervision_level,
            status,
            light,
            is_overdue,
            reopen_count,
            rework_count,
            latest_progress,
            next_review_date,
            created_at,
            closed_at,
            lead_unit_path,
        ) = row
        unit = units.get(lead_unit)
        if unit is None:
            unit = units[lead_unit] = _Unit(lead_unit, lead_unit_path)
        requests = pending.get(pk, [])
        # The rules read nothing else of a row — of its due date only whether it has passed
        # (extension_filing_check), of its lead unit the path — nor of the user than their
        # memberships as read for this request and two flags: the same user in the same
        # situation gets the same answer, on this page and the next request.
        situation = (
            actor,
            status,
            due_date is not None and due_date < today,
            leader,
            lead_unit,
            lead_unit_path,
            tuple((r.request_type, r.applicant_id, *map(_step_key, r.step_list)) for r in requests),
        )
        actions = _ALLOWED.get(situation)
        if actions is None:
            problem = _Problem(pk, status, due_date, leader, unit, requests)
            actions = allowed_actions(problem, user)
            if len(_ALLOWED) >= _ALLOWED_MAX:
                _ALLOWED.clear()
            _ALLOWED[situation] = actions
        result.append(
            {
                "id": pk,
                "code": code,
                "batch": batch,
                "campaign": campaign,
                "source": source,
                "origin": origin,
                "category": category,
                "title": title,
                "description": description,
                "target": target,
                "severity": severity,
                "amount": None if amount is None else _AMOUNT.to_representation(amount),
                "rectify_type": rectify_type,
                "due_date": _date(due_date),
                "original_due_date": _date(original_due_date),
                "responsible_leader": leader,
                "lead_unit": lead_unit,
                "cooperating_units": cooperating.get(pk, []),
                "owner": owner,
                "supervision_level": supervision_level,
                "status": status,
                "light": light,
                "is_overdue": bool(is_overdue),
                "reopen_count": reopen_count,
                "rework_count": rework_count,
                "latest_progress": latest_progress,
                "next_review_date": _date(next_review_date),
                "measures": [_measure_json(m, status, today, when) for m in measures.get(pk, ())],
                "allowed_actions": list(actions),
                "created_at": when(created_at),
                "closed_at": when(closed_at),
            }
        )
    return result


def _step_key(step: _Step) -> tuple:
    return (step.step_kind, step.decision, step.reviewer_id)


def _measures(rows) -> dict[int, list[tuple]]:
    by_problem: dict[int, list[tuple]] = {}
    for row in rows:
        by_problem.setdefault(row[1], []).append(row)
    return by_problem


def _measure_json(row, problem_status, today, when) -> dict:
    """MeasureSerializer's fields, in its order."""
    pk, problem, seq, content, unit, owner, due_date, status, done_at, done_note = row
    return {
        "id": pk,
        "problem": problem,
        "seq": seq,
        "content": content,
        "unit": unit,
        "owner": owner,
        "due_date": _date(due_date),
        "status": status,
        "done_at": when(done_at),
        "done_note": done_note,
        "is_overdue": measure_values_overdue(status, due_date, problem_status, today),
    }


def _cooperating(rows) -> dict[int, list[int]]:
    """Cooperating unit ids per problem, in the units' own order (Unit.Meta.ordering)."""
    by_problem: dict[int, list[int]] = {}
    for problem_id, unit_id in rows:
        by_problem.setdefault(problem_id, []).append(unit_id)
    return by_problem


def _pending_requests(rows) -> dict[int, list[_Request]]:
    """Pending requests per problem with their steps by position (`step_list`, which the
    workflow's rules read): one query, the steps joined to their request."""
    by_problem: dict[int, list[_Request]] = {}
    requests: dict[int, _Request] = {}
    for pk, problem_id, kind, applicant, step, step_kind, decision, reviewer in rows:
        request = requests.get(pk)
        if request is None:
            request = requests[pk] = _Request(pk, kind, applicant)
            by_problem.setdefault(problem_id, []).append(request)
        if step is not None:
            request.step_list.append(_Step(step_kind, decision, reviewer))
    return by_problem
