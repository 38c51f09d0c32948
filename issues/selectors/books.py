"""Reads for the books: regulations within scope, a unit's problems, follow-ups."""

from django.db.models import QuerySet

from issues.models import FollowUpReview, Problem, Regulation, Unit
from issues.selectors.scope import scope_units, visible_problems


def visible_regulations(user) -> QuerySet[Regulation]:
    """Regulations made by units in the user's scope."""
    return Regulation.objects.filter(unit_id__in=scope_units(user).values("pk"))


def visible_unit(user, unit_id) -> Unit | None:
    return scope_units(user).filter(pk=unit_id).first()


def unit_problems(user, unit: Unit) -> QuerySet[Problem]:
    """The problems a unit answers for: led by it or a unit below it, as far as the user sees."""
    return visible_problems(user).filter(lead_unit__path__startswith=unit.path)


def problem_follow_ups(problem: Problem) -> QuerySet[FollowUpReview]:
    return problem.follow_ups.select_related("reviewer").order_by("-review_date", "-id")
