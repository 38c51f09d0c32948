"""Three indexes fewer on problems: each non-HOT update writes every index of the table, and
the reminder scan advances next_reminder_on (itself indexed) on 10 000 rows at a time.

- batch_id and lead_unit_id alone: problem_batch_status and problem_lead_status start with
  them and serve every lookup by batch or lead unit (PROTECT's checks included).
- code with varchar_pattern_ops (PostgreSQL's twin of a unique CharField, for LIKE 'x%'):
  the code search is icontains, served by problem_code_trgm; exact codes by the unique index.
"""

from django.db import migrations, models

LIKE_INDEX = """
SELECT indexname FROM pg_indexes
WHERE tablename = 'issues_problem' AND indexdef LIKE '%%(code varchar_pattern_ops)'
"""


def drop_like(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(LIKE_INDEX)
        names = [row[0] for row in cursor.fetchall()]
    for name in names:
        schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def restore_like(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX issues_problem_code_like ON issues_problem (code varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [("issues", "0015_step_open_position")]

    operations = [
        migrations.AlterField(
            model_name="problem",
            name="batch",
            field=models.ForeignKey(
                db_index=False,
                on_delete=models.PROTECT,
                related_name="problems",
                to="issues.batch",
                verbose_name="整改批次",
            ),
        ),
        migrations.AlterField(
            model_name="problem",
            name="lead_unit",
            field=models.ForeignKey(
                db_index=False,
                on_delete=models.PROTECT,
                related_name="led_problems",
                to="issues.unit",
                verbose_name="牵头单位",
            ),
        ),
        migrations.RunPython(drop_like, restore_like),
    ]
