"""The export's rows: which problems (counted states, ledger order), read as plain values one
chunk at a time, each chunk's many-valued columns with one query each (no N+1)."""

from collections import defaultdict
from collections.abc import Iterator

from django.db.models import F, QuerySet
from django.utils import translation

from books.services.export.profiles import Profile
from issues.lookups import AnyOf
from issues.models import (
    Evidence,
    Measure,
    Problem,
    Regulation,
    RequestStatus,
    RequestType,
    ReviewRequest,
)
from issues.selectors.deadlines import annotate_deadlines
from issues.selectors.stats import (
    COUNTED,
)

CHUNK_SIZE = 1000

# What every row reads from the database, by ORM path (joins, no model instances).
ROW_FIELDS = (
    "id",
    "code",
    "source",
    "origin",
    "description",
    "target",
    "rectify_type",
    "due_date",
    "original_due_date",
    "latest_progress",
    "status",
    "light",
    "closed_at",
    "remark",
    "amount",
    "category__name",
    "campaign__name",
    "batch__name",
    "lead_unit__name",
    "responsible_leader__first_name",
    "responsible_leader__last_name",
    "responsible_leader__username",
    "owner__first_name",
    "owner__last_name",
    "owner__username",
)


def export_queryset(
    problems: QuerySet[Problem], profile: Profile, *, include_uncounted: bool = False
) -> QuerySet[Problem]:
    """The rows of the export: annotated with the light, counted states only unless asked,
    in ledger order unless the caller ordered them."""
    qs = problems
    if "light" not in qs.query.annotations:
        qs = annotate_deadlines(qs)
    if not include_uncounted:
        qs = qs.filter(status__in=COUNTED)
    if not qs.query.order_by:
        # Ledger order: batch by batch, in the order problems were registered (= code order).
        qs = qs.order_by("batch_id", "id")
    if profile.annotate is not None:
        qs = profile.annotate(qs)
    return qs


def _grouped(queryset) -> dict[int, list]:
    """values_list rows (problem_id, value…) → {problem_id: [value or (values…), …]}."""
    groups = defaultdict(list)
    for problem_id, *values in queryset:
        groups[problem_id].append(values[0] if len(values) == 1 else tuple(values))
    return groups


def _many_valued(ids: list[int]) -> dict[str, dict[int, list]]:
    """One query per many-valued column for a chunk of problems."""
    Cooperating = Problem.cooperating_units.through
    Linked = Regulation.problems.through
    in_chunk = AnyOf(F("problem_id"), ids)
    return {
        "measures": _grouped(
            Measure.objects.filter(in_chunk)
            .order_by("problem_id", "seq")
            .values_list("problem_id", "content")
        ),
        "cooperating": _grouped(
            Cooperating.objects.filter(in_chunk)
            .order_by("problem_id", "unit__sort", "unit_id")
            .values_list("problem_id", "unit__name")
        ),
        "evidence": _grouped(
            Evidence.objects.filter(in_chunk)
            .order_by("problem_id", "id")
            .values_list("problem_id", "file_name")
        ),
        # Approved close-out requests (their summary) and `extend` requests (the granted date).
        "decided": _grouped(
            ReviewRequest.objects.filter(in_chunk, status=RequestStatus.APPROVED)
            .exclude(request_type=RequestType.EXTENSION, requested_due_date__isnull=True)
            .order_by("problem_id", "decided_at", "id")
            .values_list("problem_id", "request_type", "requested_due_date", "summary")
        ),
        "regulations": _grouped(
            Linked.objects.filter(in_chunk)
            .order_by("problem_id", "regulation__issued_on", "regulation_id")
            .values_list("problem_id", "regulation__name", "regulation__doc_no")
        ),
    }


def iter_rows(qs: QuerySet[Problem], profile: Profile, *, chunk_size=CHUNK_SIZE) -> Iterator[list]:
    """One list of cell texts per problem; 1 + 4 queries per chunk of `chunk_size` rows."""
    accessors = [accessor for _, accessor in profile.columns]
    language = translation.get_language()
    number = 0

    def flush(chunk):
        nonlocal number
        extra = _many_valued([row["id"] for row in chunk])
        for row in chunk:
            number += 1
            row["row"] = number
            row["language"] = language
            for name, groups in extra.items():
                row[name] = groups.get(row["id"], ())
            yield [accessor(row) or "" for accessor in accessors]

    chunk = []
    for row in qs.values(*ROW_FIELDS, *profile.fields).iterator(chunk_size=chunk_size):
        chunk.append(row)
        if len(chunk) == chunk_size:
            yield from flush(chunk)
            chunk = []
    if chunk:
        yield from flush(chunk)
