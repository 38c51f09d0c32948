"""Drop the reminder's own problem_id index: reminder_problem_state (problem, state) leads
with the same column, and each index is written again for every reminder the scan inserts.

Only the index: Django's AlterField would also drop and re-add the foreign key, checking every
stored reminder again under a lock."""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "notifications_reminder_problem_id_0c9fe2e1"  # as Django named it (0001)


class Migration(migrations.Migration):
    dependencies = [
        ("issues", "0020_problem_lead_status_covering"),
        ("notifications", "0006_mail_retries"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="reminder",
                    name="problem",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="issues.problem",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "notifications_reminder" ("problem_id")',
                ),
            ],
        ),
    ]
