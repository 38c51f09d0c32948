from django.db import models


class ProblemReach(models.Model):
    """The units that see a problem directly — its lead unit, each cooperating unit and the
    unit of each of its measures — one row per (problem, unit), with the problem's created_at.

    A read model for the scoped problem list (issues.selectors.scope.visible_page): a user's
    page and count are an index-only scan of their scope's units here, where the same set
    from the three sources took an EXCEPT over every measure and cooperating row of the scope
    and a primary-key probe per problem led from outside it (bench/README.md).

    Kept by PostgreSQL triggers on issues_problem, issues_problem_cooperating_units and
    issues_measure (issues 0021), so that every write — the ORM, bulk writes, raw SQL, the
    generator's COPY — keeps it right; nothing in Python writes it. Elsewhere (SQLite, the
    embedded default) it stays empty and unread: visible_page is PostgreSQL only."""

    pk = models.CompositePrimaryKey("problem_id", "unit_id")
    # No constraints: the triggers delete a problem's rows with it (Django's own cascade
    # would only read them again); no index of their own: the two below lead with them.
    problem = models.ForeignKey(
        "issues.Problem",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    unit = models.ForeignKey(
        "issues.Unit",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            # A scope's problems newest first, read from the index alone.
            models.Index(fields=["unit", "-created_at", "-problem"], name="reach_unit_created"),
        ]

    def __str__(self):
        return f"problem {self.problem_id} ← unit {self.unit_id}"
