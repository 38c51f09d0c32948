"""Two indexes fewer on ledger entries: every append wrote them, no query reads them.

- problem_id alone: `ledger_problem_seq` (problem_id, seq) answers every lookup by problem,
  including PROTECT's check when a problem would be deleted.
- hash with varchar_pattern_ops (Django adds it beside a unique CharField on PostgreSQL, for
  LIKE): nothing searches hashes by prefix; the unique index on hash stays.
At 1 000 000 problems 500 escalations read ~1 000 blocks of each from disk (bench/README.md,
"Reminder scan"). PostgreSQL only: on SQLite altering a field remakes the table, which would
drop the ledger's append-only triggers (0002, 0004) with it, so the SQLite index stays.
"""

from django.db import migrations, models

FIND = """
SELECT indexname FROM pg_indexes
WHERE tablename = 'ledger_ledgerentry'
  AND (indexdef LIKE '%%(problem_id)' OR indexdef LIKE '%%(hash varchar_pattern_ops)')
"""


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FIND)
        names = [row[0] for row in cursor.fetchall()]
    for name in names:
        schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def restore(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX ledger_ledgerentry_problem_id ON ledger_ledgerentry (problem_id)"
    )
    schema_editor.execute(
        "CREATE INDEX ledger_ledgerentry_hash_like ON ledger_ledgerentry "
        "(hash varchar_pattern_ops)"
    )


class Migration(migrations.Migration):
    dependencies = [("ledger", "0005_head_insert_race")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="ledgerentry",
                    name="problem",
                    field=models.ForeignKey(
                        db_index=False,
                        null=True,
                        on_delete=models.PROTECT,
                        related_name="ledger_entries",
                        to="issues.problem",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop, restore)],
        )
    ]
