"""Problems as lists and pages read them: scoped, with deadlines, without N+1."""

from django.db.models import Prefetch, QuerySet

from issues.models import Measure, Problem, RequestStatus, ReviewRequest
from issues.selectors.deadlines import annotate_deadlines, annotate_measure_deadlines
from issues.selectors.scope import visible_problems


def problem_list(user) -> QuerySet[Problem]:
    """The user's visible problems with `light`/`is_overdue` and everything a row shows."""
    return problem_rows(visible_problems(user))


def problem_rows_by_id(ids) -> QuerySet[Problem]:
    """The rows of a page whose ids the (scoped, filtered, ordered) list has already picked."""
    return problem_rows(Problem.objects.filter(pk__in=ids))


def problem_rows(problems: QuerySet[Problem]) -> QuerySet[Problem]:
    """`problems` with `light`/`is_overdue` and everything a row shows.

    A row's measures, cooperating units and pending requests (with their steps) are
    prefetched, so rendering a row and computing its allowed actions run no query: the cost
    of a page is a constant number of queries, whatever its size.
    """
    pending = ReviewRequest.objects.filter(status=RequestStatus.PENDING).prefetch_related("steps")
    return (
        annotate_deadlines(problems)
        .select_related("batch", "lead_unit")
        .prefetch_related(
            "measures",
            "cooperating_units",
            # workflow.pending_request() reads `pending_requests` instead of querying per row.
            Prefetch("requests", queryset=pending, to_attr="pending_requests"),
        )
    )


def measure_list(user) -> QuerySet[Measure]:
    """Measures are visible when their problem is; `is_overdue` annotated in SQL."""
    return annotate_measure_deadlines(Measure.objects.filter(problem__in=visible_problems(user)))
