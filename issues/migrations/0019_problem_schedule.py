"""The next reminder date moves from issues_problem to a narrow table of its own.

The reminder scan advances the date of every due problem. On the problem row that was a
non-HOT update (the column is indexed) writing all of issues_problem's indexes, three of them
trigram GIN; in issues_problemschedule it writes the primary key and the date's index. The
dates are copied over in one statement, before the column is dropped.
"""

import django.db.models.deletion
from django.db import migrations, models

COPY = """
INSERT INTO issues_problemschedule (problem_id, next_reminder_on)
SELECT id, next_reminder_on FROM issues_problem WHERE next_reminder_on IS NOT NULL
"""

COPY_BACK = """
UPDATE issues_problem SET next_reminder_on = (
    SELECT s.next_reminder_on FROM issues_problemschedule s WHERE s.problem_id = issues_problem.id
)
"""


class Migration(migrations.Migration):
    dependencies = [("issues", "0018_measure_open_unit_due")]

    operations = [
        migrations.CreateModel(
            name="ProblemSchedule",
            fields=[
                (
                    "problem",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="schedule",
                        serialize=False,
                        to="issues.problem",
                    ),
                ),
                ("next_reminder_on", models.DateField(blank=True, null=True)),
            ],
            options={
                "indexes": [
                    models.Index(
                        condition=models.Q(("next_reminder_on__isnull", False)),
                        fields=["next_reminder_on"],
                        name="schedule_next_reminder",
                    )
                ],
            },
        ),
        migrations.RunSQL(COPY, COPY_BACK),
        migrations.RemoveIndex(model_name="problem", name="problem_next_reminder"),
        migrations.RemoveField(model_name="problem", name="next_reminder_on"),
    ]
