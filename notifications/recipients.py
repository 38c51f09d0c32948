"""Who receives a reminder (SPEC §5 "to"), resolved for a whole chunk of problems at once."""

from collections import defaultdict

from django.db.models import F

from issues.lookups import AnyOf
from issues.models import Membership, Role, StepKind
from issues.services.schedule import Audience, Due


class Directory:
    """Memberships needed to address reminders for a set of problems: three queries in all."""

    def __init__(self, problems):
        unit_ids = set()
        for problem in problems:
            unit_ids.add(problem.lead_unit_id)
            unit_ids.update(m.unit_id for m in problem.measures.all())
        self.by_unit: dict[tuple[int, str], list[int]] = defaultdict(list)
        for user_id, unit_id, role in Membership.objects.filter(
            AnyOf(F("unit_id"), unit_ids),
            role__in=[Role.UNIT_ADMIN, Role.UNIT_HEAD, Role.UNIT_STAFF],
        ).values_list("user_id", "unit_id", "role"):
            self.by_unit[(unit_id, role)].append(user_id)
        # Office memberships are few (one office per county); match scope by path in Python.
        self.office = list(
            Membership.objects.filter(
                role__in=[Role.OFFICE_REVIEWER, Role.OFFICE_ADMIN]
            ).values_list("user_id", "unit__path", "role")
        )

    def at(self, unit_id, *roles) -> set[int]:
        return {user for role in roles for user in self.by_unit.get((unit_id, role), [])}

    def _office_over(self, unit, *roles) -> set[int]:
        return {
            user for user, path, role in self.office if role in roles and unit.path.startswith(path)
        }

    def recipients(self, problem, due: Due) -> set[int]:
        lead = problem.lead_unit
        if due.audience == Audience.LEAD_ADMINS:
            return self.at(lead.pk, Role.UNIT_ADMIN)
        if due.audience == Audience.LEAD_ADMINS_AND_HEAD:
            return self.at(lead.pk, Role.UNIT_ADMIN, Role.UNIT_HEAD)
        if due.audience == Audience.MEASURE_PEOPLE:
            measure_id = int(due.target.split(":")[1])
            measure = next(m for m in problem.measures.all() if m.pk == measure_id)
            people = self.at(measure.unit_id, Role.UNIT_STAFF)
            if measure.owner_id:
                people.add(measure.owner_id)
            return people
        if due.audience == Audience.ESCALATION:
            people = self._office_over(lead, Role.OFFICE_REVIEWER)
            if problem.responsible_leader_id:
                people.add(problem.responsible_leader_id)
            return people
        if due.audience == Audience.STEP_REVIEWERS:
            step_id = int(due.target.split(":")[1])
            request, step = next(
                (r, s) for r in problem.requests.all() for s in r.steps.all() if s.pk == step_id
            )
            return self.step_reviewers(problem, request, step)
        raise ValueError(f"unknown audience {due.audience!r}")

    def step_reviewers(self, problem, request, step) -> set[int]:
        if step.step_kind == StepKind.UNIT_HEAD:
            people = self.at(problem.lead_unit_id, Role.UNIT_HEAD)
        elif step.step_kind == StepKind.OFFICE:
            people = self._office_over(problem.lead_unit, Role.OFFICE_REVIEWER, Role.OFFICE_ADMIN)
        else:
            people = {problem.responsible_leader_id} if problem.responsible_leader_id else set()
        # Separation of duties: the applicant and earlier deciders cannot decide this step.
        people.discard(request.applicant_id)
        people -= {s.reviewer_id for s in request.steps.all() if s.reviewer_id}
        return people
